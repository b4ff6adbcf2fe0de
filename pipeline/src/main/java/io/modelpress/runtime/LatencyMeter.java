package io.modelpress.runtime;

import io.modelpress.spec.LatencySpec;

/**
 * Times a {@link CompiledModel} on this thread at batch 1 and batch 32 over real input rows, as
 * {@link LatencySpec} says: warm-up, timed runs bounded by count and time budget, repeated while the
 * spread (IQR / p50) stays above the threshold, flagged noisy when it never comes down.
 */
public final class LatencyMeter {

  public static final int[] BATCHES = {1, 32};

  private LatencyMeter() {}

  /**
   * @param x input rows [rows × model inputs]; runs cycle through them (inputs matter: kernels skip zeros)
   */
  public static Latency measure(CompiledModel model, float[] x, int rows, LatencySpec spec, String host) {
    int f = model.inputs();
    if (rows < 1 || x.length < (long) rows * f) {
      throw new IllegalArgumentException(rows + " input rows of " + f + " features expected, got " + x.length
          + " values");
    }
    Latency.Stats[] stats = new Latency.Stats[BATCHES.length];
    int attempts = 0;
    boolean noisy = false;
    for (int b = 0; b < BATCHES.length; b++) {
      float[][] batches = batches(x, rows, f, BATCHES[b]);
      Latency.Stats s = null;
      for (int attempt = 0; attempt <= spec.retries(); attempt++) {
        attempts++;
        s = time(model, batches, BATCHES[b], spec);
        if (s.spread() <= spec.maxIqrRatio()) {
          break;
        }
      }
      stats[b] = s;
      noisy |= s.spread() > spec.maxIqrRatio();
    }
    return new Latency(model.kinds(), stats[0], stats[1], attempts, noisy, host, null);
  }

  /** Inputs of {@code batch} rows each, cycling through the given rows. */
  private static float[][] batches(float[] x, int rows, int f, int batch) {
    int n = Math.max(1, Math.min(64, rows / batch));
    float[][] out = new float[n][batch * f];
    for (int k = 0; k < n; k++) {
      for (int r = 0; r < batch; r++) {
        System.arraycopy(x, ((k * batch + r) % rows) * f, out[k], r * f, f);
      }
    }
    return out;
  }

  private static Latency.Stats time(CompiledModel model, float[][] inputs, int batch, LatencySpec spec) {
    float sink = 0;
    for (int i = 0; i < spec.warmup(); i++) {
      sink += model.forward(inputs[i % inputs.length], batch)[0];
    }
    long[] nanos = new long[spec.runs()];
    long budget = (long) (spec.budgetMs() * 1e6);
    long start = System.nanoTime();
    int n = 0;
    while (n < spec.runs() && (n < spec.minRuns() || System.nanoTime() - start < budget)) {
      float[] in = inputs[n % inputs.length];
      long t0 = System.nanoTime();
      float[] y = model.forward(in, batch);
      nanos[n++] = System.nanoTime() - t0;
      sink += y[0];
    }
    if (sink == 42.4242f) { // keeps the JIT from dropping the work
      System.out.print("");
    }
    return Latency.Stats.of(nanos, n);
  }
}
