package io.modelpress.sweep;

import io.modelpress.pareto.Objective;
import io.modelpress.pareto.ParetoFront;
import io.modelpress.runtime.Latency;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dominance ranks of a sweep's successful trials over its objectives, and the frontier (rank 0) in a
 * deterministic order: by the objectives in their order (best first), then by trial id.
 *
 * <p>Measured latency is noisy (identical models measured minutes apart differ by up to 2×), so it must not
 * decide by noise. Two rules ({@link #points}):
 * <ol>
 *   <li>trials whose compiled forms are the same (the runtime's kernels, and per layer the MACs, executed
 *       MACs, sparse or dense, value bits and weight bytes) do the same work: they share one latency
 *       figure, the median of their measurements;</li>
 *   <li>latency objectives use ε-dominance: two latencies within ε of each other tie, ε being the larger of
 *       the two trials' noise, where a trial's noise is the larger of its form's median interquartile range
 *       (of the timed runs) and half the range of its form's medians (between measurements).</li>
 * </ol>
 * The other objectives (accuracy, sizes, MACs, estimates such as {@code est_latency_ms}) are exact and
 * compare exactly; the default objectives are all exact ({@link io.modelpress.spec.Defaults#OBJECTIVES}).
 */
public final class Frontier {

  private Frontier() {}

  /** Rank of every successful trial by trial id; failed trials have no rank. */
  public static Map<String, Integer> ranks(List<TrialResult> results, List<Objective> objectives) {
    Points p = points(results, objectives);
    int[] rank = ParetoFront.ranks(p.values(), p.tolerances(), objectives);
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < p.ok().size(); i++) {
      out.put(p.ok().get(i).trial().trialId(), rank[i]);
    }
    return out;
  }

  /** The non-dominated trials, sorted deterministically. */
  public static List<TrialResult> frontier(List<TrialResult> results, List<Objective> objectives) {
    Map<String, Integer> ranks = ranks(results, objectives);
    Map<String, double[]> values = points(results, objectives).byId();
    Comparator<TrialResult> order = (a, b) -> 0;
    for (int k = 0; k < objectives.size(); k++) {
      final int idx = k;
      Comparator<TrialResult> byK = Comparator.comparingDouble(r -> values.get(r.trial().trialId())[idx]);
      order = order.thenComparing(objectives.get(k).maximize() ? byK.reversed() : byK);
    }
    order = order.thenComparing(r -> r.trial().trialId());
    return results.stream()
        .filter(r -> Integer.valueOf(0).equals(ranks.get(r.trial().trialId())))
        .sorted(order)
        .toList();
  }

  /**
   * The successful trials' objective values as the frontier compares them (latency shared per compiled
   * form) and their tolerances (latency noise; 0 for exact objectives), in the order of {@code ok}.
   */
  public record Points(List<TrialResult> ok, List<double[]> values, List<double[]> tolerances) {

    Map<String, double[]> byId() {
      Map<String, double[]> m = new HashMap<>();
      for (int i = 0; i < ok.size(); i++) {
        m.put(ok.get(i).trial().trialId(), values.get(i));
      }
      return m;
    }
  }

  /** {@link Points} of {@code results}: see the class comment for the two rules. */
  public static Points points(List<TrialResult> results, List<Objective> objectives) {
    List<TrialResult> ok = results.stream().filter(TrialResult::isOk).toList();
    Map<String, List<Integer>> forms = new java.util.TreeMap<>();
    for (int i = 0; i < ok.size(); i++) {
      String key = compiledForm(ok.get(i));
      if (key != null) {
        forms.computeIfAbsent(key, x -> new ArrayList<>()).add(i);
      }
    }
    List<double[]> values = new ArrayList<>();
    List<double[]> tolerances = new ArrayList<>();
    for (TrialResult r : ok) {
      values.add(point(r, objectives));
      tolerances.add(new double[objectives.size()]);
    }
    for (int k = 0; k < objectives.size(); k++) {
      String metric = objectives.get(k).metric();
      if (!metric.startsWith("latency_")) {
        continue;
      }
      boolean batch1 = metric.startsWith("latency_b1_");
      // the run's relative noise between measurements: over the forms measured more than once, the median
      // of half their range over their median
      List<Double> relative = new ArrayList<>();
      Map<List<Integer>, double[]> shared = new java.util.LinkedHashMap<>();
      for (List<Integer> members : forms.values()) {
        Latency first = ok.get(members.get(0)).measurements().orElseThrow().latency();
        if (first.confirmed() != null) {
          // re-measured interleaved with the other candidates: one figure for the form, its noise the larger
          // of the spread between the rounds and how far two forms' ratio moves between runs
          Latency.Stats c = batch1 ? first.confirmed().batch1() : first.confirmed().batch32();
          double v = values.get(members.get(0))[k];
          shared.put(members, new double[] {v, Math.max(c.iqrMs(), Confirmation.BETWEEN_RUNS * v), 1});
          continue;
        }
        double[] v = new double[members.size()];
        double[] iqr = new double[members.size()];
        for (int m = 0; m < v.length; m++) {
          Latency l = ok.get(members.get(m)).measurements().orElseThrow().latency();
          v[m] = values.get(members.get(m))[k];
          iqr[m] = (batch1 ? l.batch1() : l.batch32()).iqrMs();
        }
        double median = median(v);
        double halfRange = (max(v) - min(v)) / 2;
        if (v.length > 1 && median > 0) {
          relative.add(halfRange / median);
        }
        shared.put(members, new double[] {median, Math.max(median(iqr), halfRange), 0});
      }
      double rel = relative.isEmpty() ? 0 : median(relative.stream().mapToDouble(Double::doubleValue).toArray());
      for (Map.Entry<List<Integer>, double[]> e : shared.entrySet()) {
        boolean confirmed = e.getValue()[2] == 1;
        for (int m : e.getKey()) {
          values.get(m)[k] = e.getValue()[0];
          tolerances.get(m)[k] = confirmed ? e.getValue()[1] : Math.max(e.getValue()[1], rel * e.getValue()[0]);
        }
      }
    }
    return new Points(ok, values, tolerances);
  }

  /**
   * What the runtime executes for a trial, as far as its time goes: its kernel per layer
   * ({@code runtime_kinds}) and per layer the MACs and the MACs the kernel executes (non-zeros for CSR).
   * Value codings the runtime turns into the same kernel do the same work (per-channel uniform, fp16 and
   * fp32 layers all run dense fp32, dequantized when compiled). Null when the latency was not measured.
   */
  public static String compiledForm(TrialResult r) {
    Measurements m = r.measurements().orElseThrow();
    Latency l = m.latency();
    if (l == null || !l.isOk() || m.workloads() == null) {
      return null;
    }
    StringBuilder key = new StringBuilder(l.kinds());
    for (io.modelpress.measure.LayerWorkload w : m.workloads()) {
      key.append('|').append(w.macs()).append(',').append(w.sparse() ? w.executedMacs() : w.macs());
    }
    return key.toString();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElseThrow();
  }

  private static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElseThrow();
  }

  /** The base trial's objective values (the trial without steps), or null if it failed or is absent. */
  private static double[] basePoint(List<TrialResult> results, Map<String, double[]> values) {
    return results.stream().filter(r -> r.isOk() && r.trial().spec().steps().isEmpty()).findFirst()
        .map(r -> values.get(r.trial().trialId())).orElse(null);
  }

  /**
   * Hypervolume of the successful trials relative to the base model ({@link
   * io.modelpress.pareto.Hypervolume#relative}); NaN when the base failed or has a zero objective.
   * Comparable between runs of the same model and objectives.
   */
  public static double hypervolume(List<TrialResult> results, List<Objective> objectives) {
    Map<String, double[]> values = points(results, objectives).byId();
    double[] base = basePoint(results, values);
    if (base == null) {
      return Double.NaN;
    }
    List<double[]> points = new ArrayList<>();
    for (TrialResult r : results) {
      if (r.isOk()) {
        double[] p = io.modelpress.pareto.Hypervolume.relative(values.get(r.trial().trialId()), base, objectives);
        if (p == null) {
          return Double.NaN;
        }
        points.add(p);
      }
    }
    return io.modelpress.pareto.Hypervolume.of(points, io.modelpress.pareto.Hypervolume.relativeReference(objectives));
  }

  /** The trial id of the frontier's knee point ({@link io.modelpress.pareto.Hypervolume#knee}), or null. */
  public static String knee(List<TrialResult> results, List<Objective> objectives) {
    Map<String, double[]> values = points(results, objectives).byId();
    double[] base = basePoint(results, values);
    List<TrialResult> front = frontier(results, objectives);
    if (base == null || front.isEmpty()) {
      return null;
    }
    List<double[]> points = new ArrayList<>();
    for (TrialResult r : front) {
      double[] p = io.modelpress.pareto.Hypervolume.relative(values.get(r.trial().trialId()), base, objectives);
      if (p == null) {
        return null;
      }
      points.add(p);
    }
    return front.get(io.modelpress.pareto.Hypervolume.knee(points)).trial().trialId();
  }

  /**
   * The 2-D projections of a frontier over three or more objectives: for every pair of objectives, the
   * trials non-dominated in that pair alone. Returns, per trial id, the pairs it is on, as
   * {@code "accuracy/encoded_bytes,accuracy/macs"} (trials on none are absent; empty for fewer than 3
   * objectives, where the frontier is its own projection).
   */
  public static Map<String, String> projections(List<TrialResult> results, List<Objective> objectives) {
    Map<String, String> out = new java.util.TreeMap<>();
    if (objectives.size() < 3) {
      return out;
    }
    for (int a = 0; a < objectives.size(); a++) {
      for (int b = a + 1; b < objectives.size(); b++) {
        List<Objective> pair = List.of(objectives.get(a), objectives.get(b));
        String name = pair.get(0).metric() + "/" + pair.get(1).metric();
        ranks(results, pair).forEach((id, rank) -> {
          if (rank == 0) {
            out.merge(id, name, (x, y) -> x + "," + y);
          }
        });
      }
    }
    return out;
  }

  /** A successful trial's values of the objectives, in their order. */
  public static double[] objectiveValues(TrialResult r, List<Objective> objectives) {
    return point(r, objectives);
  }

  /**
   * A trial's objective values; a value that could not be measured (NaN: latency the runtime could not
   * execute) counts as the worst possible (±∞): such a trial stays on the frontier only by its other
   * objectives, and the knee scores it worst in that one.
   */
  static double[] point(TrialResult r, List<Objective> objectives) {
    Measurements m = r.measurements().orElseThrow();
    double[] p = new double[objectives.size()];
    for (int k = 0; k < p.length; k++) {
      Objective o = objectives.get(k);
      double v = o.estimated() ? estimated(m, o) : m.metric(o.metric());
      p[k] = !Double.isNaN(v) ? v : objectives.get(k).maximize() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return p;
  }

  /** The estimated batch-1 latency of a trial on the objective's device; NaN for a row without workloads. */
  private static double estimated(Measurements m, Objective o) {
    if (!(o.device() instanceof io.modelpress.measure.DeviceProfile d)) {
      throw new IllegalStateException("objective '" + o.metric() + "' is not bound to a device profile");
    }
    return m.workloads() == null ? Double.NaN : d.estimate(m.workloads()).latencyMs();
  }
}
