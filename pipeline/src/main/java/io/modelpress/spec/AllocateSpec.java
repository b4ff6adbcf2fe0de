package io.modelpress.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A search block whose trials come from a sensitivity run by equal-drop allocation
 * ({@link io.modelpress.plan.Allocator}): one non-uniform trial per drop threshold, with per-layer
 * sparsities of {@code pruneMethod} and per-layer bits of {@code quantMethod} (either may be null), kept
 * when the predicted drop is at most {@code maxPredictedDrop} (NaN: no limit).
 */
public record AllocateSpec(String results, String runId, String pruneMethod, String quantMethod, List<Double> thresholds,
    double maxPredictedDrop) implements Serializable {

  public AllocateSpec {
    Objects.requireNonNull(results, "results");
    Objects.requireNonNull(runId, "runId");
    thresholds = List.copyOf(thresholds);
    if (pruneMethod == null && quantMethod == null) {
      throw new IllegalArgumentException("'allocate' needs 'prune-method' and/or 'quantize-method'");
    }
    if (thresholds.isEmpty()) {
      throw new IllegalArgumentException("'allocate.thresholds' is empty");
    }
  }
}
