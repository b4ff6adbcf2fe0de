package io.modelpress.sweep;

import io.modelpress.plan.PlannedTrial;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Sensitivity statistics. Each trial is evaluated once on the whole test set; that full-sample
 * evaluation is the point estimate of its accuracy, loss and drop (the base model's full-sample accuracy
 * minus the trial's). The bootstrap only gives the uncertainty: accuracy and loss are read again on
 * {@code seeds} resamples of the test set (with replacement; the same resamples for every trial and for
 * the base model), so each resample's drop is paired with the base on the same examples, and the
 * standard deviation of the paired drops over the resamples is the bootstrap standard error of the drop
 * (Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 6).
 *
 * <p>The 95 % interval is the normal-theory ("standard") bootstrap interval centred on the full-sample
 * drop: drop ± t(0.975, seeds − 1) · se. Student's t instead of the normal 1.96 widens it for a standard
 * error estimated from only {@code seeds} resamples; this is a heuristic allowance, not an exact coverage
 * guarantee. Limits with few seeds: with the default 3 the standard error rests on 3 values and t is
 * 4.303, so the interval is wide and its width varies from run to run. A percentile interval would be no
 * better: its 2.5 % and 97.5 % points of 3 resamples are their minimum and maximum, which contain the
 * median of the bootstrap distribution only 1 − 2 · 0.5³ = 75 % of the time, and Efron & Tibshirani ask
 * for about 1,000 resamples for percentile intervals (ch. 13).
 *
 * <p>The interaction check compares a pair's joint drop with the sum of the two single-layer drops.
 */
public final class Sensitivity {

  private Sensitivity() {}

  /** What a trial changes: layer(s) ("fc1" or "fc1+fc2"), method, level (sparsity or bits). */
  public record Cell(String kind, String layer, String method, double level) implements Serializable {
    public static Cell of(PlannedTrial t) {
      TrialSpec spec = t.spec();
      if (spec.steps().isEmpty()) {
        return new Cell("base", "", "base", 0);
      }
      CompressionStep s = spec.steps().get(0);
      if (s instanceof PruneSpec p) {
        return new Cell(t.block(), String.join("+", p.layers().names()), p.method(), p.level());
      }
      QuantSpec q = (QuantSpec) s;
      return new Cell(t.block(), String.join("+", q.layers().names()), q.method(), q.bits());
    }
  }

  /**
   * One trial: accuracy and mean cross-entropy on the full test set, and on every resample (per seed); or
   * the error.
   */
  public record Outcome(PlannedTrial trial, double fullAccuracy, double fullLoss, double[] accuracy, double[] loss,
      long encodedBytes, long params, String errorClass, String errorMessage) implements Serializable {
    public boolean isOk() {
      return errorClass == null;
    }
  }

  /** Bootstrap resample {@code k} of {@code n} examples (with replacement), from the root seed. */
  public static int[] resample(long rootSeed, int k, int n) {
    Random r = new Random(rootSeed * 1_000_003L + k);
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = r.nextInt(n);
    }
    return idx;
  }

  /**
   * A part of the test set's per-example results, summed: correct predictions and cross-entropy over its
   * examples, and over its examples' draws in each bootstrap resample of the whole set. Parts add up, so a
   * test set held in shards gives what the whole set gives: the counts exactly, the loss sums up to the
   * order of floating-point additions.
   */
  public record Sums(long correct, double loss, long[] resampledCorrect, double[] resampledLoss)
      implements Serializable {

    public Sums plus(Sums o) {
      long[] c = resampledCorrect.clone();
      double[] l = resampledLoss.clone();
      for (int k = 0; k < c.length; k++) {
        c[k] += o.resampledCorrect[k];
        l[k] += o.resampledLoss[k];
      }
      return new Sums(correct + o.correct, loss + o.loss, c, l);
    }
  }

  /**
   * The sums of the examples {@code offset .. offset + correct.length - 1} of a test set of {@code n}: each
   * resample is drawn over all {@code n} ({@link #resample}), and the draws that fall in this part count.
   */
  public static Sums sums(boolean[] correct, float[] loss, int offset, int n, long rootSeed, int seeds) {
    long all = 0;
    double allLoss = 0;
    for (int i = 0; i < correct.length; i++) {
      all += correct[i] ? 1 : 0;
      allLoss += loss[i];
    }
    long[] c = new long[seeds];
    double[] l = new double[seeds];
    for (int k = 0; k < seeds; k++) {
      for (int i : resample(rootSeed, k, n)) {
        int j = i - offset;
        if (j >= 0 && j < correct.length) {
          c[k] += correct[j] ? 1 : 0;
          l[k] += loss[j];
        }
      }
    }
    return new Sums(all, allLoss, c, l);
  }

  /** The outcome of a trial whose per-example results over a test set of {@code n} summed to {@code s}. */
  public static Outcome outcome(PlannedTrial t, Sums s, int n, long bytes, long params) {
    double[] acc = new double[s.resampledCorrect().length];
    double[] l = new double[acc.length];
    for (int k = 0; k < acc.length; k++) {
      acc[k] = (double) s.resampledCorrect()[k] / n;
      l[k] = s.resampledLoss()[k] / n;
    }
    return new Outcome(t, (double) s.correct() / n, s.loss() / n, acc, l, bytes, params, null, null);
  }

  /** Accuracy and mean loss of per-example results on each resample. */
  public static Outcome outcome(PlannedTrial t, boolean[] correct, float[] loss, long bytes, long params, long rootSeed,
      int seeds) {
    return outcome(t, sums(correct, loss, 0, correct.length, rootSeed, seeds), correct.length, bytes, params);
  }

  /**
   * Per (cell): seeds, the full-sample accuracy, loss and drop (named mean_* in the tables, for the columns'
   * sake: they are not means over the seeds) with the drop's 95 % bootstrap interval; for pairs the
   * predicted drop too.
   */
  public record Summary(Cell cell, int seeds, double meanAccuracy, double meanLoss, double meanDrop, double ciLow,
      double ciHigh, long encodedBytes, double predictedDrop, double additivityError) implements Serializable {}

  /** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (then the normal 1.96). */
  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
      2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
      2.048, 2.045, 2.042};

  static double t975(int df) {
    return df >= 1 && df <= T975.length ? T975[df - 1] : 1.96;
  }

  /**
   * Summaries of every successful non-base trial, in plan order. {@code base} is the base model's outcome
   * (drops are paired per seed). A pair's predicted drop is the sum of its layers' single drops at the
   * same method and level; its additivity error is the measured joint drop minus that prediction.
   */
  public static List<Summary> summarize(Outcome base, List<Outcome> outcomes) {
    Map<Cell, Summary> singles = new LinkedHashMap<>();
    List<Summary> out = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (!o.isOk() || o.trial().spec().steps().isEmpty()) {
        continue;
      }
      Cell cell = Cell.of(o.trial());
      int n = o.accuracy().length;
      double[] drops = new double[n];
      for (int k = 0; k < n; k++) {
        drops[k] = base.accuracy()[k] - o.accuracy()[k];
      }
      double drop = base.fullAccuracy() - o.fullAccuracy();
      // the seeds are bootstrap resamples of one evaluation: their spread already is the standard error
      double half = t975(n - 1) * sd(drops, mean(drops));
      double predicted = Double.NaN;
      if (cell.kind().equals("pair")) {
        String[] ls = cell.layer().split("\\+");
        Summary a = singles.get(new Cell("single", ls[0], cell.method(), cell.level()));
        Summary b = singles.get(new Cell("single", ls[1], cell.method(), cell.level()));
        if (a != null && b != null) {
          predicted = a.meanDrop() + b.meanDrop();
        }
      }
      Summary s = new Summary(cell, n, o.fullAccuracy(), o.fullLoss(), drop, drop - half, drop + half,
          o.encodedBytes(), predicted, drop - predicted);
      if (cell.kind().equals("single")) {
        singles.put(cell, s);
      }
      out.add(s);
    }
    return out;
  }

  /**
   * The base model's accuracy as a run reports it ({@code runs.base_accuracy}): on the full test set, like
   * every point estimate here, not the mean over the resamples.
   */
  public static double baseAccuracy(Outcome base) {
    if (!base.isOk()) {
      throw new IllegalArgumentException("the base model failed (" + base.errorClass() + "); it has no accuracy");
    }
    return base.fullAccuracy();
  }

  public static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  static double sd(double[] v, double mean) {
    double s = 0;
    for (double x : v) {
      s += (x - mean) * (x - mean);
    }
    return Math.sqrt(s / (v.length - 1));
  }
}
