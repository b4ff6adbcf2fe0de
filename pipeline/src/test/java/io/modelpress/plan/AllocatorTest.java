package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.spec.TrialSpecs;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AllocatorTest {

  static Allocator.Curve curve(String layer, String method, double... levelDrop) {
    TreeMap<Double, Double> m = new TreeMap<>();
    for (int i = 0; i < levelDrop.length; i += 2) {
      m.put(levelDrop[i], levelDrop[i + 1]);
    }
    return new Allocator.Curve(layer, method, m);
  }

  @Test
  void equalDropGivesEachLayerTheMostAggressiveLevelWithinTheThreshold() {
    List<Allocator.Curve> curves = List.of(
        curve("fc1", "magnitude", 0.5, 0.001, 0.7, 0.004, 0.9, 0.05),
        curve("fc2", "magnitude", 0.5, 0.003, 0.7, 0.02, 0.9, 0.2),
        // noisy: 0.8 looks cheap but 0.7 is not, so fc3 stops at 0.5 for t = 0.005
        curve("fc3", "magnitude", 0.5, 0.002, 0.7, 0.009, 0.8, 0.001),
        curve("fc1", "kmeans", 2, 0.03, 3, 0.002, 4, 0.0, 8, 0.0),
        curve("fc2", "kmeans", 2, 0.01, 3, 0.001, 4, 0.0, 8, 0.0),
        curve("fc1", "uniform", 2, 0.5, 8, 0.0));
    List<Allocator.Allocation> a = Allocator.equalDrop(curves, "magnitude", "kmeans", List.of(0.005, 0.0025, 0.0, 0.01));
    // thresholds sorted; t = 0 keeps only the free levels: no sparsity anywhere, 4 bits
    assertThat(a.get(0).threshold()).isEqualTo(0.0);
    assertThat(a.get(0).sparsity()).isEmpty();
    assertThat(a.get(0).bits()).isEqualTo(Map.of("fc1", 4, "fc2", 4));
    Allocator.Allocation t25 = a.get(1);
    assertThat(t25.sparsity()).isEqualTo(Map.of("fc1", 0.5, "fc3", 0.5));
    assertThat(t25.bits()).isEqualTo(Map.of("fc1", 3, "fc2", 3));
    assertThat(t25.predictedDrop()).isCloseTo(0.001 + 0.002 + 0.002 + 0.001, org.assertj.core.api.Assertions.within(1e-12));
    Allocator.Allocation t5 = a.get(2);
    assertThat(t5.sparsity()).isEqualTo(Map.of("fc1", 0.7, "fc2", 0.5, "fc3", 0.5));
    assertThat(Allocator.equalDrop(curves, "magnitude", null, List.of(0.005)).get(0).bits()).isEmpty();
    assertThatThrownBy(() -> Allocator.equalDrop(curves, "taylor", "power-of-two", List.of(0.01)))
        .hasMessageContaining("no single-layer results");
  }

  @Test
  void perLayerTrialsPruneAndQuantizeEachLayerAtItsOwnLevelAndReadBackFromJson() {
    Allocator.Allocation a = new Allocator.Allocation(0.01, Map.of("fc1", 0.5, "fc2", 0.25), Map.of("fc1", 3, "out", 4), 0.01);
    TrialSpec t = a.toTrial(PruneSpec.Criterion.MAGNITUDE, QuantSpec.Algorithm.KMEANS);
    assertThat(TrialSpecs.fromCanonicalJson(t.canonicalJson())).isEqualTo(t);
    assertThat(t.canonicalJson()).contains("\"sparsity\":{\"fc1\":0.5,\"fc2\":0.25}", "\"bits\":{\"fc1\":3,\"out\":4}");
    ModelWeights m = TestData.smallModel(3);
    var c = TrialCompressor.apply(m, t);
    assertThat(c.weights().layer("fc1").size() - c.weights().layer("fc1").nonZeros()).isEqualTo(80); // 0.5 of 160
    assertThat(c.weights().layer("fc2").size() - c.weights().layer("fc2").nonZeros()).isEqualTo(12); // 0.25 of 48
    assertThat(((ValueCoding.Codebook) c.coding("fc1")).bits()).isEqualTo(3);
    assertThat(((ValueCoding.Codebook) c.coding("out")).bits()).isEqualTo(4);
    assertThat(c.codings()).doesNotContainKey("fc2"); // not quantized: fp32
    assertThatThrownBy(() -> new TrialSpec(List.of(t.prune().orElseThrow(),
        new io.modelpress.spec.FineTuneSpec(1, 1e-3, 64, io.modelpress.spec.FineTuneSpec.Schedule.AGP, 5))))
        .hasMessageContaining("per-layer sparsities take schedule one-shot");
  }
}
