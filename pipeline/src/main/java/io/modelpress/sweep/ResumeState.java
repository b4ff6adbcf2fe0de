package io.modelpress.sweep;

import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.SweepPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where an attempt of a run starts from, given the rows its earlier attempts committed: the results it
 * keeps (each taking its plan trial back: a config edit may have moved it), the rows of later evolve
 * generations (matched when those generations are bred again), and the trials still to evaluate. Pure:
 * the rows are read by the caller. A committed row of a trial that is in neither the plan nor an evolve
 * block means the run id holds another config's rows ({@link #foreignTrial}).
 *
 * @param restored committed results of planned trials, in plan order
 * @param bred committed results of evolve blocks' later generations, by trial id
 * @param todo planned trials without a committed row, in plan order
 * @param foreignTrial a committed trial of another config, if any
 */
public record ResumeState(List<TrialResult> restored, Map<String, TrialResult> bred, List<PlannedTrial> todo,
    Optional<String> foreignTrial) {

  public ResumeState {
    restored = List.copyOf(restored);
    bred = Map.copyOf(bred);
    todo = List.copyOf(todo);
  }

  /** A fresh run: nothing committed. */
  public static ResumeState fresh(SweepPlan plan) {
    return of(plan, List.of(), Set.of());
  }

  /** The state after {@code committed} rows (one per trial id) of a run whose evolve blocks are {@code evolving}. */
  public static ResumeState of(SweepPlan plan, List<TrialResult> committed, Set<String> evolving) {
    Map<String, PlannedTrial> byId = plan.trials().stream()
        .collect(Collectors.toMap(PlannedTrial::trialId, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    List<TrialResult> restored = new ArrayList<>();
    Map<String, TrialResult> bred = new HashMap<>();
    String foreign = null;
    for (TrialResult r : committed) {
      PlannedTrial t = byId.get(r.trial().trialId());
      if (t != null) {
        restored.add(TrialResult.restored(t, r.status(), r.errorClass(), r.errorMessage(),
            r.measurements().orElse(null), r.executor(), r.measuredIn()));
      } else if (evolving.contains(r.trial().block())) {
        bred.put(r.trial().trialId(), r);
      } else if (foreign == null) {
        foreign = r.trial().trialId();
      }
    }
    restored.sort(java.util.Comparator.comparingInt(r -> r.trial().index()));
    Set<String> done = restored.stream().map(r -> r.trial().trialId()).collect(Collectors.toSet());
    List<PlannedTrial> todo = plan.trials().stream().filter(t -> !done.contains(t.trialId())).toList();
    return new ResumeState(restored, bred, todo, Optional.ofNullable(foreign));
  }

  /**
   * This state with the trials still to do that {@code earlier} finished runs measured taken over (nightly
   * reuse: the same trial id is the same trial spec, model and test data), each naming the run it is from.
   */
  public ResumeState reusing(Map<String, TrialResult> earlier) {
    List<TrialResult> out = new ArrayList<>(restored);
    List<PlannedTrial> left = new ArrayList<>();
    for (PlannedTrial t : todo) {
      TrialResult e = earlier.get(t.trialId());
      if (e != null) {
        out.add(e.reusedAs(t, null));
      } else {
        left.add(t);
      }
    }
    out.sort(java.util.Comparator.comparingInt(r -> r.trial().index()));
    return new ResumeState(out, bred, left, foreignTrial);
  }

  /** Trials the state already has a result for (committed or reused). */
  public int done() {
    return restored.size();
  }
}
