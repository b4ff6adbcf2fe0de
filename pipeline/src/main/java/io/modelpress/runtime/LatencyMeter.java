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

  /**
   * Re-measures {@code models} together, as the frontier's candidates: {@code rounds} rounds, each timing
   * every model in turn at batch 1 and at batch 32 (its warm-up, then timed runs within a quarter of the
   * budget, as the latency stage does), in pairs of rounds, the second the first reversed, each pair rotated
   * by one (A B C, C B A, B C A, A C B, ...; {@link #order}), so drift of the machine (load, clock, heap) falls on every model alike instead of on whichever was
   * timed last. Returns per model the {@link Latency.Confirmed} figures over the rounds, in input order.
   */
  public static java.util.List<Latency.Confirmed> interleaved(java.util.List<CompiledModel> models, float[] x, int rows,
      LatencySpec spec, int rounds, String host) {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
    }
    int n = models.size();
    // each turn as the latency stage times a model (its own warm-up, then timed runs), within a quarter of the
    // budget: warm-up before every turn, so a model is never timed cold after another one ran
    LatencySpec turn = new LatencySpec(true, spec.warmup(), spec.runs(), spec.minRuns(), spec.budgetMs() / 4,
        spec.maxIqrRatio(), 0);
    double[][][] p50 = new double[BATCHES.length][n][rounds];
    double[][][] p95 = new double[BATCHES.length][n][rounds];
    for (int b = 0; b < BATCHES.length; b++) {
      java.util.List<float[][]> inputs = new java.util.ArrayList<>();
      for (CompiledModel m : models) {
        inputs.add(batches(x, rows, m.inputs(), BATCHES[b]));
      }
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < n; k++) {
          int i = order(k, r, n);
          Latency.Stats s = time(models.get(i), inputs.get(i), BATCHES[b], turn);
          p50[b][i][r] = s.p50Ms();
          p95[b][i][r] = s.p95Ms();
        }
      }
    }
    java.util.List<Latency.Confirmed> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Latency.Confirmed(Latency.Stats.ofRounds(p50[0][i], p95[0][i]),
          Latency.Stats.ofRounds(p50[1][i], p95[1][i]), rounds, host));
    }
    return out;
  }

  /**
   * The model timed {@code k}-th in round {@code r}: pairs of rounds, the second the first reversed (A B C,
   * C B A), each pair rotated by one more (B C A, A C B, ...). Over every two rounds each model's positions
   * sum to n − 1, whatever n, so drift within a pair falls on every model alike.
   */
  static int order(int k, int r, int n) {
    int j = (k + r / 2) % n;
    return r % 2 == 0 ? j : (n - 1 - k + r / 2) % n;
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
    float[] y = new float[batch * model.outputs()]; // timed runs allocate nothing (see CompiledModel#forward)
    for (int i = 0; i < spec.warmup(); i++) {
      model.forward(inputs[i % inputs.length], batch, y);
      sink += y[0];
    }
    long[] nanos = new long[spec.runs()];
    long budget = (long) (spec.budgetMs() * 1e6);
    long start = System.nanoTime();
    int n = 0;
    while (n < spec.runs() && (n < spec.minRuns() || System.nanoTime() - start < budget)) {
      float[] in = inputs[n % inputs.length];
      long t0 = System.nanoTime();
      model.forward(in, batch, y);
      nanos[n++] = System.nanoTime() - t0;
      sink += y[0];
    }
    if (sink == 42.4242f) { // keeps the JIT from dropping the work
      System.out.print("");
    }
    return Latency.Stats.of(nanos, n);
  }
}
