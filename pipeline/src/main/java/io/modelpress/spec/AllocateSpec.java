package io.modelpress.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A search block whose trials come from a sensitivity run by equal-drop allocation
 * ({@link io.modelpress.plan.Allocator}): one non-uniform trial per drop threshold, with per-layer
 * sparsities of {@code pruneMethod} and per-layer bits of {@code quantMethod} (at least one of the two),
 * kept when the predicted drop is at most {@code maxPredictedDrop} (empty: no limit).
 *
 * @param results the output root of the sensitivity run
 * @param runId the sensitivity run
 */
public record AllocateSpec(String results, String runId, Optional<PruneSpec.Criterion> pruneMethod,
    Optional<QuantSpec.Algorithm> quantMethod, List<Double> thresholds, OptionalDouble maxPredictedDrop) {

  public AllocateSpec {
    Objects.requireNonNull(results, "results");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(pruneMethod, "pruneMethod");
    Objects.requireNonNull(quantMethod, "quantMethod");
    Objects.requireNonNull(maxPredictedDrop, "maxPredictedDrop");
    thresholds = List.copyOf(thresholds);
    if (!runId.matches("(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new SpecException("sensitivity.run-id", "is set to \"" + runId + "\" which is not a run id (letters, "
          + "digits, '.', '_' or '-')");
    }
    if (pruneMethod.isEmpty() && quantMethod.isEmpty()) {
      throw new SpecException("", "needs 'prune-method' and/or 'quantize-method'");
    }
    if (thresholds.isEmpty()) {
      throw new SpecException("thresholds", "is empty");
    }
    for (double t : thresholds) {
      if (!(t >= 0 && t < 1)) {
        throw new SpecException("thresholds", "has " + t + " but drops are fractions in [0, 1)");
      }
    }
  }
}
