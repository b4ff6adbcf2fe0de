package io.modelpress.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.modelpress.TestData;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnergyModelTest {

  @Test
  void denseFp32IsMacsTimesFp32PlusDramTraffic() {
    ModelWeights m = TestData.smallModel(1);
    CompressedModel c = TrialCompressor.apply(m, TrialSpec.BASE);
    long macs = m.macs();
    double expected = (macs * EnergyModel.FP32_MAC_PJ + 1000 / 4.0 * EnergyModel.DRAM_PJ_PER_32_BITS) / 1e6;
    assertThat(EnergyModel.microjoulesPerInference(c, 1000)).isCloseTo(expected, offset(1e-12));
  }

  @Test
  void pruningAndLowerPrecisionCostLess() {
    ModelWeights m = TestData.smallModel(2);
    CompressedModel base = TrialCompressor.apply(m, TrialSpec.BASE);
    CompressedModel pq = TrialCompressor.apply(m, new TrialSpec(List.<CompressionStep>of(
        new PruneSpec(PruneSpec.Scope.GLOBAL, 0.8, LayerSelector.ALL),
        new QuantSpec(4, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_CHANNEL, LayerSelector.ALL))));
    double e0 = EnergyModel.microjoulesPerInference(base, 1000);
    double e1 = EnergyModel.microjoulesPerInference(pq, 150);
    assertThat(e1).isLessThan(e0 / 5);
  }
}
