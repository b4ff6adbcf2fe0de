package io.modelpress.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one trial does to the base model: an ordered list of steps (at most one prune, then at most one
 * quantize). The empty list is the base model itself, which every sweep evaluates.
 */
public record TrialSpec(List<CompressionStep> steps) implements Serializable {

  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  public TrialSpec {
    steps = List.copyOf(Objects.requireNonNull(steps, "steps"));
    int prunes = 0;
    int tunes = 0;
    int quants = 0;
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof DistillSpec && i > 0) {
        throw new IllegalArgumentException("a trial distills first, then prunes, fine-tunes and quantizes the student; got "
            + steps);
      }
    }
    for (CompressionStep s : steps) {
      if (s instanceof PruneSpec) {
        if (quants > 0 || tunes > 0) {
          throw new IllegalArgumentException("a trial prunes, then fine-tunes, then quantizes; got " + steps);
        }
        prunes++;
      } else if (s instanceof FineTuneSpec f) {
        if (quants > 0) {
          throw new IllegalArgumentException("a trial prunes, then fine-tunes, then quantizes; got " + steps);
        }
        if (f.schedule() == FineTuneSpec.Schedule.AGP && prunes == 0) {
          throw new IllegalArgumentException("the agp schedule needs a prune step to reach; got " + steps);
        }
        tunes++;
      } else if (s instanceof QuantSpec) {
        quants++;
      }
    }
    if (prunes > 1 || tunes > 1 || quants > 1) {
      throw new IllegalArgumentException("a trial has at most one prune, fine-tune and quantize step; got " + steps);
    }
    for (CompressionStep s : steps) {
      if (s instanceof FineTuneSpec f && f.schedule() == FineTuneSpec.Schedule.AGP) {
        for (CompressionStep p : steps) {
          if (p instanceof PruneSpec ps && ps.perLayerLevels()) {
            throw new IllegalArgumentException("the agp schedule ramps one sparsity; per-layer sparsities take "
                + "schedule one-shot");
          }
          if (p instanceof PruneSpec ps && (ps.structured() || ps.scope() == PruneSpec.Scope.THRESHOLD)) {
            throw new IllegalArgumentException("the agp schedule ramps unstructured sparsity with scope layer or global; "
                + "use schedule one-shot with " + (ps.structured() ? "structured pruning" : "scope threshold"));
          }
        }
      }
    }
  }

  /** Whether the trial needs the training split: it fine-tunes, trains its quantizer, or calibrates its pruning. */
  public boolean needsTrainingData() {
    return distill().isPresent() || fineTune().isPresent() || quant().map(QuantSpec::trains).orElse(false)
        || prune().map(p -> p.criterion().needsCalibration()).orElse(false);
  }

  public static final TrialSpec BASE = new TrialSpec(List.of());

  public Optional<PruneSpec> prune() {
    for (CompressionStep s : steps) {
      if (s instanceof PruneSpec p) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The distillation step, when the trial trains a student (always the first step). */
  public Optional<DistillSpec> distill() {
    return !steps.isEmpty() && steps.get(0) instanceof DistillSpec d ? Optional.of(d) : Optional.empty();
  }

  public Optional<FineTuneSpec> fineTune() {
    for (CompressionStep s : steps) {
      if (s instanceof FineTuneSpec f) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  public Optional<QuantSpec> quant() {
    for (CompressionStep s : steps) {
      if (s instanceof QuantSpec q) {
        return Optional.of(q);
      }
    }
    return Optional.empty();
  }

  /** Method column: {@code base}, {@code magnitude}, {@code uniform}, {@code magnitude+uniform}, ... */
  public String method() {
    if (steps.isEmpty()) {
      return "base";
    }
    List<String> m = new ArrayList<>();
    for (CompressionStep s : steps) {
      m.add(s.method());
    }
    return String.join("+", m);
  }

  /** Canonical JSON: sorted keys, no whitespace. Equal specs give equal strings, and so equal trial ids. */
  public String canonicalJson() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (CompressionStep s : steps) {
      list.add(s.canonical());
    }
    try {
      return CANONICAL.writeValueAsString(Map.of("steps", list));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
