package io.modelpress.report;

import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.TrialResult;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the report of one sweep run shows, as read from its tables: the runs row, every trials row
 * (failures included) with the run's own frontier ({@code pareto_rank = 0}) and knee, the device
 * estimates, and the previous run of the same config name under the same output root, if any.
 *
 * @param frontier trial ids with {@code pareto_rank = 0}, as ranked by the sweep
 * @param knee the knee trial's id, or null
 * @param devices device_estimates rows (empty when the run has none)
 * @param previous the run of the same {@code name} that started last before this one, or null
 * @param nightly a nightly run's diff against the previous night, or null
 */
public record RunReport(RunInfo run, List<TrialResult> trials, Set<String> frontier, String knee,
    List<DeviceRow> devices, Previous previous, NightlyDiff.Result nightly) {

  public RunReport {
    Objects.requireNonNull(run, "run");
    trials = List.copyOf(trials);
    frontier = Set.copyOf(frontier);
    devices = List.copyOf(devices);
  }

  /** A run that is not a nightly run (or has no diff). */
  public RunReport(RunInfo run, List<TrialResult> trials, Set<String> frontier, String knee, List<DeviceRow> devices,
      Previous previous) {
    this(run, trials, frontier, knee, devices, previous, null);
  }

  /**
   * The report of a run that just finished, from its outcome in memory, with the previous run of its config
   * name and a nightly diff (either may be null).
   */
  public static RunReport of(io.modelpress.sweep.RunOutcome o, Previous previous, NightlyDiff.Result nightly) {
    Set<String> ids = o.frontier().stream().map(r -> r.trial().trialId()).collect(java.util.stream.Collectors.toSet());
    List<DeviceRow> rows = o.devices().stream().map(d -> new DeviceRow(d.estimate().device(),
        d.result().trial().trialId(), d.estimate().latencyMs(), d.estimate().fits(), d.onFrontier(),
        d.result().measurements().orElseThrow().accuracy(), d.result().measurements().orElseThrow().encodedBytes()))
        .sorted(java.util.Comparator.comparing(DeviceRow::device).thenComparing(DeviceRow::trialId))
        .toList();
    return new RunReport(o.run(), o.results(), ids, o.knee(), rows, previous, nightly);
  }

  /** This report with a nightly diff. */
  public RunReport withNightly(NightlyDiff.Result diff) {
    return new RunReport(run, trials, frontier, knee, devices, previous, diff);
  }

  /** One device_estimates row (every figure an estimate). */
  public record DeviceRow(String device, String trialId, double estLatencyMs, boolean fits, boolean onDeviceFrontier,
      double accuracy, long encodedBytes) {

    public DeviceRow {
      Objects.requireNonNull(device, "device");
      Objects.requireNonNull(trialId, "trialId");
    }
  }

  /** The previous run of the same config name: its runs row and its frontier's trial ids. */
  public record Previous(RunInfo run, Set<String> frontier) {

    public Previous {
      Objects.requireNonNull(run, "run");
      frontier = Set.copyOf(frontier);
    }
  }

  /** The base model's trial (the one without compression steps), or null when the run has none. */
  public TrialResult base() {
    return trials.stream().filter(t -> t.trial().spec().steps().isEmpty()).findFirst().orElse(null);
  }

  /** The frontier's successful trials in plan order. */
  public List<TrialResult> frontierTrials() {
    return trials.stream().filter(t -> t.isOk() && frontier.contains(t.trial().trialId())).toList();
  }

  /** The failed trials in plan order. */
  public List<TrialResult> failedTrials() {
    return trials.stream().filter(t -> !t.isOk()).toList();
  }

  /** Whether any successful trial has a measured batch-1 latency. */
  public boolean latencyMeasured() {
    return trials.stream().anyMatch(t -> t.measurements()
        .map(m -> !Double.isNaN(m.metric("latency_b1_p50_ms"))).orElse(false));
  }
}
