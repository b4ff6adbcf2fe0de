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
 * epochs, learning rate, batch size, parallelism or validation split are other students, each with its
 * own baseline.
 *
 * <p>The (T, α) reported per student is <em>chosen on validation data</em>: the cell with the highest
 * mean accuracy on the training examples every trial held out ({@link io.modelpress.spec.DistillSpec#validation()}),
 * ties to the lower T, then the lower α. Only runs without a validation split fall back to the fewest
 * mean test errors, and say so ({@link Student#chosenOn()}). The chosen cell's test errors are then
 * compared with the baseline's by a paired t-test over the seeds both trained (a baseline and a
 * distilled student of one seed start from the same weights and see the same batches, so their errors
 * are paired): {@link Paired}.
 */
public final class DistillSummary {

  /** How the reported cell was chosen. */
  public enum ChosenOn {
    VALIDATION, TEST;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One cell: a student at one T and α (baselines: α = 1, T = NaN) over its replicas; test errors per
   * replica seed, and the mean validation accuracy (NaN when a replica has none).
   */
  public record Cell(String student, double temperature, double alpha, int replicas, double meanAccuracy,
      double stdAccuracy, double meanErrors, double stdErrors, long examples, double meanValidationAccuracy,
      java.util.SortedMap<Integer, Double> errorsBySeed) {

    public Cell {
      Objects.requireNonNull(student, "student");
      errorsBySeed = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(errorsBySeed));
    }

    public boolean baseline() {
      return alpha == 1;
    }
  }

  /**
   * A paired t-test of the chosen cell against the baseline over the {@code pairs} seeds both trained:
   * differences d = baseline errors − distilled errors, {@code t = mean(d) / (sd(d) / √n)} with
   * {@code df = n − 1}, two-sided {@code p} from Student's t distribution. {@code t} is ±∞ (p = 0) when
   * every difference is the same non-zero number, and 0 (p = 1) when all are zero.
   */
  public record Paired(int pairs, double meanSaved, double sdSaved, double t, int df, double p) {}

  /**
   * One student's result: its architecture, how it is named ({@code label}: the architecture, plus its
   * training settings when the run trains it in more than one way) and its plot's file name without
   * extension, its baseline (null when the sweep trained none), every distilled cell in (T, α) order,
   * the cell chosen (null when none) and what it was chosen on.
   */
  public record Student(String student, String label, String file, Cell baseline, List<Cell> distilled, Cell chosen,
      ChosenOn chosenOn) {

    public Student {
      Objects.requireNonNull(student, "student");
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(file, "file");
      distilled = List.copyOf(distilled);
    }

    /** Mean test errors saved by the chosen cell against the baseline (positive: distillation helped); NaN without both. */
    public double errorsSaved() {
      return baseline == null || chosen == null ? Double.NaN : baseline.meanErrors() - chosen.meanErrors();
    }

    /** The paired t-test of the chosen cell against the baseline; null with fewer than two paired seeds. */
    public Paired paired() {
      if (baseline == null || chosen == null) {
        return null;
      }
      List<Double> d = new ArrayList<>();
      for (Map.Entry<Integer, Double> e : baseline.errorsBySeed().entrySet()) {
        Double c = chosen.errorsBySeed().get(e.getKey());
        if (c != null) {
          d.add(e.getValue() - c);
        }
      }
      int n = d.size();
      if (n < 2) {
        return null;
      }
      double[] x = d.stream().mapToDouble(Double::doubleValue).toArray();
      double mean = mean(x);
      double sd = std(x);
      double t = sd > 0 ? mean / (sd / Math.sqrt(n)) : mean == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, mean);
      double p = Double.isInfinite(t) ? 0
          : 2 * new org.apache.commons.math3.distribution.TDistribution(null, n - 1).cumulativeProbability(-Math.abs(t));
      return new Paired(n, mean, sd, t, n - 1, p);
    }
  }

  private DistillSummary() {}

  /** Per student in the order the sweep first trained it. */
  public static List<Student> of(List<TrialResult> results) {
    Map<String, Map<List<Double>, List<TrialResult>>> cells = new LinkedHashMap<>();
    Map<String, DistillSpec> setup = new LinkedHashMap<>();
    for (TrialResult r : results) {
      if (!r.isOk() || r.trial().spec().steps().size() != 1 || r.trial().spec().distill().isEmpty()) {
        continue;
      }
      DistillSpec d = r.trial().spec().distill().get();
      // everything but T, alpha and the replica seed: what makes two trials the same student
      DistillSpec same = new DistillSpec(d.student(), 1, 1, d.epochs(), d.learningRate(), d.batchSize(), 0,
          d.parallelism(), d.averagingFrequency(), d.validation());
      setup.putIfAbsent(same.key(), same);
      List<Double> key = d.baseline() ? List.of(Double.NaN, 1.0) : List.of(d.temperature(), d.alpha());
      cells.computeIfAbsent(same.key(), s -> new LinkedHashMap<>())
          .computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    Map<String, Integer> perName = new java.util.HashMap<>();
    setup.values().forEach(d -> perName.merge(d.student(), 1, Integer::sum));
    Map<String, Integer> seen = new java.util.HashMap<>();
    List<Student> out = new ArrayList<>();
    for (Map.Entry<String, Map<List<Double>, List<TrialResult>>> s : cells.entrySet()) {
      DistillSpec d = setup.get(s.getKey());
      Cell baseline = null;
      List<Cell> distilled = new ArrayList<>();
      for (Map.Entry<List<Double>, List<TrialResult>> c : s.getValue().entrySet()) {
        Cell cell = cell(d.student(), c.getKey().get(0), c.getKey().get(1), c.getValue());
        if (cell.baseline()) {
          baseline = cell;
        } else {
          distilled.add(cell);
        }
      }
      distilled.sort(Comparator.comparingDouble(Cell::temperature).thenComparingDouble(Cell::alpha));
      // distilled is in (T, α) order and min/max keep the first of equals: ties go to the lower T, then α
      boolean validated = !distilled.isEmpty() && distilled.stream().noneMatch(c -> Double.isNaN(c.meanValidationAccuracy()));
      Cell chosen = validated
          ? distilled.stream().max(Comparator.comparingDouble(Cell::meanValidationAccuracy)
              .thenComparing(Comparator.comparingDouble(Cell::temperature).reversed())
              .thenComparing(Comparator.comparingDouble(Cell::alpha).reversed())).orElseThrow()
          : distilled.stream().min(Comparator.comparingDouble(Cell::meanErrors)).orElse(null);
      boolean ambiguous = perName.get(d.student()) > 1;
      int n = seen.merge(d.student(), 1, Integer::sum);
      String label = !ambiguous ? d.student() : String.format(java.util.Locale.ROOT, "%s (%d epochs, lr %s, batch %d, %s%s)",
          d.student(), d.epochs(), d.learningRate(), d.batchSize(), d.parallelism().id(),
          d.validation() > 0 ? ", " + d.validation() + " held out" : "");
      out.add(new Student(d.student(), label, "distill-" + d.student() + (ambiguous ? "-" + n : ""), baseline, distilled,
          chosen, validated ? ChosenOn.VALIDATION : ChosenOn.TEST));
    }
    return out;
  }

  private static Cell cell(String student, double t, double alpha, List<TrialResult> rs) {
    List<Measurements> ms = rs.stream().map(r -> r.measurements().orElseThrow()).toList();
    double[] acc = ms.stream().mapToDouble(Measurements::accuracy).toArray();
    double[] errors = ms.stream().mapToDouble(m -> Math.round((1 - m.accuracy()) * m.quality().examples())).toArray();
    double[] validation = ms.stream().mapToDouble(m -> m.quality().validationAccuracy()).toArray();
    java.util.SortedMap<Integer, Double> bySeed = new java.util.TreeMap<>();
    for (int i = 0; i < rs.size(); i++) {
      bySeed.put(rs.get(i).trial().spec().distill().orElseThrow().seed(), errors[i]);
    }
    long examples = ms.get(0).quality().examples();
    return new Cell(student, t, alpha, ms.size(), mean(acc), std(acc), mean(errors), std(errors), examples,
        mean(validation), bySeed);
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
