package io.modelpress.sweep;

import io.modelpress.spec.DistillSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a distillation sweep found, per student: the hard-label baselines against every (T, α) cell,
 * each as the mean and sample standard deviation of test errors over the replicas (seeds), so the
 * benefit of distillation is measured against the same architecture, epochs and seeds, never assumed.
 * Only trials that train a student and do nothing else count (chains with prune or quantize steps
 * are other models), and only successful ones. Students of the same architecture trained with other
 * epochs, learning rate, batch size or parallelism are other students, each with its own baseline.
 */
public final class DistillSummary {

  /** One cell: a student at one T and α (baselines: α = 1, T = NaN) over its replicas. */
  public record Cell(String student, double temperature, double alpha, int replicas, double meanAccuracy,
      double stdAccuracy, double meanErrors, double stdErrors, long examples) {

    public Cell {
      Objects.requireNonNull(student, "student");
    }

    public boolean baseline() {
      return alpha == 1;
    }
  }

  /**
   * One student's result: its architecture, how it is named ({@code label}: the architecture, plus its
   * training settings when the run trains it in more than one way) and its plot's file name without
   * extension, its baseline (null when the sweep trained none), every distilled cell in (T, α) order,
   * and the distilled cell with the fewest mean errors (null when none).
   */
  public record Student(String student, String label, String file, Cell baseline, List<Cell> distilled, Cell best) {

    public Student {
      Objects.requireNonNull(student, "student");
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(file, "file");
      distilled = List.copyOf(distilled);
    }

    /** Mean errors saved by the best cell against the baseline (positive: distillation helped); NaN without both. */
    public double errorsSaved() {
      return baseline == null || best == null ? Double.NaN : baseline.meanErrors() - best.meanErrors();
    }

    /**
     * Whether the best cell's advantage exceeds the spread: the difference of the means against the
     * standard error of that difference (Welch), over 2; false with fewer than two replicas each.
     */
    public boolean significant() {
      if (baseline == null || best == null || baseline.replicas() < 2 || best.replicas() < 2) {
        return false;
      }
      double se = Math.sqrt(baseline.stdErrors() * baseline.stdErrors() / baseline.replicas()
          + best.stdErrors() * best.stdErrors() / best.replicas());
      return errorsSaved() > 2 * se;
    }
  }

  private DistillSummary() {}

  /** Per student in the order the sweep first trained it. */
  public static List<Student> of(List<TrialResult> results) {
    Map<String, Map<List<Double>, List<Measurements>>> cells = new LinkedHashMap<>();
    Map<String, DistillSpec> setup = new LinkedHashMap<>();
    for (TrialResult r : results) {
      if (!r.isOk() || r.trial().spec().steps().size() != 1 || r.trial().spec().distill().isEmpty()) {
        continue;
      }
      DistillSpec d = r.trial().spec().distill().get();
      // everything but T, alpha and the replica seed: what makes two trials the same student
      DistillSpec same = new DistillSpec(d.student(), 1, 1, d.epochs(), d.learningRate(), d.batchSize(), 0,
          d.parallelism(), d.averagingFrequency());
      setup.putIfAbsent(same.key(), same);
      List<Double> key = d.baseline() ? List.of(Double.NaN, 1.0) : List.of(d.temperature(), d.alpha());
      cells.computeIfAbsent(same.key(), s -> new LinkedHashMap<>())
          .computeIfAbsent(key, k -> new ArrayList<>()).add(r.measurements().orElseThrow());
    }
    Map<String, Integer> perName = new java.util.HashMap<>();
    setup.values().forEach(d -> perName.merge(d.student(), 1, Integer::sum));
    Map<String, Integer> seen = new java.util.HashMap<>();
    List<Student> out = new ArrayList<>();
    for (Map.Entry<String, Map<List<Double>, List<Measurements>>> s : cells.entrySet()) {
      DistillSpec d = setup.get(s.getKey());
      Cell baseline = null;
      List<Cell> distilled = new ArrayList<>();
      for (Map.Entry<List<Double>, List<Measurements>> c : s.getValue().entrySet()) {
        Cell cell = cell(d.student(), c.getKey().get(0), c.getKey().get(1), c.getValue());
        if (cell.baseline()) {
          baseline = cell;
        } else {
          distilled.add(cell);
        }
      }
      distilled.sort(Comparator.comparingDouble(Cell::temperature).thenComparingDouble(Cell::alpha));
      Cell best = distilled.stream().min(Comparator.comparingDouble(Cell::meanErrors)).orElse(null);
      boolean ambiguous = perName.get(d.student()) > 1;
      int n = seen.merge(d.student(), 1, Integer::sum);
      String label = !ambiguous ? d.student() : String.format(java.util.Locale.ROOT, "%s (%d epochs, lr %s, batch %d, %s)",
          d.student(), d.epochs(), d.learningRate(), d.batchSize(), d.parallelism().id());
      out.add(new Student(d.student(), label, "distill-" + d.student() + (ambiguous ? "-" + n : ""), baseline, distilled,
          best));
    }
    return out;
  }

  private static Cell cell(String student, double t, double alpha, List<Measurements> ms) {
    double[] acc = ms.stream().mapToDouble(Measurements::accuracy).toArray();
    double[] errors = ms.stream().mapToDouble(m -> Math.round((1 - m.accuracy()) * m.quality().examples())).toArray();
    long examples = ms.get(0).quality().examples();
    return new Cell(student, t, alpha, ms.size(), mean(acc), std(acc), mean(errors), std(errors), examples);
  }

  static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  /** The sample standard deviation (n − 1); 0 for a single value. */
  static double std(double[] x) {
    if (x.length < 2) {
      return 0;
    }
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / (x.length - 1));
  }
}
