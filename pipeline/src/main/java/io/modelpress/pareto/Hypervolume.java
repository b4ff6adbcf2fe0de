package io.modelpress.pareto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The hypervolume indicator: the volume of objective space that a set of points dominates, bounded by a
 * reference point. All objectives are to be minimised here, and only the part of each point's box below
 * the reference counts. Exact, by slicing along the last objective (HSO; While et al. 2006): fine for
 * the hundreds of points of a sweep in two or three objectives.
 */
public final class Hypervolume {

  private Hypervolume() {}

  public static double of(List<double[]> points, double[] reference) {
    List<double[]> in = new ArrayList<>();
    for (double[] p : points) {
      if (p.length != reference.length) {
        throw new IllegalArgumentException("point of " + p.length + " objectives, reference of " + reference.length);
      }
      boolean inside = true;
      for (int k = 0; k < p.length; k++) {
        inside &= Double.isFinite(p[k]) && p[k] < reference[k];
      }
      if (inside) {
        in.add(p);
      }
    }
    return volume(in, reference, reference.length);
  }

  /** Volume dominated in the first {@code d} objectives. */
  private static double volume(List<double[]> points, double[] ref, int d) {
    if (points.isEmpty()) {
      return 0;
    }
    if (d == 1) {
      double best = ref[0];
      for (double[] p : points) {
        best = Math.min(best, p[0]);
      }
      return ref[0] - best;
    }
    List<double[]> sorted = new ArrayList<>(points);
    sorted.sort(Comparator.comparingDouble(p -> p[d - 1]));
    double total = 0;
    for (int i = 0; i < sorted.size(); i++) {
      double from = sorted.get(i)[d - 1];
      double to = i + 1 < sorted.size() ? sorted.get(i + 1)[d - 1] : ref[d - 1];
      if (to > from) {
        // the slab [from, to) along objective d is dominated by the first i+1 points in the other objectives
        total += (to - from) * volume(sorted.subList(0, i + 1), ref, d - 1);
      }
    }
    return total;
  }

  /**
   * Points in minimisation form, relative to a base: {@code v / base} for minimised objectives and
   * {@code −v / base} for maximised ones. The reference is (0 for maximised, {@code 1.1} for minimised):
   * a trial counts where it is better than nothing in every maximised objective and at most 10 % worse
   * than the base in every minimised one. Null when a base value is 0 or not finite.
   */
  public static double[] relative(double[] values, double[] base, List<Objective> objectives) {
    double[] p = new double[values.length];
    for (int k = 0; k < p.length; k++) {
      if (!(Double.isFinite(base[k]) && base[k] != 0)) {
        return null;
      }
      p[k] = (objectives.get(k).maximize() ? -values[k] : values[k]) / Math.abs(base[k]);
    }
    return p;
  }

  public static double[] relativeReference(List<Objective> objectives) {
    double[] r = new double[objectives.size()];
    for (int k = 0; k < r.length; k++) {
      r[k] = objectives.get(k).maximize() ? 0 : 1.1;
    }
    return r;
  }

  /**
   * The knee of a front (points in minimisation form): the point nearest the ideal point after scaling
   * each objective to [0, 1] over the front's finite values; a non-finite value (an objective that could
   * not be measured) scores 1, the worst. Returns its index, or −1 for an empty front.
   */
  public static int knee(List<double[]> front) {
    if (front.isEmpty()) {
      return -1;
    }
    int d = front.get(0).length;
    double[] lo = new double[d];
    double[] hi = new double[d];
    Arrays.fill(lo, Double.POSITIVE_INFINITY);
    Arrays.fill(hi, Double.NEGATIVE_INFINITY);
    for (double[] p : front) {
      for (int k = 0; k < d; k++) {
        if (Double.isFinite(p[k])) {
          lo[k] = Math.min(lo[k], p[k]);
          hi[k] = Math.max(hi[k], p[k]);
        }
      }
    }
    int best = -1;
    double bestDist = Double.POSITIVE_INFINITY;
    for (int i = 0; i < front.size(); i++) {
      double dist = 0;
      for (int k = 0; k < d; k++) {
        double span = hi[k] - lo[k];
        double v = front.get(i)[k];
        double x = !Double.isFinite(v) ? 1 : span > 0 ? (v - lo[k]) / span : 0;
        dist += x * x;
      }
      if (dist < bestDist) {
        bestDist = dist;
        best = i;
      }
    }
    return best;
  }
}
