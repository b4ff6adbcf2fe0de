package io.modelpress.runtime;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A trial's measured latency: its compressed model executed by the pure-Java runtime on one executor
 * core, at batch 1 and at batch 32 (the time of one whole batch). {@code error} is set, and the figures
 * null, when the runtime cannot execute the model.
 *
 * @param kinds the runtime's kernel per weighted layer, e.g. "csr-fp32,csr-fp32,dense-fp32"
 * @param attempts measurements taken (more than one when a noisy one was repeated)
 * @param noisy whether the kept measurement's IQR / p50 is still above the threshold
 * @param host the executor that measured, host/executor-id
 */
public record Latency(String kinds, Stats batch1, Stats batch32, int attempts, boolean noisy, String host, String error)
    implements Serializable {

  public static Latency failed(String host, String error) {
    return new Latency(null, null, null, 0, false, host, error);
  }

  public boolean isOk() {
    return error == null;
  }

  /** Order statistics of timed runs, in milliseconds (nearest rank). */
  public record Stats(double p50Ms, double p95Ms, double iqrMs, int runs) implements Serializable {

    public static Stats of(long[] nanos, int n) {
      if (n < 1) {
        throw new IllegalArgumentException("no timed runs");
      }
      long[] s = Arrays.copyOf(nanos, n);
      Arrays.sort(s);
      return new Stats(rank(s, 0.50) / 1e6, rank(s, 0.95) / 1e6, (rank(s, 0.75) - rank(s, 0.25)) / 1e6, n);
    }

    private static long rank(long[] sorted, double q) {
      return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))];
    }

    /** IQR / p50: the spread the noise threshold is compared with. */
    public double spread() {
      return p50Ms > 0 ? iqrMs / p50Ms : Double.POSITIVE_INFINITY;
    }
  }
}
