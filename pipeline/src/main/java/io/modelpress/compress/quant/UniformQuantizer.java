package io.modelpress.compress.quant;

import io.modelpress.weights.LayerWeights;
import io.modelpress.spec.QuantSpec;

/**
 * Uniform weight quantization (Jacob et al. 2018, "Quantization and Training of Neural Networks for
 * Efficient Integer-Arithmetic-Only Inference"), the generalisation of {@code W_q = round(W·Q)}.
 *
 * <ul>
 *   <li>Symmetric: levels {@code q ∈ [−(2^(b−1)−1), 2^(b−1)−1]} (2^b − 1 levels, zero exact),
 *       {@code scale = max|w| / (2^(b−1)−1)}.
 *   <li>Affine: {@code q ∈ [0, 2^b − 1]}, the range [min, max] widened to contain 0,
 *       {@code scale = (max − min) / (2^b − 1)}, integer zero point, so 0 stays exactly 0 (pruned weights
 *       stay pruned).
 * </ul>
 * Ranges are min/max over the tensor or over each output channel. Codes are stored unsigned
 * ({@code u = q + offset}) and dequantized by {@link ValueCoding.Uniform#dequantize}.
 */
public final class UniformQuantizer {

  private UniformQuantizer() {}

  /** Codes, scales and zero points of {@code layer} under an integer {@code spec} (2–8 bits). */
  public static ValueCoding.Uniform quantize(LayerWeights layer, QuantSpec spec) {
    if (!spec.isInteger()) {
      throw new IllegalArgumentException("uniform quantization needs 2..8 bits, got " + spec.bits());
    }
    int bits = spec.bits();
    boolean perChannel = spec.granularity() == QuantSpec.Granularity.PER_CHANNEL;
    int channels = perChannel ? layer.outChannels() : 1;
    float[] w = layer.weights();
    float[] min = new float[channels];
    float[] max = new float[channels];
    int[] channelOf = perChannel ? layer.channels() : new int[w.length];
    for (int i = 0; i < w.length; i++) {
      int c = channelOf[i];
      min[c] = Math.min(min[c], w[i]); // starts at 0: the range always contains zero
      max[c] = Math.max(max[c], w[i]);
    }
    if (spec.clipPercentile() < 100) {
      clipToPercentile(w, channelOf, channels, spec, min, max);
    }
    float[] scales = new float[channels];
    int[] zps = new int[channels];
    int levels = (1 << bits) - 1; // largest unsigned code
    for (int c = 0; c < channels; c++) {
      if (spec.scheme() == QuantSpec.Scheme.SYMMETRIC) {
        int qmax = (1 << (bits - 1)) - 1;
        float absMax = Math.max(-min[c], max[c]);
        scales[c] = absMax > 0 ? absMax / qmax : 1f;
        zps[c] = qmax;
      } else {
        float range = max[c] - min[c];
        scales[c] = range > 0 ? range / levels : 1f;
        zps[c] = clamp(Math.round(-min[c] / scales[c]), 0, levels);
      }
    }
    for (int c = 0; c < channels; c++) {
      if (!Float.isFinite(scales[c])) {
        throw new IllegalArgumentException("layer '" + layer.name() + "' has weights in [" + min[c] + ", " + max[c]
            + "], too wide to quantize in float");
      }
      if (scales[c] < Float.MIN_NORMAL) {
        scales[c] = Float.MIN_NORMAL; // a range this small rounds every weight to zero
      }
    }
    int lo = 0;
    int hi = spec.scheme() == QuantSpec.Scheme.SYMMETRIC ? 2 * ((1 << (bits - 1)) - 1) : levels;
    int[] codes = new int[w.length];
    for (int i = 0; i < w.length; i++) {
      int c = channelOf[i];
      codes[i] = clamp(Math.round(w[i] / scales[c]) + zps[c], lo, hi);
    }
    return new ValueCoding.Uniform(bits, perChannel, scales, zps, codes);
  }

  /**
   * Narrows each channel's range to percentiles: symmetric ranges to the p-th percentile of |w|, affine
   * ones to the (100 − p)-th and p-th percentiles of w (still containing 0). Weights outside are clipped.
   * Percentiles are nearest-rank over the non-zero weights (pruned weights are not part of the
   * distribution).
   */
  private static void clipToPercentile(float[] w, int[] channelOf, int channels, QuantSpec spec, float[] min, float[] max) {
    // pruned weights (exact zeros) are not part of the distribution: at sparsity s they would pull every
    // percentile below s to 0 and quantize the layer away
    int[] counts = new int[channels];
    for (int i = 0; i < w.length; i++) {
      if (w[i] != 0f) {
        counts[channelOf[i]]++;
      }
    }
    float[][] values = new float[channels][];
    for (int c = 0; c < channels; c++) {
      values[c] = new float[counts[c]];
    }
    int[] fill = new int[channels];
    boolean symmetric = spec.scheme() == QuantSpec.Scheme.SYMMETRIC;
    for (int i = 0; i < w.length; i++) {
      if (w[i] != 0f) {
        int c = channelOf[i];
        values[c][fill[c]++] = symmetric ? Math.abs(w[i]) : w[i];
      }
    }
    for (int c = 0; c < channels; c++) {
      float[] v = values[c];
      if (v.length == 0) {
        continue;
      }
      java.util.Arrays.sort(v);
      int hiIndex = rank(spec.clipPercentile(), v.length);
      float hi = v[hiIndex];
      if (symmetric) {
        max[c] = Math.min(max[c], hi);
        min[c] = Math.max(min[c], -hi);
      } else {
        min[c] = Math.min(0f, v[v.length - 1 - hiIndex]); // the mirror rank: as many clipped below as above
        max[c] = Math.max(0f, hi);
      }
    }
  }

  /** Nearest-rank index of the p-th percentile in n sorted values: ceil(p·n/100) − 1, in decimal arithmetic. */
  static int rank(double percentile, int n) {
    int r = java.math.BigDecimal.valueOf(percentile).multiply(java.math.BigDecimal.valueOf(n))
        .divide(java.math.BigDecimal.valueOf(100)).setScale(0, java.math.RoundingMode.CEILING).intValueExact() - 1;
    return Math.max(0, Math.min(n - 1, r));
  }

  /** The dequantized weights of a coding for {@code layer}. */
  public static float[] dequantize(LayerWeights layer, ValueCoding.Uniform q) {
    float[] out = new float[q.codes().length];
    int[] channel = q.perChannel() ? layer.channels() : new int[out.length];
    for (int i = 0; i < out.length; i++) {
      int c = channel[i];
      out[i] = ValueCoding.Uniform.dequantize(q.scales()[c], q.codes()[i], q.zeroPoints()[c]);
    }
    return out;
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
