package io.modelpress.sweep;

import io.modelpress.measure.DeviceProfile;
import io.modelpress.pareto.Objective;
import io.modelpress.plan.Allocator;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A sweep's spec resolved once, before planning, against what is known of its model: every
 * {@code allocate} block filled with the trials its sensitivity run gives ({@link Allocator#equalDrop}),
 * and the objectives settled: an estimated latency bound to its device profile, a measured latency refused
 * when the runtime cannot execute the model. Pure: the sensitivity
 * runs are read by the caller's {@link SensitivitySource}.
 */
public final class SpecResolver {

  private SpecResolver() {}

  /** What an allocation needs of a sensitivity run: the model it measured and its single-layer curves. */
  public record SensitivityRun(String modelFingerprint, List<Allocator.Curve> curves) {}

  /** Reads a sensitivity run ({@code results} root, {@code runId}); refuses, with the key, what is not there. */
  @FunctionalInterface
  public interface SensitivitySource {
    SensitivityRun read(String results, String runId);
  }

  /** The resolved spec, and what to tell the user about the resolution (one line each). */
  public record Resolved(SweepSpec spec, List<String> notes) {}

  /**
   * @param modelFingerprint SHA-256 (hex) of the sweep's model: an allocation must come from a sensitivity
   *     run of the same model
   * @param latencyMeasurable whether the runtime can execute the model (latency objectives need it)
   * @param devices the run's device profiles: an {@code est_latency_ms} objective is bound to one of them
   */
  public static Resolved resolve(SweepSpec spec, String modelFingerprint, boolean latencyMeasurable,
      List<DeviceProfile> devices, SensitivitySource sensitivity) {
    List<String> notes = new ArrayList<>();
    if (!latencyMeasurable && spec.objectives().stream().anyMatch(Objective::measured)) {
      throw new IllegalArgumentException("'objectives' name measured latency, but the runtime cannot execute this "
          + "model (see the line above); use est_latency_ms, macs or effective_macs instead");
    }
    SweepSpec out = spec;
    if (spec.objectives().stream().anyMatch(Objective::estimated)) {
      out = out.withObjectives(Objective.bound(spec.objectives(), devices));
    }
    List<SearchBlock> blocks = new ArrayList<>();
    for (SearchBlock b : out.search()) {
      if (!(b instanceof SearchBlock.Allocate a)) {
        blocks.add(b);
        continue;
      }
      var spec0 = a.allocate();
      SensitivityRun run = sensitivity.read(spec0.results(), spec0.runId());
      if (!modelFingerprint.equals(run.modelFingerprint())) {
        throw new IllegalArgumentException("sensitivity run " + spec0.runId() + " measured another model (sha256 "
            + run.modelFingerprint() + "), not this sweep's " + modelFingerprint + "; allocate from a sensitivity run "
            + "of the same model");
      }
      String prune = spec0.pruneMethod().map(PruneSpec.Criterion::id).orElse(null);
      String quant = spec0.quantMethod().map(QuantSpec.Algorithm::id).orElse(null);
      var allocations = Allocator.equalDrop(run.curves(), prune, quant, spec0.thresholds()).stream()
          .filter(x -> spec0.maxPredictedDrop().isEmpty() || x.predictedDrop() <= spec0.maxPredictedDrop().getAsDouble())
          .toList();
      PruneSpec.Criterion criterion = spec0.pruneMethod().orElse(PruneSpec.Criterion.MAGNITUDE);
      QuantSpec.Algorithm algorithm = spec0.quantMethod().orElse(QuantSpec.Algorithm.UNIFORM);
      notes.add(String.format(Locale.ROOT, "block %s: %d allocations from sensitivity run %s", b.name(),
          allocations.size(), spec0.runId()));
      blocks.add(a.withAllocated(allocations.stream().map(x -> x.toTrial(criterion, algorithm)).toList()));
    }
    return new Resolved(out.withSearch(blocks), notes);
  }
}
