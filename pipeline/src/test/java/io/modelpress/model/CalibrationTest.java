package io.modelpress.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.compress.Calibration;
import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.data.LabeledImages;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The per-batch group sums of the DL4J backend's {@link Trainer#calibrate} ({@code model.dl4j.Dl4jTrainer}) against an independent computation that does
 * not use the gradient: Σ_{s ∈ neuron c} w_s · ∂L/∂w_s is the derivative of the batch's mean loss along
 * the scaling of the neuron's weights, d/dα L(w_c → α·w_c) at α = 1, here a central difference of the
 * loss the network's outputs give at α = 1 ± ε. And the activations it records, which the activation
 * criteria check.
 */
class CalibrationTest {

  static final int BATCH = 64;
  static final int BATCHES = 2;
  /** Small: ReLUs make the loss piecewise smooth, and 1 % steps crossed kinks (errors up to 35 % of a sum). */
  static final float EPS = 0.001f;

  @Test
  void groupSumsOfADenseLayerAreTheDerivativeOfTheLossAlongItsNeuronsWeights() {
    checkGroupSums(Backends.dl4j().restore(TestData.trainedMlp()), "fc1");
  }

  @Test
  void groupSumsOfAConvolutionAreTheDerivativeOfTheLossAlongItsFiltersWeights() {
    checkGroupSums(Backends.dl4j().restore(TestData.trainedLenet5()), "conv1");
  }

  @Test
  void activationCriteriaRefuseLenet5sLinearConvolutionsAndRankItsReluLayer() {
    Network m = Backends.dl4j().restore(TestData.trainedLenet5());
    ModelWeights w = m.weights();
    Calibration c = Backends.dl4j().trainer().calibrate(m, w, TestData.mnistTrain(BATCHES * BATCH), BATCHES, BATCH);
    assertThat(c.activation()).containsEntry("conv1", "identity").containsEntry("conv2", "identity")
        .containsEntry("fc1", "relu");
    for (PruneSpec.Criterion crit : new PruneSpec.Criterion[] {PruneSpec.Criterion.APOZ,
        PruneSpec.Criterion.MEAN_ACTIVATION}) {
      assertThatThrownBy(() -> StructuredPruner.prune(w, new PruneSpec(PruneSpec.Scope.LAYER, 0.5,
          LayerSelector.named("conv1"), crit, PruneSpec.Structure.STRUCTURED, BATCHES), c))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("criterion " + crit.id() + " cannot rank the outputs of layer 'conv1': its "
              + "activation is identity");
    }
    // fc1 is a ReLU layer: APoZ ranks it, by zero fractions that differ between its neurons
    boolean[] kept = StructuredPruner.prune(w, new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.named("fc1"),
        PruneSpec.Criterion.APOZ, PruneSpec.Structure.STRUCTURED, BATCHES), c).kept().get("fc1");
    assertThat(kept).hasSize(500);
    java.util.Set<Float> distinct = new java.util.HashSet<>();
    for (float z : c.zeroFraction().get("fc1")) {
      distinct.add(z);
    }
    assertThat(distinct).hasSizeGreaterThan(1);
  }

  static void checkGroupSums(Network m, String layer) {
    LabeledImages data = TestData.mnistTrain(BATCHES * BATCH);
    ModelWeights w = m.weights();
    Calibration c = Backends.dl4j().trainer().calibrate(m, w, data, BATCHES, BATCH);
    float[][] sums = c.taylorGroupSums().get(layer);
    LayerWeights l = w.layer(layer);
    assertThat(sums).hasDimensions(BATCHES, l.outChannels());
    double max = 0;
    double[][] fd = new double[BATCHES][l.outChannels()];
    for (int b = 0; b < BATCHES; b++) {
      LabeledImages batch = slice(data, b * BATCH, BATCH);
      for (int ch = 0; ch < l.outChannels(); ch++) {
        fd[b][ch] = (loss(m, scaled(w, l, ch, 1 + EPS), batch) - loss(m, scaled(w, l, ch, 1 - EPS), batch)) / (2 * EPS);
        max = Math.max(max, Math.abs(fd[b][ch]));
      }
    }
    int negative = 0;
    for (int b = 0; b < BATCHES; b++) {
      for (int ch = 0; ch < l.outChannels(); ch++) {
        // at ε = 10⁻³ the worst difference seen was 0.2 % of the layer's largest sum (float32 losses); 1 % is
        // far below what a wrong channel, a missing sign or a gradient not divided by the batch would change
        assertThat(Math.abs(sums[b][ch] - fd[b][ch]))
            .as("batch %d, channel %d: %s vs %s", b, ch, sums[b][ch], fd[b][ch]).isLessThan(0.01 * max);
        negative += fd[b][ch] < 0 ? 1 : 0;
      }
    }
    assertThat(negative).as("signed sums: some neurons' removal would lower the loss").isPositive();
  }

  /** Mean over the batch of −ln p(label), from the network's outputs at weights {@code w}. */
  static double loss(Network m, ModelWeights w, LabeledImages batch) {
    m.load(w);
    float[] p = m.outputs(m.inputs(batch));
    int classes = m.outputSize();
    double sum = 0;
    for (int i = 0; i < batch.count(); i++) {
      sum -= Math.log(p[i * classes + batch.labels()[i]]);
    }
    return sum / batch.count();
  }

  /** {@code w} with the weights of output channel {@code ch} of {@code l} multiplied by {@code a}. */
  static ModelWeights scaled(ModelWeights w, LayerWeights l, int ch, float a) {
    float[] v = l.weights().clone();
    for (int i = 0; i < v.length; i++) {
      if (l.channelOf(i) == ch) {
        v[i] *= a;
      }
    }
    return w.with(java.util.Map.of(l.name(), l.withWeights(v)));
  }

  static LabeledImages slice(LabeledImages d, int from, int n) {
    int f = d.features();
    return new LabeledImages(n, d.height(), d.width(), Arrays.copyOfRange(d.pixels(), from * f, (from + n) * f),
        Arrays.copyOfRange(d.labels(), from, from + n), d.fingerprint());
  }
}
