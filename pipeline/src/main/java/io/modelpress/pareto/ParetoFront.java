package io.modelpress.pareto;

import java.util.ArrayList;
import java.util.List;

/**
 * Non-dominated sorting (Deb et al. 2002, NSGA-II's fast non-dominated sort). Point a dominates b when a
 * is at least as good in every objective and strictly better in one. Rank 0 is the Pareto frontier;
 * rank k the frontier of what remains after removing ranks &lt; k. Ranks depend only on the points, never
 * on their order; equal points share a rank.
 */
public final class ParetoFront {

  private ParetoFront() {}

  public static boolean dominates(double[] a, double[] b, List<Objective> objectives) {
    return dominates(a, null, b, null, objectives);
  }

  /**
   * ε-dominance for measured objectives: on objective k, values within {@code max(ea[k], eb[k])} of each
   * other tie (neither is better there); a dominates b when it is no worse in every objective and better
   * by more than the tolerance in one. Null tolerances are zeros (plain dominance).
   */
  public static boolean dominates(double[] a, double[] ea, double[] b, double[] eb, List<Objective> objectives) {
    boolean strictly = false;
    for (int k = 0; k < objectives.size(); k++) {
      double x = objectives.get(k).maximize() ? a[k] : -a[k];
      double y = objectives.get(k).maximize() ? b[k] : -b[k];
      double eps = Math.max(ea == null ? 0 : ea[k], eb == null ? 0 : eb[k]);
      if (x == y || (eps > 0 && Math.abs(x - y) <= eps)) {
        continue; // a tie (infinite values compare equal only to themselves)
      }
      if (x < y) {
        return false;
      }
      strictly = true;
    }
    return strictly;
  }

  /** The dominance rank of every point (0 = non-dominated). Points must not contain NaN. */
  public static int[] ranks(List<double[]> points, List<Objective> objectives) {
    return ranks(points, null, objectives);
  }

  /**
   * The ε-dominance rank of every point ({@link #dominates(double[], double[], double[], double[], List)}),
   * {@code tolerances} per point and objective (null: none).
   */
  public static int[] ranks(List<double[]> points, List<double[]> tolerances, List<Objective> objectives) {
    int n = points.size();
    for (double[] p : points) {
      if (p.length != objectives.size()) {
        throw new IllegalArgumentException("point has " + p.length + " values for " + objectives.size() + " objectives");
      }
      for (double v : p) {
        if (Double.isNaN(v)) {
          throw new IllegalArgumentException("objective value is NaN");
        }
      }
    }
    int[] dominatedBy = new int[n];
    List<List<Integer>> dominates = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      dominates.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double[] ei = tolerances == null ? null : tolerances.get(i);
        double[] ej = tolerances == null ? null : tolerances.get(j);
        if (dominates(points.get(i), ei, points.get(j), ej, objectives)) {
          dominates.get(i).add(j);
          dominatedBy[j]++;
        } else if (dominates(points.get(j), ej, points.get(i), ei, objectives)) {
          dominates.get(j).add(i);
          dominatedBy[i]++;
        }
      }
    }
    int[] rank = new int[n];
    List<Integer> current = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (dominatedBy[i] == 0) {
        current.add(i);
      }
    }
    int r = 0;
    while (!current.isEmpty()) {
      List<Integer> next = new ArrayList<>();
      for (int i : current) {
        rank[i] = r;
        for (int j : dominates.get(i)) {
          if (--dominatedBy[j] == 0) {
            next.add(j);
          }
        }
      }
      current = next;
      r++;
    }
    return rank;
  }
}
