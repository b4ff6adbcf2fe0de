package io.modelpress.plan;

import io.modelpress.spec.TrialSpec;
import java.io.Serializable;
import java.util.Objects;

/** A trial of a plan: its deterministic id, its position in the plan, the block it came from, its seed. */
public record PlannedTrial(String trialId, int index, String block, long seed, TrialSpec spec) implements Serializable {

  public PlannedTrial {
    Objects.requireNonNull(trialId, "trialId");
    Objects.requireNonNull(block, "block");
    Objects.requireNonNull(spec, "spec");
  }
}
