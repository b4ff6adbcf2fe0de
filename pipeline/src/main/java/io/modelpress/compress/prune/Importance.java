package io.modelpress.compress.prune;

import io.modelpress.compress.Calibration;
import io.modelpress.weights.LayerWeights;
import io.modelpress.spec.PruneSpec.Criterion;

/**
 * Importance scores, the first of the three pruning steps. Higher means more important; every score is
 * finite and ≥ 0. ∂L/∂w is the gradient of one calibration batch's mean loss ({@link Calibration}).
 *
 * <ul>
 *   <li>per weight: magnitude |w| (Han et al. 2015), gradient |∂L/∂w|, and first-order Taylor |w·∂L/∂w|
 *       (the first-order term of Molchanov et al. 2019, "Importance Estimation for Neural Network
 *       Pruning", CVPR 2019, who square it where this takes its magnitude: the two rank alike on one
 *       batch, not always over several), each averaged over the calibration batches; a weight that is
 *       already exactly zero scores 0, so pruning is monotone under AGP;
 *   <li>per output neuron / filter:
 *       <ul>
 *         <li>{@code magnitude}: the L1 norm of its incoming weights (Li et al. 2017); {@code gradient}: the
 *             sum of their per-weight scores;
 *         <li>{@code taylor}: the group criterion of Molchanov et al. 2019, the squared first-order Taylor
 *             term of the group S of its incoming weights, (Σ_{s∈S} g_s·w_s)², computed on each calibration
 *             batch and averaged over the batches, as the paper averages its importance over minibatches
 *             (and NVlabs/Taylor_pruning accumulates the per-batch squares). Squaring per batch and then
 *             averaging gives the mean over batches of the squared first-order change of the loss when the
 *             neuron is removed; squaring the averaged sum would let batches of opposite sign cancel. Products of opposite sign within a
 *             group cancel, as they do in the loss. S holds the weights only, not the bias: the
 *             calibration carries ∂L/∂W only;
 *         <li>{@code taylor-abs-sum}: Σ_{s∈S} mean over batches of |g_s·w_s|, the sum of the per-weight
 *             Taylor scores (what {@code taylor} computed before it followed the paper): no cancellation
 *             within the group or between batches;
 *         <li>{@code mean-activation}: the mean |activation| (Molchanov et al. 2017, "Pruning Convolutional
 *             Neural Networks for Resource Efficient Inference", ICLR 2017); {@code apoz}: 1 − APoZ, the
 *             average percentage of zeros of the neuron's output (Hu et al. 2016, "Network Trimming"). Both
 *             are measured on the layer's output after its own activation function, and both are defined on
 *             a nonlinearity's output: they refuse, naming the layer, a layer whose activation is identity
 *             (its nonlinearity, if any, comes after pooling or not at all, as in lenet5's convolutions:
 *             there APoZ is ≈ 0 for every filter and the ranking would fall to position), and APoZ refuses
 *             any activation that does not output exact zeros ({@link #ZERO_PRODUCING}).
 *       </ul>
 * </ul>
 */
public final class Importance {

  /** Activations that output exactly 0 over a range of inputs, so that APoZ can rank by them. */
  public static final java.util.List<String> ZERO_PRODUCING =
      java.util.List.of("relu", "relu6", "thresholdedrelu", "rectifiedtanh", "hardsigmoid");

  private Importance() {}

  public static float[] ofWeights(LayerWeights layer, Criterion criterion, Calibration calibration) {
    float[] w = layer.weights();
    float[] s = switch (criterion) {
      case MAGNITUDE -> w.clone();
      case GRADIENT -> stats(calibration, criterion, layer).gradient().get(layer.name()).clone();
      case TAYLOR -> stats(calibration, criterion, layer).taylor().get(layer.name()).clone();
      case TAYLOR_ABS_SUM, MEAN_ACTIVATION, APOZ -> throw new IllegalArgumentException(
          "criterion " + criterion.id() + " scores neurons, not weights");
    };
    if (s.length != w.length) {
      throw new IllegalArgumentException("calibration of layer '" + layer.name() + "' has " + s.length
          + " scores for " + w.length + " weights");
    }
    for (int i = 0; i < s.length; i++) {
      s[i] = w[i] == 0f ? 0f : Math.abs(s[i]);
    }
    return s;
  }

  /** One score per output neuron (dense) or filter (convolution). */
  public static float[] ofNeurons(LayerWeights layer, Criterion criterion, Calibration calibration) {
    int channels = layer.outChannels();
    float[] out = new float[channels];
    switch (criterion) {
      case MAGNITUDE, GRADIENT, TAYLOR_ABS_SUM -> {
        float[] perWeight = ofWeights(layer, criterion == Criterion.TAYLOR_ABS_SUM ? Criterion.TAYLOR : criterion,
            calibration);
        int stride = layer.channelStride();
        for (int i = 0; i < perWeight.length; i++) {
          out[(i / stride) % channels] += perWeight[i];
        }
      }
      case TAYLOR -> {
        return groupTaylor(layer, stats(calibration, criterion, layer));
      }
      case MEAN_ACTIVATION -> copyChannels(measuredAfterANonlinearity(layer, criterion, calibration).meanActivation()
          .get(layer.name()), out, layer, false);
      case APOZ -> copyChannels(measuredAfterANonlinearity(layer, criterion, calibration).zeroFraction()
          .get(layer.name()), out, layer, true);
    }
    return out;
  }

  /** (1/B) Σ_b (Σ_{s∈S_c} g_s·w_s on batch b)² for each output channel c. */
  private static float[] groupTaylor(LayerWeights layer, Calibration c) {
    float[][] sums = c.taylorGroupSums().get(layer.name());
    if (sums == null) {
      throw new IllegalArgumentException("criterion taylor ranks the neurons of layer '" + layer.name()
          + "' by the per-batch sums of w·∂L/∂w over each neuron, which this calibration does not carry; use "
          + "taylor-abs-sum");
    }
    int channels = layer.outChannels();
    if (sums.length != c.batches()) {
      throw new IllegalArgumentException("calibration of layer '" + layer.name() + "' has group sums for "
          + sums.length + " batches, not its " + c.batches());
    }
    double[] acc = new double[channels];
    for (float[] batch : sums) {
      if (batch.length != channels) {
        throw new IllegalArgumentException("calibration of layer '" + layer.name() + "' has " + batch.length
            + " group sums per batch for " + channels + " output channels");
      }
      for (int ch = 0; ch < channels; ch++) {
        acc[ch] += (double) batch[ch] * batch[ch];
      }
    }
    float[] out = new float[channels];
    for (int ch = 0; ch < channels; ch++) {
      out[ch] = (float) (acc[ch] / sums.length);
    }
    return out;
  }

  /** The calibration, once the activation its statistics were measured after suits {@code criterion}. */
  private static Calibration measuredAfterANonlinearity(LayerWeights layer, Criterion criterion, Calibration c) {
    String a = stats(c, criterion, layer).activation().get(layer.name());
    if (a == null) {
      throw new IllegalArgumentException("calibration of layer '" + layer.name() + "' does not record the activation "
          + "its statistics were measured after; criterion " + criterion.id() + " needs it");
    }
    if (a.equals("identity")) {
      throw new IllegalArgumentException("criterion " + criterion.id() + " cannot rank the outputs of layer '"
          + layer.name() + "': its activation is identity, so they are measured before any nonlinearity"
          + (criterion == Criterion.APOZ ? " and are almost never exactly zero (APoZ ≈ 0 for every one, ties by "
          + "position)" : "") + "; use magnitude or taylor for this layer");
    }
    if (criterion == Criterion.APOZ && !ZERO_PRODUCING.contains(a)) {
      throw new IllegalArgumentException("criterion apoz cannot rank the outputs of layer '" + layer.name()
          + "': its activation " + a + " does not output exact zeros (APoZ ≈ 0 for every one, ties by position); "
          + "it needs one of " + ZERO_PRODUCING + ", or use mean-activation, magnitude or taylor");
    }
    return c;
  }

  private static void copyChannels(float[] from, float[] to, LayerWeights layer, boolean oneMinus) {
    if (from == null || from.length != to.length) {
      throw new IllegalArgumentException("calibration of layer '" + layer.name() + "' does not match its "
          + to.length + " output channels");
    }
    for (int c = 0; c < to.length; c++) {
      to[c] = oneMinus ? 1f - from[c] : from[c];
    }
  }

  private static Calibration stats(Calibration c, Criterion criterion, LayerWeights layer) {
    if (c == null || !c.gradient().containsKey(layer.name())) {
      throw new IllegalArgumentException("criterion " + criterion.id() + " needs calibration data for layer '"
          + layer.name() + "'");
    }
    return c;
  }
}
