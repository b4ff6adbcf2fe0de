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
 * Sensitivity statistics. Each trial is evaluated once on the whole test set; its accuracy and loss
 * are then read on {@code seeds} bootstrap resamples of the test set (the same resamples for every
 * trial and for the base model), so each seed's drop is paired with the base on the same examples. The
 * standard deviation of a cell's drops over the resamples is the bootstrap standard error of its drop,
 * and the 95 % confidence interval is mean ± t(0.975, seeds − 1) · sd (Student's t widens it for the
 * few resamples the standard error is estimated from).
 * The interaction check compares a pair's joint drop with the sum of the two single-layer drops.
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

  /** One trial on every resample: accuracy and mean cross-entropy per seed, or the error. */
  public record Outcome(PlannedTrial trial, double fullAccuracy, double[] accuracy, double[] loss, long encodedBytes,
      long params, String errorClass, String errorMessage) implements Serializable {
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

  /** Accuracy and mean loss of per-example results on each resample. */
  public static Outcome outcome(PlannedTrial t, boolean[] correct, float[] loss, long bytes, long params, long rootSeed,
      int seeds) {
    double[] acc = new double[seeds];
    double[] l = new double[seeds];
    long all = 0;
    for (boolean c : correct) {
      all += c ? 1 : 0;
    }
    for (int k = 0; k < seeds; k++) {
      int[] idx = resample(rootSeed, k, correct.length);
      long c = 0;
      double sum = 0;
      for (int i : idx) {
        c += correct[i] ? 1 : 0;
        sum += loss[i];
      }
      acc[k] = (double) c / idx.length;
      l[k] = sum / idx.length;
    }
    return new Outcome(t, (double) all / correct.length, acc, l, bytes, params, null, null);
  }

  /** Per (cell): seeds, mean accuracy, mean drop with its 95 % interval; for pairs the predicted drop too. */
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
      double mean = mean(drops);
      // the seeds are bootstrap resamples of one evaluation: their spread already is the standard error
      double half = t975(n - 1) * sd(drops, mean);
      double predicted = Double.NaN;
      if (cell.kind().equals("pair")) {
        String[] ls = cell.layer().split("\\+");
        Summary a = singles.get(new Cell("single", ls[0], cell.method(), cell.level()));
        Summary b = singles.get(new Cell("single", ls[1], cell.method(), cell.level()));
        if (a != null && b != null) {
          predicted = a.meanDrop() + b.meanDrop();
        }
      }
      Summary s = new Summary(cell, n, mean(o.accuracy()), mean(o.loss()), mean, mean - half, mean + half,
          o.encodedBytes(), predicted, mean - predicted);
      if (cell.kind().equals("single")) {
        singles.put(cell, s);
      }
      out.add(s);
    }
    return out;
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
