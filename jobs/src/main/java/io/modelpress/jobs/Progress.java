package io.modelpress.jobs;

import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Live progress of a sweep on a terminal: a Spark listener that, at every task's end, rewrites one line
 * with trials done / total, trials per second and the ETA; after every committed batch, the best
 * accuracy so far at each size budget (4×, 10×, 20×, 50× smaller than the base). Silent when the
 * output is not a terminal (logs, CI, tests).
 */
final class Progress extends SparkListener {

  private static final double[] BUDGETS = {4, 10, 20, 50};

  private final PrintStream err;
  private final int total;
  private final int already;
  private final LongSupplier done;
  private final long start = System.nanoTime();
  private volatile boolean closed;

  private Progress(PrintStream err, int total, int already, LongSupplier done) {
    this.err = err;
    this.total = total;
    this.already = already;
    this.done = done;
  }

  /** A listener printing to {@code err}, or null when there is no terminal. */
  static Progress onTerminal(int total, int already, LongSupplier done) {
    return System.console() == null ? null : new Progress(System.err, total, already, done);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    if (!closed) {
      line();
    }
  }

  private synchronized void line() {
    long n = done.getAsLong();
    double s = (System.nanoTime() - start) / 1e9;
    double rate = n / Math.max(s, 1e-9);
    long left = Math.max(0, total - already - n);
    err.printf(Locale.ROOT, "\r  %d / %d trials  %.1f trials/s  ETA %s   ", already + n, total, rate,
        rate > 0 ? eta(left / rate) : "?");
    err.flush();
  }

  /** After a committed batch: the best accuracy so far at each size budget. */
  synchronized void batchDone(List<TrialResult> results) {
    double baseBytes = results.stream().filter(r -> r.isOk() && r.trial().spec().steps().isEmpty())
        .mapToDouble(r -> r.measurements().orElseThrow().encodedBytes()).findFirst().orElse(Double.NaN);
    if (Double.isNaN(baseBytes)) {
      return;
    }
    StringBuilder b = new StringBuilder();
    for (double x : BUDGETS) {
      double best = results.stream().filter(TrialResult::isOk).map(r -> r.measurements().orElseThrow())
          .filter(m -> m.encodedBytes() <= baseBytes / x).mapToDouble(Measurements::accuracy).max().orElse(Double.NaN);
      b.append(String.format(Locale.ROOT, "  >=%.0fx: %s", x, Double.isNaN(best) ? "-" : String.format(Locale.ROOT,
          "%.2f %%", 100 * best)));
    }
    err.printf(Locale.ROOT, "\r  best accuracy so far%s%n", b);
    line();
  }

  void close() {
    closed = true;
    err.println();
  }

  private static String eta(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
