package io.modelpress.sweep;

import io.modelpress.pareto.Objective;
import io.modelpress.pareto.ParetoFront;
import io.modelpress.runtime.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Before a frontier over a measured latency is final, its candidates are re-measured together
 * ({@link io.modelpress.runtime.LatencyMeter#interleaved}, one executor, interleaved rounds): a trial's
 * latency-stage figure was taken minutes apart from the others', on whichever executor ran it, and
 * identical models measured that way differ by up to 2×.
 *
 * <p>A <em>candidate</em> is a trial whose frontier membership its latency noise could change: it is
 * not dominated ({@link ParetoFront#dominates(double[], double[], double[], double[], List) ε-dominance})
 * by any other trial even when its own latency is taken {@value #WIDEN} noise widths faster and the
 * other's {@value #WIDEN} widths slower (in practice: not dominated in the exact objectives by a trial
 * that is also far faster). Every other trial is dominated whatever the noise, and keeps its
 * stage figure. The base trial is always re-measured too: the hypervolume's latency reference. Trials
 * whose compiled forms are the same ({@link Frontier#compiledForm}) are one candidate, timed once, and
 * the confirmed figure applies to every trial of that form.
 */
public final class Confirmation {

  /**
   * How far the ratio of two forms' confirmed latencies moves between runs of one config on one machine:
   * measured by {@code bench/frontier-stability} (three runs of the default sweep, 496 pairs of forms: half the
   * range over the runs of log(a / b) had median 1.8 %, 95th percentile 4.2 %, maximum 5.8 %). Confirmed
   * latencies within this fraction of each other tie.
   */
  public static final double BETWEEN_RUNS = 0.05;

  /**
   * Noise widths a trial's latency may move by before its frontier membership is taken as settled. Wide on
   * purpose: with 3 widths, stage readings 50 % off their form's usual figure (seen on this machine) left a
   * trial out of the candidates in one run and in in another, and the frontiers differed by it.
   */
  public static final double WIDEN = 10;

  private Confirmation() {}

  /**
   * One trial per compiled form to re-measure (the lowest trial id of the form's candidates), by compiled
   * form; empty when no objective is a measured latency.
   */
  public static Map<String, TrialResult> candidates(List<TrialResult> results, List<Objective> objectives) {
    Map<String, TrialResult> out = new TreeMap<>();
    if (objectives.stream().noneMatch(Objective::measured)) {
      return out;
    }
    Frontier.Points p = Frontier.points(results, objectives);
    int n = p.ok().size();
    List<double[]> optimistic = new ArrayList<>(n);
    List<double[]> pessimistic = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      optimistic.add(shifted(p.values().get(i), p.tolerances().get(i), objectives, -WIDEN));
      pessimistic.add(shifted(p.values().get(i), p.tolerances().get(i), objectives, WIDEN));
    }
    for (int i = 0; i < n; i++) {
      TrialResult r = p.ok().get(i);
      String form = Frontier.compiledForm(r);
      if (form == null) {
        continue; // not measured: nothing to re-measure
      }
      boolean dominated = false;
      for (int j = 0; j < n && !dominated && !r.trial().spec().steps().isEmpty(); j++) {
        dominated = j != i && ParetoFront.dominates(pessimistic.get(j), p.tolerances().get(j), optimistic.get(i),
            p.tolerances().get(i), objectives);
      }
      if (!dominated) {
        out.merge(form, r, (a, b) -> a.trial().trialId().compareTo(b.trial().trialId()) <= 0 ? a : b);
      }
    }
    return out;
  }

  /** {@code results} with each form's confirmed figure ({@code confirmed}, by compiled form) on every trial of it. */
  public static List<TrialResult> apply(List<TrialResult> results, Map<String, Latency.Confirmed> confirmed) {
    List<TrialResult> out = new ArrayList<>(results.size());
    for (TrialResult r : results) {
      String form = r.isOk() ? Frontier.compiledForm(r) : null;
      Latency.Confirmed c = form == null ? null : confirmed.get(form);
      out.add(c == null ? r : r.withLatency(r.measurements().orElseThrow().latency().confirmedBy(c)));
    }
    return out;
  }

  /** {@code results} without confirmed figures (those an earlier attempt of the run recorded). */
  public static List<TrialResult> unconfirmed(List<TrialResult> results) {
    List<TrialResult> out = new ArrayList<>(results.size());
    for (TrialResult r : results) {
      Latency l = r.isOk() ? r.measurements().orElseThrow().latency() : null;
      out.add(l == null || l.confirmed() == null ? r : r.withLatency(l.confirmedBy(null)));
    }
    return out;
  }

  /** Latency objectives moved by {@code widths} tolerances (towards faster when negative), never below 0. */
  private static double[] shifted(double[] v, double[] tol, List<Objective> objectives, double widths) {
    double[] s = v.clone();
    for (int k = 0; k < s.length; k++) {
      if (objectives.get(k).measured() && Double.isFinite(s[k])) {
        s[k] = Math.max(0, s[k] + widths * tol[k]);
      }
    }
    return s;
  }
}
