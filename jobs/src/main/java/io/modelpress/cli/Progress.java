package io.modelpress.cli;

import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Progress of a sweep or sensitivity run: a Spark listener that, at every task's end, reports trials
 * done / total, trials per second and the ETA (from the work left when the trials are weighed, see
 * {@link io.modelpress.plan.TrialWork}; else from the trials left); after every committed batch of a sweep, the best accuracy
 * so far at each size budget (4×, 10×, 20×, 50× smaller than the base). On a terminal it rewrites one
 * line; otherwise (logs, CI, nohup) it prints a plain line at most every {@link #LOG_EVERY_SECONDS}, so a
 * short run prints nothing.
 */
public final class Progress extends SparkListener {

  private static final double[] BUDGETS = {4, 10, 20, 50};
  static final long LOG_EVERY_SECONDS = 30;

  private final PrintStream err;
  private final int total;
  private final int already;
  private final LongSupplier done;
  private final long totalWork; // 0: the ETA counts trials
  private final LongSupplier workDone;
  private final long start = System.nanoTime();
  private final boolean terminal;
  private final long everyNanos;
  private long lastLog = System.nanoTime();
  private volatile boolean closed;

  Progress(PrintStream err, int total, int already, LongSupplier done, boolean terminal, long everyNanos) {
    this(err, total, already, done, 0, () -> 0, terminal, everyNanos);
  }

  Progress(PrintStream err, int total, int already, LongSupplier done, long totalWork, LongSupplier workDone,
      boolean terminal, long everyNanos) {
    this.err = err;
    this.totalWork = totalWork;
    this.workDone = workDone;
    this.total = total;
    this.already = already;
    this.done = done;
    this.terminal = terminal;
    this.everyNanos = everyNanos;
  }

  /** Progress on stderr: a live line on a terminal, a line every 30 s otherwise. */
  public static Progress start(int total, int already, LongSupplier done) {
    return start(total, already, done, 0, () -> 0);
  }

  /** As above, the ETA from the work left: {@code totalWork} of this run's trials, {@code workDone} so far. */
  public static Progress start(int total, int already, LongSupplier done, long totalWork, LongSupplier workDone) {
    boolean tty = System.console() != null;
    return new Progress(System.err, total, already, done, totalWork, workDone, tty,
        tty ? 0 : LOG_EVERY_SECONDS * 1_000_000_000L);
  }

  /**
   * A sweep's progress: once the session is open, a line per task's end for the {@code total} trials of the
   * plan, {@code already} of which had rows; the best accuracy so far after every batch.
   */
  public static io.modelpress.spark.SweepLoop.Listener sweep(org.apache.spark.sql.SparkSession spark, int total,
      int already) {
    return new io.modelpress.spark.SweepLoop.Listener() {
      private Progress progress;

      @Override
      public void started(io.modelpress.spark.SparkSweepRunner.Session session, java.util.Map<Integer, Long> work) {
        progress = start(total, already, session::trialsDone,
            work.values().stream().mapToLong(Long::longValue).sum(), session::workDone);
        spark.sparkContext().addSparkListener(progress);
      }

      @Override
      public void batchDone(List<TrialResult> results) {
        progress.batchDone(results);
      }

      @Override
      public void finished() {
        if (progress != null) {
          progress.close();
          spark.sparkContext().removeSparkListener(progress);
        }
      }
    };
  }

  /**
   * Seconds left after {@code elapsed} seconds: at the rate of work so far when the trials are weighed
   * and not all of that work is done, else at the rate of trials so far; NaN before anything finished.
   */
  static double secondsLeft(double elapsed, long trialsDone, long trialsLeft, long totalWork, long workDone) {
    if (totalWork > 0 && workDone > 0 && workDone < totalWork) {
      return elapsed * (totalWork - workDone) / workDone;
    }
    return trialsDone > 0 ? elapsed * trialsLeft / trialsDone : Double.NaN;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    if (!closed) {
      line();
    }
  }

  /** Whether a plain (non-terminal) line is due; records it as printed. */
  private boolean due() {
    long now = System.nanoTime();
    if (now - lastLog < everyNanos) {
      return false;
    }
    lastLog = now;
    return true;
  }

  private synchronized void line() {
    if (!terminal && !due()) {
      return;
    }
    long n = done.getAsLong();
    double s = (System.nanoTime() - start) / 1e9;
    double rate = n / Math.max(s, 1e-9);
    long left = Math.max(0, total - already - n);
    double eta = secondsLeft(s, n, left, totalWork, workDone.getAsLong());
    String text = String.format(Locale.ROOT, "%d / %d trials  %.1f trials/s  ETA %s", already + n, total, rate,
        Double.isNaN(eta) ? "?" : eta(eta));
    if (terminal) {
      err.print("\r  " + bar(already + n, total) + " " + text + "   ");
    } else {
      err.println("progress: " + text);
    }
    err.flush();
  }

  /** After a committed batch: the best accuracy so far at each size budget. */
  public synchronized void batchDone(List<TrialResult> results) {
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
    if (terminal) {
      err.printf(Locale.ROOT, "\r  best accuracy so far%s%n", b);
      line();
    } else if (due()) {
      err.printf(Locale.ROOT, "progress: best accuracy so far%s%n", b);
    }
  }

  public void close() {
    closed = true;
    if (terminal) {
      err.println();
    }
  }

  /**
   * Training progress: after each epoch a line "epoch 3/10  12.4 s  ETA 1m27s", the time left at the
   * mean epoch time so far.
   */
  public static io.modelpress.model.Trainer.EpochListener epochs(PrintStream out, int epochs) {
    double[] total = {0};
    return (epoch, seconds) -> {
      total[0] += seconds;
      out.printf(Locale.ROOT, "  epoch %d/%d  %.1f s  ETA %s%n", epoch, epochs, seconds,
          eta(total[0] / epoch * (epochs - epoch)));
    };
  }

  /** A text bar of {@value #BAR} cells, {@code done} of {@code total} filled: {@code [#######.......]}. */
  static String bar(long done, long total) {
    int filled = total <= 0 ? 0 : (int) Math.min(BAR, BAR * Math.max(0, done) / total);
    return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]";
  }

  static final int BAR = 24;

  private static String eta(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
