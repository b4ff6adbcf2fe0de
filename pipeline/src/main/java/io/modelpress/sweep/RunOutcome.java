package io.modelpress.sweep;

import io.modelpress.measure.DeviceProfile;
import io.modelpress.pareto.Objective;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a finished sweep run produced, with everything derived from its trials computed once: dominance
 * ranks, the frontier in its deterministic order, the knee, the 2-D projections, the device estimates and
 * the run's row. The tables, the summary and the report all read it.
 *
 * @param results every trial's result in plan order, {@code accuracy_drop} set from the base trial
 * @param evalSeconds wall time of the evaluation (all batches and generations)
 */
public record RunOutcome(RunInfo run, List<Objective> objectives, List<TrialResult> results,
    Map<String, Integer> ranks, List<TrialResult> frontier, String knee, Map<String, String> projections,
    List<DeviceEstimates.Row> devices, double evalSeconds) {

  public RunOutcome {
    Objects.requireNonNull(run, "run");
    objectives = List.copyOf(objectives);
    results = List.copyOf(results);
    ranks = Map.copyOf(ranks);
    frontier = List.copyOf(frontier);
    projections = Map.copyOf(projections);
    devices = List.copyOf(devices);
  }

  /** What a run's row says besides what its trials give: identity, times, inputs and provenance. */
  public record Header(String runId, String name, Instant startedAt, RunInfo.Inputs inputs,
      RunInfo.Provenance provenance) {}

  /**
   * The outcome of {@code results} (any order; accuracy drops set here) under {@code objectives}, with the
   * estimates of {@code profiles}, finished now.
   */
  public static RunOutcome of(Header h, List<Objective> objectives, List<TrialResult> results,
      List<DeviceProfile> profiles, double evalSeconds) {
    List<TrialResult> sorted = TrialResult.withAccuracyDrops(results.stream()
        .sorted(Comparator.comparingInt(r -> r.trial().index())).toList());
    int ok = (int) sorted.stream().filter(TrialResult::isOk).count();
    RunInfo run = new RunInfo(h.runId(), h.name(), h.startedAt(), Instant.now(),
        new RunInfo.Trials(sorted.size(), ok, sorted.size() - ok), TrialResult.baseAccuracy(sorted),
        describe(objectives), Frontier.hypervolume(sorted, objectives), h.inputs(), h.provenance());
    return new RunOutcome(run, objectives, sorted, Frontier.ranks(sorted, objectives),
        Frontier.frontier(sorted, objectives), Frontier.knee(sorted, objectives), Frontier.projections(sorted, objectives),
        DeviceEstimates.of(sorted, profiles), evalSeconds);
  }

  /** "accuracy maximize, encoded_bytes minimize, ...": the runs table's {@code objectives}. */
  public static String describe(List<Objective> objectives) {
    return objectives.stream().map(o -> o.metric() + " " + o.direction()).collect(Collectors.joining(", "));
  }
}
