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
 * @param confirmed the figure the frontier uses when this trial was a frontier candidate, re-measured
 *     after the sweep interleaved with the other candidates on one executor (null otherwise)
 */
public record Latency(String kinds, Stats batch1, Stats batch32, int attempts, boolean noisy, String host, String error,
    Confirmed confirmed, Ort ort) implements Serializable {

  /** A latency-stage measurement, not (yet) confirmed. */
  public Latency(String kinds, Stats batch1, Stats batch32, int attempts, boolean noisy, String host, String error) {
    this(kinds, batch1, batch32, attempts, noisy, host, error, null, null);
  }

  /** Without an ONNX Runtime measurement. */
  public Latency(String kinds, Stats batch1, Stats batch32, int attempts, boolean noisy, String host, String error,
      Confirmed confirmed) {
    this(kinds, batch1, batch32, attempts, noisy, host, error, confirmed, null);
  }

  /**
   * The trial's ONNX form ({@code modelpress export --out FILE.onnx}'s graph) timed in ONNX Runtime on the same
   * executor, one intra-op and one inter-op thread, sequential, no spinning: p50 and p95 of one batch at batch 1
   * and 32, and the file's size; {@code error} set, and the figures null, when it could not be written or run.
   */
  public record Ort(Stats batch1, Stats batch32, long onnxBytes, String error) implements Serializable {
    public static Ort failed(String error) {
      return new Ort(null, null, 0, error);
    }

    public boolean isOk() {
      return error == null;
    }
  }

  /** This measurement with its ONNX Runtime figures. */
  public Latency withOrt(Ort o) {
    return new Latency(kinds, batch1, batch32, attempts, noisy, host, error, confirmed, o);
  }

  public static Latency failed(String host, String error) {
    return new Latency(null, null, null, 0, false, host, error);
  }

  /** This measurement with its confirmation. */
  public Latency confirmedBy(Confirmed c) {
    return new Latency(kinds, batch1, batch32, attempts, noisy, host, error, c, ort);
  }

  /** The batch-1 figure to compare: the confirmed one when there is one, else the stage's. */
  public Stats compared1() {
    return confirmed != null ? confirmed.batch1() : batch1;
  }

  /** The batch-32 figure to compare: the confirmed one when there is one, else the stage's. */
  public Stats compared32() {
    return confirmed != null ? confirmed.batch32() : batch32;
  }

  /**
   * A re-measurement in {@code rounds} interleaved rounds ({@link LatencyMeter#interleaved}): p50 and p95
   * of the fastest round ({@link Stats#ofRounds}), {@code iqrMs} the interquartile range of the rounds'
   * p50s (how much the figure moved between rounds), {@code runs} the rounds.
   */
  public record Confirmed(Stats batch1, Stats batch32, int rounds, String host) implements Serializable {}

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

    /**
     * Over rounds: the fastest round's p50 and that round's p95, the interquartile range of the rounds' p50s,
     * the round count. The fastest round, as for repeated timings of deterministic code: a round can only be
     * slowed (by another thread, a collection, the scheduler), never sped up, and a disturbed round otherwise
     * moves the figure (measured: some confirmations had half their rounds 7× slow, the rest as usual).
     */
    public static Stats ofRounds(double[] p50s, double[] p95s) {
      int n = p50s.length;
      if (n < 1 || p95s.length != n) {
        throw new IllegalArgumentException("no rounds");
      }
      int fastest = 0;
      for (int i = 1; i < n; i++) {
        fastest = p50s[i] < p50s[fastest] ? i : fastest;
      }
      double[] a = p50s.clone();
      Arrays.sort(a);
      return new Stats(p50s[fastest], p95s[fastest], quartile(a, 0.75) - quartile(a, 0.25), n);
    }

    /** Nearest rank, as for timed runs. */
    private static double quartile(double[] sorted, double q) {
      return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))];
    }

    /** IQR / p50: the spread the noise threshold is compared with. */
    public double spread() {
      return p50Ms > 0 ? iqrMs / p50Ms : Double.POSITIVE_INFINITY;
    }
  }
}
