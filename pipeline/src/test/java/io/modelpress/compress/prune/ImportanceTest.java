package io.modelpress.compress.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.config.SweepConfigParser;
import io.modelpress.compress.Calibration;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.PruneSpec.Criterion;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The structured Taylor criterion of Molchanov et al. 2019 against its formula written out by hand:
 * I_c = (1/B) Σ_b (Σ_{s ∈ neuron c} g_s^(b) · w_s)², on a dense layer of 2 inputs and 3 output neurons
 * calibrated on 2 batches.
 */
class ImportanceTest {

  // [nIn = 2, nOut = 3], row-major: w[i * 3 + c] feeds neuron c from input i
  static final float[] W = {1.0f, 0.5f, 1.0f, 1.0f, 0.5f, 1.0f};
  // ∂L/∂w on each batch, same layout
  static final float[][] G = {{0.5f, 0.4f, 0.2f, -0.5f, 0.4f, 0.2f}, {-0.3f, 0.2f, -0.2f, 0.3f, 0.2f, -0.2f}};
  // Σ_i w·g per neuron, by hand:
  //   batch 1: c0 1·0.5 + 1·(−0.5) = 0,  c1 0.5·0.4 + 0.5·0.4 = 0.4,  c2 1·0.2 + 1·0.2 = 0.4
  //   batch 2: c0 1·(−0.3) + 1·0.3 = 0,  c1 0.5·0.2 + 0.5·0.2 = 0.2,  c2 1·(−0.2) + 1·(−0.2) = −0.4
  static final float[][] GROUP_SUMS = {{0f, 0.4f, 0.4f}, {0f, 0.2f, -0.4f}};

  static LayerWeights fc1() {
    return new LayerWeights("fc1", LayerKind.DENSE, new int[] {2, 3}, 1, 1, W.clone(), new float[3]);
  }

  /** What a calibration over the two batches holds: per weight mean |g| and mean |w·g|; per neuron the sums. */
  static Calibration calibration(Map<String, float[][]> groupSums) {
    float[] grad = new float[W.length];
    float[] taylor = new float[W.length];
    for (float[] g : G) {
      for (int i = 0; i < W.length; i++) {
        grad[i] += Math.abs(g[i]) / G.length;
        taylor[i] += Math.abs(W[i] * g[i]) / G.length;
      }
    }
    return new Calibration(Map.of("fc1", grad), Map.of("fc1", taylor), groupSums, Map.of("fc1", new float[3]),
        Map.of("fc1", new float[3]), Map.of("fc1", "relu"), G.length);
  }

  @Test
  void theHandWrittenGroupSumsAreTheSumsOfTheProducts() {
    for (int b = 0; b < G.length; b++) {
      for (int c = 0; c < 3; c++) {
        assertThat(W[c] * G[b][c] + W[3 + c] * G[b][3 + c]).isCloseTo(GROUP_SUMS[b][c], within(1e-7f));
      }
    }
  }

  @Test
  void structuredTaylorIsTheSquaredGroupSumOfEachBatchAveragedOverTheBatches() {
    float[] s = Importance.ofNeurons(fc1(), Criterion.TAYLOR, calibration(Map.of("fc1", GROUP_SUMS)));
    // c0: (0² + 0²) / 2 = 0; c1: (0.4² + 0.2²) / 2 = 0.10; c2: (0.4² + (−0.4)²) / 2 = 0.16
    // (squaring the mean over batches instead would give c2 ((0.4 − 0.4) / 2)² = 0; summing |w·g| c0 0.8)
    assertThat(s[0]).isEqualTo(0f);
    assertThat(s[1]).isCloseTo(0.10f, within(1e-7f));
    assertThat(s[2]).isCloseTo(0.16f, within(1e-7f));
  }

  @Test
  void taylorAbsSumIsTheSumOfThePerWeightScores() {
    float[] s = Importance.ofNeurons(fc1(), Criterion.TAYLOR_ABS_SUM, calibration(Map.of()));
    // mean over batches of |w·g|, summed per neuron:
    // c0 (0.5 + 0.3)/2 + (0.5 + 0.3)/2 = 0.8; c1 (0.2 + 0.1)/2 · 2 = 0.3; c2 (0.2 + 0.2)/2 · 2 = 0.4
    assertThat(s[0]).isCloseTo(0.8f, within(1e-6f));
    assertThat(s[1]).isCloseTo(0.3f, within(1e-6f));
    assertThat(s[2]).isCloseTo(0.4f, within(1e-6f));
  }

  @Test
  void theTwoCriteriaRemoveDifferentNeurons() {
    // one neuron of three: taylor removes c0, whose products cancel within each batch; taylor-abs-sum keeps it
    ModelWeights m = new ModelWeights(List.of(fc1(), new LayerWeights("out", LayerKind.OUTPUT, new int[] {3, 2}, 1, 1,
        new float[] {1, 2, 3, 4, 5, 6}, new float[2])));
    Calibration c = calibration(Map.of("fc1", GROUP_SUMS));
    boolean[] taylor = StructuredPruner.prune(m, spec(Criterion.TAYLOR), c).kept().get("fc1");
    boolean[] absSum = StructuredPruner.prune(m, spec(Criterion.TAYLOR_ABS_SUM), c).kept().get("fc1");
    assertThat(taylor).containsExactly(false, true, true);
    assertThat(absSum).containsExactly(true, false, true);
  }

  static PruneSpec spec(Criterion c) {
    return new PruneSpec(PruneSpec.Scope.LAYER, 1 / 3.0, LayerSelector.named("fc1"), c, PruneSpec.Structure.STRUCTURED,
        2);
  }

  @Test
  void structuredTaylorRefusesACalibrationWithoutGroupSumsOrWithTheWrongShape() {
    assertThatThrownBy(() -> Importance.ofNeurons(fc1(), Criterion.TAYLOR, calibration(Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("criterion taylor ranks the neurons of layer 'fc1' by the per-batch sums of w·∂L/∂w over each "
            + "neuron, which this calibration does not carry; use taylor-abs-sum");
    assertThatThrownBy(() -> Importance.ofNeurons(fc1(), Criterion.TAYLOR,
        calibration(Map.of("fc1", new float[][] {{0f, 0.4f, 0.4f}}))))
        .hasMessage("calibration of layer 'fc1' has group sums for 1 batches, not its 2");
    assertThatThrownBy(() -> Importance.ofNeurons(fc1(), Criterion.TAYLOR,
        calibration(Map.of("fc1", new float[][] {{0f, 0.4f}, {0f, 0.2f}}))))
        .hasMessage("calibration of layer 'fc1' has 2 group sums per batch for 3 output channels");
  }

  @Test
  void taylorAbsSumScoresNeuronsOnly() {
    assertThatThrownBy(() -> Importance.ofWeights(fc1(), Criterion.TAYLOR_ABS_SUM, calibration(Map.of())))
        .hasMessage("criterion taylor-abs-sum scores neurons, not weights");
    assertThatThrownBy(() -> new PruneSpec(PruneSpec.Scope.GLOBAL, 0.5, LayerSelector.ALL, Criterion.TAYLOR_ABS_SUM,
        PruneSpec.Structure.UNSTRUCTURED, 2))
        .hasMessage("'criterion' taylor-abs-sum scores neurons, not weights; use it with 'structure: structured'");
    String config = """
        version: 1
        model: {zoo: mlp-64-64}
        dataset: mnist
        search:
          - prune: {method: taylor-abs-sum, structure: STRUCTURE, sparsities: 0.5}
        """;
    assertThat(SweepConfigParser.parse(config.replace("STRUCTURE", "structured"), "t").search()).hasSize(1);
    assertThatThrownBy(() -> SweepConfigParser.parse(config.replace("STRUCTURE", "unstructured"), "t"))
        .hasMessage("'search[0].prune.method' taylor-abs-sum scores neurons, not weights; add 'structure: "
            + "structured' or use magnitude, gradient or taylor");
  }

  /** A 3-filter convolution whose outputs, after {@code activation}, had the given zero fractions and means. */
  static Calibration activations(String activation, float[] zeroFraction, float[] meanAbs) {
    return new Calibration(Map.of("conv1", new float[12]), Map.of("conv1", new float[12]), Map.of(),
        Map.of("conv1", meanAbs), Map.of("conv1", zeroFraction), Map.of("conv1", activation), 1);
  }

  static LayerWeights conv1() {
    return new LayerWeights("conv1", LayerKind.CONV, new int[] {3, 1, 2, 2}, 0, 9, new float[12], new float[3]);
  }

  @Test
  void activationCriteriaRefuseALayerWhoseActivationIsIdentity() {
    // lenet5's convolutions: identity, max pooling, then the next layer; nothing they output is exactly zero
    Calibration linear = activations("identity", new float[] {0, 0, 0}, new float[] {0.5f, 0.2f, 0.9f});
    assertThatThrownBy(() -> Importance.ofNeurons(conv1(), Criterion.APOZ, linear))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("criterion apoz cannot rank the outputs of layer 'conv1': its activation is identity, so they are "
            + "measured before any nonlinearity and are almost never exactly zero (APoZ ≈ 0 for every one, ties by "
            + "position); use magnitude or taylor for this layer");
    assertThatThrownBy(() -> Importance.ofNeurons(conv1(), Criterion.MEAN_ACTIVATION, linear))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("criterion mean-activation cannot rank the outputs of layer 'conv1': its activation is identity, "
            + "so they are measured before any nonlinearity; use magnitude or taylor for this layer");
  }

  @Test
  void activationCriteriaRefuseACalibrationThatDoesNotRecordTheActivation() {
    Calibration unrecorded = new Calibration(Map.of("conv1", new float[12]), Map.of("conv1", new float[12]), Map.of(),
        Map.of("conv1", new float[] {0.5f, 0.2f, 0.9f}), Map.of("conv1", new float[3]), Map.of(), 1);
    for (Criterion c : new Criterion[] {Criterion.APOZ, Criterion.MEAN_ACTIVATION}) {
      assertThatThrownBy(() -> Importance.ofNeurons(conv1(), c, unrecorded))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("calibration of layer 'conv1' does not record the activation its statistics were measured "
              + "after; criterion " + c.id() + " needs it");
    }
  }

  @Test
  void apozNeedsAnActivationThatOutputsExactZeros() {
    Calibration tanh = activations("tanh", new float[] {0, 0, 0}, new float[] {0.5f, 0.2f, 0.9f});
    assertThatThrownBy(() -> Importance.ofNeurons(conv1(), Criterion.APOZ, tanh))
        .hasMessage("criterion apoz cannot rank the outputs of layer 'conv1': its activation tanh does not output "
            + "exact zeros (APoZ ≈ 0 for every one, ties by position); it needs one of [relu, relu6, "
            + "thresholdedrelu, rectifiedtanh, hardsigmoid], or use mean-activation, magnitude or taylor");
    // mean |activation| after tanh is a measurement of the nonlinearity's output: allowed
    assertThat(Importance.ofNeurons(conv1(), Criterion.MEAN_ACTIVATION, tanh)).containsExactly(0.5f, 0.2f, 0.9f);
    // after a ReLU: 1 − APoZ, by hand
    Calibration relu = activations("relu", new float[] {0.25f, 0.75f, 0f}, new float[] {0.5f, 0.2f, 0.9f});
    assertThat(Importance.ofNeurons(conv1(), Criterion.APOZ, relu)).containsExactly(0.75f, 0.25f, 1f);
  }

  @Test
  void structuredTaylorTrialsGetNewIdsTaylorAbsSumTheMethodName() {
    PruneSpec taylor = spec(Criterion.TAYLOR);
    assertThat(taylor.canonical()).containsEntry("taylor-group", "squared-sum");
    assertThat(spec(Criterion.TAYLOR_ABS_SUM).canonical()).doesNotContainKey("taylor-group")
        .containsEntry("method", "taylor-abs-sum");
    assertThat(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.5, LayerSelector.ALL, Criterion.TAYLOR,
        PruneSpec.Structure.UNSTRUCTURED, 2).canonical()).doesNotContainKey("taylor-group");
    assertThat(spec(Criterion.TAYLOR_ABS_SUM).method()).isEqualTo("taylor-abs-sum-structured");
  }
}
