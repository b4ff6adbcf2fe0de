package io.modelpress.report;

import io.modelpress.spec.NightlySpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.TrialResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What changed from one night's run to the next: the model and data versions, the base and best
 * accuracy, the hypervolume and the frontier, and every trial spec evaluated on both nights whose
 * accuracy moved by at least {@link #NOTICE}. Trials are matched by their spec (canonical JSON), not by
 * trial id: a new model version gives every trial a new id. A change is a regression when it is worse
 * than the {@link NightlySpec} limits allow; {@code modelpress nightly} then exits with its regression code.
 */
public final class NightlyDiff {

  /** Accuracy changes of a trial below this (0.1 point) are not listed. */
  public static final double NOTICE = 0.001;

  /**
   * One line of the diff. {@code kind}: {@code model}, {@code dataset} (fingerprints in {@code detail}),
   * {@code summary} (a run-level metric), {@code frontier_added} / {@code frontier_removed} (a trial spec
   * now on / no longer on the frontier), {@code worse} / {@code better} (a spec's accuracy moved),
   * {@code failed} (a spec that succeeded last night failed tonight: always a regression). Values
   * are NaN where they do not apply.
   */
  public record Row(String kind, String metric, String method, String specJson, String trialId, String previousTrialId,
      double previous, double current, boolean regression, String detail) {

    public Row {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(metric, "metric");
      Objects.requireNonNull(detail, "detail");
    }

    public double delta() {
      return current - previous;
    }
  }

  /** The diff of run {@code runId} against {@code previousRunId} (null on the first night: no rows). */
  public record Result(String runId, String previousRunId, List<Row> rows) {

    public Result {
      Objects.requireNonNull(runId, "runId");
      rows = List.copyOf(rows);
    }

    public boolean regression() {
      return rows.stream().anyMatch(Row::regression);
    }

    /** The short text report: one line per kind of change, the regressions spelled out. */
    public String text() {
      StringBuilder t = new StringBuilder();
      if (previousRunId == null) {
        return "nightly diff: run " + runId + " is the first night of its config; nothing to compare\n";
      }
      t.append("nightly diff: run ").append(runId).append(" against the previous night ").append(previousRunId)
          .append('\n');
      for (String kind : List.of("model", "dataset")) {
        rows.stream().filter(r -> r.kind().equals(kind)).findFirst().ifPresentOrElse(
            r -> t.append(String.format(Locale.ROOT, "  %-14s %s%n", kind, r.detail())),
            () -> t.append(String.format(Locale.ROOT, "  %-14s unchanged%n", kind)));
      }
      for (Row r : rows) {
        if (r.kind().equals("summary")) {
          t.append(String.format(Locale.ROOT, "  %-14s %s -> %s (%s)%s%n", r.metric(), value(r.metric(), r.previous()),
              value(r.metric(), r.current()), signed(r.metric(), r.delta()), r.regression() ? "  REGRESSION" : ""));
        }
      }
      long added = count("frontier_added");
      long removed = count("frontier_removed");
      t.append(String.format(Locale.ROOT, "  %-14s %d trial specs joined, %d left%n", "frontier", added, removed));
      rows.stream().filter(r -> r.kind().equals("failed")).limit(5).forEach(r -> t.append(String.format(Locale.ROOT,
          "  %-14s %s worked last night (%.2f %%), failed tonight: %s  REGRESSION%n", "failed", r.method(),
          100 * r.previous(), r.detail())));
      List<Row> worse = rows.stream().filter(r -> r.kind().equals("worse")).toList();
      t.append(String.format(Locale.ROOT, "  %-14s %d trial specs lost >= %.1f pt of accuracy, %d gained%n", "trials",
          worse.size(), 100 * NOTICE, count("better")));
      worse.stream().limit(5).forEach(r -> t.append(String.format(Locale.ROOT, "    %-40s %6.2f %% -> %6.2f %% (%+.2f pt)%s%n",
          r.method(), 100 * r.previous(), 100 * r.current(), 100 * r.delta(), r.regression() ? "  REGRESSION" : "")));
      long regressions = rows.stream().filter(Row::regression).count();
      t.append(regressions == 0 ? "  no regression beyond the configured limits\n"
          : "  " + regressions + " regression(s) beyond the configured limits (nightly: in the config)\n");
      return t.toString();
    }

    private long count(String kind) {
      return rows.stream().filter(r -> r.kind().equals(kind)).count();
    }

    private static String value(String metric, double v) {
      if (Double.isNaN(v)) {
        return "-";
      }
      return metric.endsWith("accuracy") ? String.format(Locale.ROOT, "%.2f %%", 100 * v)
          : metric.startsWith("hypervolume") ? String.format(Locale.ROOT, "%.4f", v)
          : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String signed(String metric, double d) {
      if (Double.isNaN(d)) {
        return "-";
      }
      return metric.endsWith("accuracy") ? String.format(Locale.ROOT, "%+.2f pt", 100 * d)
          : metric.startsWith("hypervolume") ? String.format(Locale.ROOT, "%+.4f", d)
          : String.format(Locale.ROOT, "%+.0f", d);
    }
  }

  private NightlyDiff() {}

  /** The diff of {@code current} against {@code previous} (null: the first night). */
  public static Result of(RunReport current, RunReport previous, NightlySpec limits) {
    RunInfo now = current.run();
    if (previous == null) {
      return new Result(now.runId(), null, List.of());
    }
    RunInfo then = previous.run();
    List<Row> rows = new ArrayList<>();
    if (!now.inputs().modelFingerprint().equals(then.inputs().modelFingerprint())) {
      rows.add(new Row("model", "model_fingerprint", null, null, null, null, Double.NaN, Double.NaN, false,
          "new model version: " + short12(then.inputs().modelFingerprint()) + " -> " + short12(now.inputs().modelFingerprint()) + " ("
              + now.inputs().model() + ")"));
    }
    if (!now.inputs().datasetFingerprint().equals(then.inputs().datasetFingerprint())) {
      rows.add(new Row("dataset", "dataset_fingerprint", null, null, null, null, Double.NaN, Double.NaN, false,
          "new test data: " + short12(then.inputs().datasetFingerprint()) + " -> " + short12(now.inputs().datasetFingerprint())));
    }
    double bestNow = best(current);
    double bestThen = best(previous);
    rows.add(summary("base_accuracy", then.baseAccuracy(), now.baseAccuracy(), false));
    // a value that was measured last night and is not tonight (every trial failed) is a regression too
    rows.add(summary("best_accuracy", bestThen, bestNow, lost(bestThen, bestNow)
        || bestThen - bestNow > limits.maxBestAccuracyDrop() + 1e-12));
    // a measured latency varies from night to night by more than the hypervolume limit: with a latency
    // objective the recorded hypervolume is shown, and the gate is the hypervolume over the other
    // objectives, recomputed from both nights' trials (exact values: only real changes move it)
    List<io.modelpress.pareto.Objective> objectives = objectives(now.objectives());
    // (an estimate is exact, but the recorded text does not carry its device's figures: left out here)
    List<io.modelpress.pareto.Objective> exact = objectives.stream().filter(o -> !o.measured() && !o.estimated())
        .toList();
    boolean noisy = objectives.size() != exact.size();
    rows.add(summary("hypervolume", then.hypervolume(), now.hypervolume(), !noisy && hypervolumeDropped(then.hypervolume(),
        now.hypervolume(), limits)));
    if (noisy && !exact.isEmpty() && now.objectives().equals(then.objectives())) {
      double hvThen = io.modelpress.sweep.Frontier.hypervolume(previous.trials(), exact);
      double hvNow = io.modelpress.sweep.Frontier.hypervolume(current.trials(), exact);
      rows.add(summary("hypervolume_without_latency", hvThen, hvNow, hypervolumeDropped(hvThen, hvNow, limits)));
    }
    rows.add(summary("frontier_size", previous.frontierTrials().size(), current.frontierTrials().size(), false));
    rows.add(summary("trials_ok", then.trials().ok(), now.trials().ok(), false));
    rows.add(summary("trials_failed", then.trials().failed(), now.trials().failed(), now.trials().failed() > then.trials().failed()));

    Map<String, TrialResult> before = bySpec(previous.trials());
    Map<String, TrialResult> after = bySpec(current.trials());
    java.util.Set<String> frontNow = specs(current.frontierTrials());
    java.util.Set<String> frontThen = specs(previous.frontierTrials());
    for (Map.Entry<String, TrialResult> e : after.entrySet()) {
      if (frontNow.contains(e.getKey()) && !frontThen.contains(e.getKey())) {
        rows.add(trialRow("frontier_added", e.getValue(), before.get(e.getKey()), false));
      }
    }
    for (Map.Entry<String, TrialResult> e : before.entrySet()) {
      if (frontThen.contains(e.getKey()) && !frontNow.contains(e.getKey())) {
        rows.add(trialRow("frontier_removed", after.get(e.getKey()), e.getValue(), false));
      }
    }
    List<Row> moved = new ArrayList<>();
    for (Map.Entry<String, TrialResult> e : after.entrySet()) {
      TrialResult old = before.get(e.getKey());
      if (old == null || !old.isOk()) {
        continue;
      }
      if (!e.getValue().isOk()) { // it worked last night
        moved.add(new Row("failed", "accuracy", trialRow("failed", e.getValue(), old, true).method(),
            e.getKey(), e.getValue().trial().trialId(), old.trial().trialId(), accuracy(old), Double.NaN, true,
            e.getValue().errorClass() + ": " + e.getValue().errorMessage().lines().findFirst().orElse("")));
        continue;
      }
      double d = accuracy(e.getValue()) - accuracy(old);
      if (d <= -NOTICE + 1e-12) {
        moved.add(trialRow("worse", e.getValue(), old, -d > limits.maxTrialAccuracyDrop() + 1e-12));
      } else if (d >= NOTICE - 1e-12) {
        moved.add(trialRow("better", e.getValue(), old, false));
      }
    }
    // failures first, then the worst drops
    moved.sort(Comparator.comparing((Row r) -> !r.kind().equals("failed")).thenComparingDouble(Row::delta));
    rows.addAll(moved);
    return new Result(now.runId(), then.runId(), rows);
  }

  private static boolean hypervolumeDropped(double then, double now, NightlySpec limits) {
    return lost(then, now) || then - now > limits.maxHypervolumeDrop() * Math.abs(then) + 1e-12;
  }

  /** A run's objectives as it recorded them; none when the text is not a list of objectives. */
  private static List<io.modelpress.pareto.Objective> objectives(String text) {
    try {
      return io.modelpress.pareto.Objective.parseList(text);
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  private static boolean lost(double previous, double current) {
    return !Double.isNaN(previous) && Double.isNaN(current);
  }

  private static Row summary(String metric, double previous, double current, boolean regression) {
    return new Row("summary", metric, null, null, null, null, previous, current, regression, "");
  }

  /** A trial row of the diff; {@code now} or {@code then} may be missing (null) for frontier changes. */
  private static Row trialRow(String kind, TrialResult now, TrialResult then, boolean regression) {
    TrialResult any = now != null ? now : then;
    return new Row(kind, "accuracy", TrialText.method(any.trial().spec()) + " " + TrialText.prune(any.trial().spec())
        + " " + TrialText.quant(any.trial().spec()), any.trial().spec().canonicalJson(),
        now == null ? null : now.trial().trialId(), then == null ? null : then.trial().trialId(),
        then == null || !then.isOk() ? Double.NaN : accuracy(then), now == null || !now.isOk() ? Double.NaN : accuracy(now),
        regression, "");
  }

  private static double best(RunReport r) {
    return r.trials().stream().filter(TrialResult::isOk).mapToDouble(NightlyDiff::accuracy).max().orElse(Double.NaN);
  }

  private static double accuracy(TrialResult r) {
    return r.measurements().map(Measurements::accuracy).orElse(Double.NaN);
  }

  private static Map<String, TrialResult> bySpec(List<TrialResult> trials) {
    Map<String, TrialResult> m = new LinkedHashMap<>();
    trials.forEach(t -> m.putIfAbsent(t.trial().spec().canonicalJson(), t));
    return m;
  }

  private static java.util.Set<String> specs(List<TrialResult> trials) {
    java.util.Set<String> s = new java.util.HashSet<>();
    trials.forEach(t -> s.add(t.trial().spec().canonicalJson()));
    return s;
  }

  private static String short12(String fp) {
    return fp.length() > 12 ? fp.substring(0, 12) + "…" : fp;
  }
}
