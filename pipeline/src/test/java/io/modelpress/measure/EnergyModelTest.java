package io.modelpress.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.encode.ArtifactEncoder;
import io.modelpress.runtime.Architecture;
import io.modelpress.runtime.CompiledModel;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The energy estimate against per-operation energies written out from Horowitz (ISSCC 2014, 45 nm), as
 * Han et al. 2016 tabulate them (Table 1): fp32 multiply 3.7 pJ, fp32 add 0.9 pJ, 8-bit integer multiply
 * 0.2 pJ, 32-bit integer add 0.1 pJ, 32-bit SRAM read 5 pJ, 32-bit DRAM read 640 pJ. Operation counts are
 * derived by hand for one 4 × 3 dense layer (12 weights, one of them zero) in each compressed form, and
 * for a 2 × 1 × 2 × 2 convolution over a 4 × 4 image (9 output positions). The kernel that executes each
 * form is read from the runtime itself ({@link CompiledModel#kinds()}).
 */
class EnergyModelTest {

  static final float[] W = {0.5f, -0.25f, 1.0f, 0.75f, -0.5f, 0.125f, 0.0f, 0.375f, -1.0f, 0.25f, 0.625f, -0.875f};
  static final Architecture FLAT = Architecture.dense(4, List.of("identity"));

  static ModelWeights fc() {
    return new ModelWeights(List.of(new LayerWeights("fc", LayerKind.DENSE, new int[] {4, 3}, 1, 1, W.clone(),
        new float[3])));
  }

  static CompressedModel apply(ModelWeights m, CompressionStep... steps) {
    return TrialCompressor.apply(m, steps.length == 0 ? TrialSpec.BASE : new TrialSpec(List.of(steps)));
  }

  /** The DRAM term: the artifact's bytes read once, 640 pJ per 32 bits, in pJ. */
  static double dram(CompressedModel c) {
    return ArtifactEncoder.encode(c, new byte[32]).length / 4.0 * 640;
  }

  static double microjoules(CompressedModel c) {
    return EnergyModel.microjoulesPerInference(c, ArtifactEncoder.encode(c, new byte[32]).length);
  }

  @Test
  void denseFp32MultipliesEveryWeightZerosIncluded() {
    CompressedModel c = apply(fc());
    assertThat(CompiledModel.compile(c, FLAT, CompiledModel.Mode.AUTO).kinds()).isEqualTo("dense-fp32");
    // 12 weights (the zero too: the dense kernel does not skip it) × (3.7 + 0.9) pJ
    assertThat(microjoules(c)).isCloseTo((12 * (3.7 + 0.9) + dram(c)) / 1e6, offset(1e-12));
  }

  @Test
  void kmeansLayersMultiplyFp32CentroidsAfterATableLookup() {
    CompressedModel c = apply(fc(), new QuantSpec(2, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR,
        LayerSelector.ALL, QuantSpec.Algorithm.KMEANS));
    assertThat(CompiledModel.compile(c, FLAT, CompiledModel.Mode.AUTO).kinds()).isEqualTo("codebook");
    // 12 × (fp32 multiply 3.7 + fp32 add 0.9) + 12 table reads × 5 pJ
    assertThat(microjoules(c)).isCloseTo((12 * (3.7 + 0.9) + 12 * 5 + dram(c)) / 1e6, offset(1e-12));
  }

  @Test
  void powerOfTwoLayersAreCodebookLayersToo() {
    CompressedModel c = apply(fc(), new QuantSpec(3, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR,
        LayerSelector.ALL, QuantSpec.Algorithm.POWER_OF_TWO));
    assertThat(CompiledModel.compile(c, FLAT, CompiledModel.Mode.AUTO).kinds()).isEqualTo("codebook");
    // 3-bit powers of two: exponents 0, -1, -2 per sign; 0.125 rounds to 0 (below 2^-2.5), so 10 of 12 are
    // non-zero, but the codebook kernel multiplies all 12
    assertThat(c.weights().layers().get(0).nonZeros()).isEqualTo(10);
    assertThat(microjoules(c)).isCloseTo((12 * (3.7 + 0.9) + 12 * 5 + dram(c)) / 1e6, offset(1e-12));
  }

  @Test
  void uniformIntegerCodesAreEightBitMultipliesWithThirtyTwoBitAccumulation() {
    CompressedModel c = apply(fc(), new QuantSpec(8, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_CHANNEL,
        LayerSelector.ALL));
    // 12 × (8-bit multiply 0.2 + 32-bit add 0.1)
    assertThat(microjoules(c)).isCloseTo((12 * (0.2 + 0.1) + dram(c)) / 1e6, offset(1e-12));
  }

  @Test
  void sparseLayersMultiplyTheirNonZerosAndReadAnIndexForEach() {
    CompressedModel c = apply(fc(), new PruneSpec(PruneSpec.Scope.LAYER, 0.75, LayerSelector.ALL));
    assertThat(CompiledModel.compile(c, FLAT, CompiledModel.Mode.AUTO).kinds()).isEqualTo("csr-fp32");
    // 9 of 12 removed: 3 non-zeros × (3.7 + 0.9 + a 5 pJ column-index read)
    assertThat(c.weights().layers().get(0).nonZeros()).isEqualTo(3);
    assertThat(microjoules(c)).isCloseTo((3 * (3.7 + 0.9 + 5) + dram(c)) / 1e6, offset(1e-12));
  }

  @Test
  void convolutionWeightsCountOncePerOutputPosition() {
    float[] w = {0.5f, -0.25f, 1.0f, 0.75f, -0.5f, 0.125f, 0.25f, 0.375f};
    ModelWeights m = new ModelWeights(List.of(new LayerWeights("conv", LayerKind.CONV, new int[] {2, 1, 2, 2}, 0, 9,
        w, new float[2])));
    CompressedModel c = apply(m);
    Architecture image = new Architecture(1, 4, 4, List.of(new Architecture.Conv("identity", 1, 1, 0, 0, false)));
    assertThat(CompiledModel.compile(c, image, CompiledModel.Mode.AUTO).kinds()).isEqualTo("conv-dense-fp32");
    // 8 weights × 3 × 3 output positions = 72 fp32 MACs
    assertThat(microjoules(c)).isCloseTo((72 * (3.7 + 0.9) + dram(c)) / 1e6, offset(1e-12));
  }
}
