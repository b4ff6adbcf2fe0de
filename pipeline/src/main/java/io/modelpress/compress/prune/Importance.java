package io.modelpress.compress.prune;

import io.modelpress.compress.Calibration;
import io.modelpress.weights.LayerWeights;
import io.modelpress.spec.PruneSpec.Criterion;

/**
 * Importance scores, the first of the three pruning steps. Higher means more important; every score is
 * finite and ≥ 0.
 *
 * <ul>
 *   <li>per weight: magnitude |w| (Han et al. 2015), gradient |∂L/∂w| and first-order Taylor |w·∂L/∂w|
 *       (Molchanov et al. 2019), each averaged over the calibration batches ({@link Calibration}); a
 *       weight that is already exactly zero scores 0, so pruning is monotone under AGP;
 *   <li>per output neuron / filter: the sum of the per-weight score over its incoming weights (for
 *       magnitude the L1 norm of Li et al. 2017), the mean |activation|, or 1 − APoZ (Hu et al. 2016).
 * </ul>
 */
public final class Importance {

  private Importance() {}

  public static float[] ofWeights(LayerWeights layer, Criterion criterion, Calibration calibration) {
    float[] w = layer.weights();
    float[] s = switch (criterion) {
      case MAGNITUDE -> w.clone();
      case GRADIENT -> stats(calibration, criterion, layer).gradient().get(layer.name()).clone();
      case TAYLOR -> stats(calibration, criterion, layer).taylor().get(layer.name()).clone();
      case MEAN_ACTIVATION, APOZ -> throw new IllegalArgumentException(
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
      case MAGNITUDE, GRADIENT, TAYLOR -> {
        float[] perWeight = ofWeights(layer, criterion, calibration);
        int stride = layer.channelStride();
        for (int i = 0; i < perWeight.length; i++) {
          out[(i / stride) % channels] += perWeight[i];
        }
      }
      case MEAN_ACTIVATION -> copyChannels(stats(calibration, criterion, layer).meanActivation().get(layer.name()), out,
          layer, false);
      case APOZ -> copyChannels(stats(calibration, criterion, layer).zeroFraction().get(layer.name()), out, layer, true);
    }
    return out;
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
