package io.modelpress.compress;

/**
 * The Adam update (Kingma &amp; Ba 2015) over one float array, for parameters DL4J does not own:
 * shadow weights of quantization-aware training and k-means centroids. β1 0.9, β2 0.999, ε 1e-8
 * (DL4J's defaults).
 */
public final class Adam {

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  private final double learningRate;
  private final double[] m;
  private final double[] v;
  private long t;

  public Adam(double learningRate, int size) {
    this.learningRate = learningRate;
    this.m = new double[size];
    this.v = new double[size];
  }

  /** {@code params −= lr · m̂ / (√v̂ + ε)} for gradient {@code g}, in place. */
  public void step(float[] params, double[] g) {
    if (params.length != m.length || g.length != m.length) {
      throw new IllegalArgumentException("Adam over " + m.length + " values got " + params.length + " params and "
          + g.length + " gradients");
    }
    t++;
    double c1 = 1 - Math.pow(BETA1, t);
    double c2 = 1 - Math.pow(BETA2, t);
    for (int i = 0; i < params.length; i++) {
      m[i] = BETA1 * m[i] + (1 - BETA1) * g[i];
      v[i] = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
      params[i] -= (float) (learningRate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPSILON));
    }
  }
}
