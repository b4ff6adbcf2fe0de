package io.modelpress.compress.quant;

import io.modelpress.weights.LayerWeights;

/**
 * Power-of-two (logarithmic) quantization (Miyashita et al. 2016, "Convolutional Neural Networks using
 * Logarithmic Data Representation"; Zhou et al. 2017, INQ): every weight becomes 0 or ±2^e, so a
 * multiplication is a shift. With {@code bits} b there are m = 2^(b−1) − 1 exponents per sign,
 * e ∈ [emax − m + 1, emax] with emax = round(log2 max|w|), and the
 * exact zero: 2m + 1 ≤ 2^b values. A weight rounds to the nearest exponent in the log domain; magnitudes
 * below 2^(emin − ½) become 0.
 */
public final class PowerOfTwoQuantizer {

  private PowerOfTwoQuantizer() {}

  public static ValueCoding.Codebook quantize(LayerWeights layer, int bits) {
    if (bits < 2 || bits > 8) {
      throw new IllegalArgumentException("power-of-two bits must be in 2..8, got " + bits);
    }
    float[] w = layer.weights();
    float maxAbs = 0;
    for (float v : w) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    int m = (1 << (bits - 1)) - 1;
    int emax = maxAbs > 0 ? (int) Math.round(Math.log(maxAbs) / Math.log(2)) : 0;
    int emin = emax - m + 1;
    // codebook: 0, then +2^emax .. +2^emin, then −2^emax .. −2^emin
    float[] book = new float[2 * m + 1];
    for (int i = 0; i < m; i++) {
      book[1 + i] = (float) Math.scalb(1.0, emax - i);
      book[1 + m + i] = -book[1 + i];
    }
    int[] codes = new int[w.length];
    for (int i = 0; i < w.length; i++) {
      float a = Math.abs(w[i]);
      if (a == 0f) {
        continue;
      }
      double e = Math.log(a) / Math.log(2);
      if (e < emin - 0.5) {
        continue; // rounds to zero
      }
      int ei = (int) Math.max(emin, Math.min(emax, Math.round(e)));
      int idx = emax - ei;
      codes[i] = w[i] > 0 ? 1 + idx : 1 + m + idx;
    }
    return new ValueCoding.Codebook(bits, book, codes);
  }
}
