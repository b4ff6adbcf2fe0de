package io.modelpress.sweep;

import io.modelpress.pareto.Objective;
import io.modelpress.plan.Allocator;
import io.modelpress.spec.Defaults;
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
 * and the objectives settled when measured latency cannot be had (a model the runtime cannot execute: the
 * default objectives fall back to MACs, an explicit latency objective is refused). Pure: the sensitivity
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
   */
  public static Resolved resolve(SweepSpec spec, String modelFingerprint, boolean latencyMeasurable,
      SensitivitySource sensitivity) {
    List<String> notes = new ArrayList<>();
    SweepSpec out = spec;
    if (!latencyMeasurable && spec.objectives().stream().anyMatch(o -> o.metric().startsWith("latency_"))) {
      if (spec.explicitObjectives().isPresent()) {
        throw new IllegalArgumentException("'objectives' name measured latency, but the runtime cannot execute this "
            + "model (see the line above); use macs or effective_macs instead");
      }
      out = out.withObjectives(Defaults.OBJECTIVES);
      notes.add("objectives: " + Defaults.OBJECTIVES.stream().map(Objective::metric)
          .reduce((a, b) -> a + ", " + b).orElse("") + " (no measured latency for this model)");
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
