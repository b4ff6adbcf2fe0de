package io.modelpress.distill;

/**
 * Softmax with temperature and the distillation loss on plain arrays: the reference the DL4J loss
 * ({@link io.modelpress.model.DistillLoss}) is written against and tested with.
 */
public final class SoftTargets {

  private SoftTargets() {}

  /** {@code a} widened to double. */
  public static double[] widen(float[] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  /** softmax(z / t) of one row {@code z[from .. from + k)}, computed stably (max subtracted). */
  public static double[] softmax(double[] z, int from, int k, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      max = Math.max(max, z[from + c] / t);
    }
    double[] p = new double[k];
    double sum = 0;
    for (int c = 0; c < k; c++) {
      p[c] = Math.exp(z[from + c] / t - max);
      sum += p[c];
    }
    for (int c = 0; c < k; c++) {
      p[c] /= sum;
    }
    return p;
  }

  /**
   * The loss of one example: {@code α · CE(label, softmax(z)) + (1 − α) · T² · KL(softmax(t/T) ‖ softmax(z/T))}
   * with student logits {@code z[zFrom ..]}, teacher logits {@code t[tFrom ..]}, {@code k} classes.
   */
  public static double loss(double[] z, int zFrom, double[] t, int tFrom, int k, int label, double temperature,
      double alpha) {
    double[] s = softmax(z, zFrom, k, 1);
    double hard = -Math.log(Math.max(s[label], 1e-300));
    if (alpha == 1) {
      return hard;
    }
    double[] p = softmax(t, tFrom, k, temperature);
    double[] q = softmax(z, zFrom, k, temperature);
    double kl = 0;
    for (int c = 0; c < k; c++) {
      if (p[c] > 0) {
        kl += p[c] * (Math.log(p[c]) - Math.log(Math.max(q[c], 1e-300)));
      }
    }
    return alpha * hard + (1 - alpha) * temperature * temperature * kl;
  }

  /**
   * ∂loss/∂z of one example: {@code α · (softmax(z) − onehot) + (1 − α) · T · (softmax(z/T) − softmax(t/T))}
   * (the T² factor keeps the soft term's gradient on the scale of the hard term's as T grows).
   */
  public static double[] gradient(double[] z, int zFrom, double[] t, int tFrom, int k, int label, double temperature,
      double alpha) {
    double[] s = softmax(z, zFrom, k, 1);
    double[] g = new double[k];
    for (int c = 0; c < k; c++) {
      g[c] = alpha * (s[c] - (c == label ? 1 : 0));
    }
    if (alpha < 1) {
      double[] p = softmax(t, tFrom, k, temperature);
      double[] q = softmax(z, zFrom, k, temperature);
      for (int c = 0; c < k; c++) {
        g[c] += (1 - alpha) * temperature * (q[c] - p[c]);
      }
    }
    return g;
  }
}
