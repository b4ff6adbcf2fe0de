package io.modelpress.sweep;

import io.modelpress.pareto.Objective;
import io.modelpress.pareto.ParetoFront;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dominance ranks of a sweep's successful trials over its objectives, and the frontier (rank 0) in a
 * deterministic order: by the objectives in their order (best first), then by trial id.
 */
public final class Frontier {

  private Frontier() {}

  /** Rank of every successful trial by trial id; failed trials have no rank. */
  public static Map<String, Integer> ranks(List<TrialResult> results, List<Objective> objectives) {
    List<TrialResult> ok = results.stream().filter(TrialResult::isOk).toList();
    List<double[]> points = new ArrayList<>();
    for (TrialResult r : ok) {
      points.add(point(r, objectives));
    }
    int[] rank = ParetoFront.ranks(points, objectives);
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < ok.size(); i++) {
      out.put(ok.get(i).trial().trialId(), rank[i]);
    }
    return out;
  }

  /** The non-dominated trials, sorted deterministically. */
  public static List<TrialResult> frontier(List<TrialResult> results, List<Objective> objectives) {
    Map<String, Integer> ranks = ranks(results, objectives);
    Comparator<TrialResult> order = (a, b) -> 0;
    for (int k = 0; k < objectives.size(); k++) {
      final int idx = k;
      Comparator<TrialResult> byK = Comparator.comparingDouble(r -> point(r, objectives)[idx]);
      order = order.thenComparing(objectives.get(k).maximize() ? byK.reversed() : byK);
    }
    order = order.thenComparing(r -> r.trial().trialId());
    return results.stream()
        .filter(r -> Integer.valueOf(0).equals(ranks.get(r.trial().trialId())))
        .sorted(order)
        .toList();
  }

  /** The base trial's objective values (the trial without steps), or null if it failed or is absent. */
  private static double[] basePoint(List<TrialResult> results, List<Objective> objectives) {
    return results.stream().filter(r -> r.isOk() && r.trial().spec().steps().isEmpty()).findFirst()
        .map(r -> point(r, objectives)).orElse(null);
  }

  /**
   * Hypervolume of the successful trials relative to the base model ({@link
   * io.modelpress.pareto.Hypervolume#relative}); NaN when the base failed or has a zero objective.
   * Comparable between runs of the same model and objectives.
   */
  public static double hypervolume(List<TrialResult> results, List<Objective> objectives) {
    double[] base = basePoint(results, objectives);
    if (base == null) {
      return Double.NaN;
    }
    List<double[]> points = new ArrayList<>();
    for (TrialResult r : results) {
      if (r.isOk()) {
        double[] p = io.modelpress.pareto.Hypervolume.relative(point(r, objectives), base, objectives);
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
    double[] base = basePoint(results, objectives);
    List<TrialResult> front = frontier(results, objectives);
    if (base == null || front.isEmpty()) {
      return null;
    }
    List<double[]> points = new ArrayList<>();
    for (TrialResult r : front) {
      double[] p = io.modelpress.pareto.Hypervolume.relative(point(r, objectives), base, objectives);
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
      double v = m.metric(objectives.get(k).metric());
      p[k] = !Double.isNaN(v) ? v : objectives.get(k).maximize() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return p;
  }
}
