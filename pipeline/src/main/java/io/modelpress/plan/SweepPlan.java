package io.modelpress.plan;

import java.io.Serializable;
import java.util.List;

/** The ordered, de-duplicated trials of a sweep. The base model (no steps) is always trial 0. */
public record SweepPlan(String modelFingerprint, String datasetFingerprint, List<PlannedTrial> trials)
    implements Serializable {

  public SweepPlan {
    trials = List.copyOf(trials);
  }

  public int size() {
    return trials.size();
  }
}
