package io.modelpress.spec;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Retraining after pruning, on the training split, with the pruned weights held at exactly zero after
 * every update (Han et al. 2015). {@link Schedule#ONE_SHOT}: prune once to the target, then train.
 * {@link Schedule#AGP}: start dense and raise the sparsity along the cubic schedule of Zhu &amp; Gupta 2017
 * ({@link io.modelpress.compress.prune.AgpSchedule}) in {@code pruneSteps} steps spread over the first
 * three quarters of training; the last quarter trains at the target sparsity.
 */
public record FineTuneSpec(int epochs, double learningRate, int batchSize, Schedule schedule, int pruneSteps)
    implements CompressionStep {


  public enum Schedule {
    ONE_SHOT, AGP;

    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  public FineTuneSpec {
    Objects.requireNonNull(schedule, "schedule");
    if (schedule == Schedule.ONE_SHOT) {
      pruneSteps = Defaults.PRUNE_STEPS; // unused: equal specs must be equal records
    }
    if (epochs < 1 || epochs > 1000) {
      throw new SpecException("epochs", "is set to " + epochs + " but must be in 1..1000");
    }
    if (!(learningRate > 0 && learningRate < 10)) {
      throw new SpecException("learning-rate", "is set to " + learningRate + " but must be in (0, 10)");
    }
    if (batchSize < 1 || batchSize > 65536) {
      throw new SpecException("batch-size", "is set to " + batchSize + " but must be in 1..65536");
    }
    if (pruneSteps < 1 || pruneSteps > 10_000) {
      throw new SpecException("prune-steps", "is set to " + pruneSteps + " but must be in 1..10000");
    }
  }

  @Override
  public String method() {
    return schedule == Schedule.AGP ? "agp" : "finetune";
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> m = new TreeMap<>();
    m.put("step", "finetune");
    m.put("schedule", schedule.id());
    m.put("epochs", epochs);
    m.put("learning-rate", learningRate);
    m.put("batch-size", batchSize);
    if (schedule == Schedule.AGP) {
      m.put("prune-steps", pruneSteps);
    }
    return m;
  }
}
