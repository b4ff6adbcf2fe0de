package io.modelpress.spec;

import io.modelpress.spec.SweepSpec.DistillGrid;
import io.modelpress.spec.SweepSpec.GridScope;
import io.modelpress.spec.SweepSpec.PruneGrid;
import io.modelpress.spec.SweepSpec.QuantGrid;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One block of a sweep's search space, in one of four kinds: a {@link Grid} of prune × quantize levels, an
 * {@link Allocate} block whose per-layer levels come from a sensitivity run, an {@link Evolve} block bred
 * by NSGA-II, and a {@link Distill} block of students (each optionally pruned and quantized).
 */
public sealed interface SearchBlock permits SearchBlock.Grid, SearchBlock.Allocate, SearchBlock.Evolve,
    SearchBlock.Distill {

  String name();

  /**
   * The cartesian product of a prune and a quantize grid (either may be absent), each trial fine-tuned
   * with {@code finetune} between the two when it is given.
   */
  record Grid(String name, Optional<PruneGrid> prune, Optional<FineTuneSpec> finetune, Optional<QuantGrid> quantize)
      implements SearchBlock {
    public Grid {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(prune, "prune");
      Objects.requireNonNull(finetune, "finetune");
      Objects.requireNonNull(quantize, "quantize");
      checkFineTune(prune, finetune);
      if (prune.isEmpty() && quantize.isEmpty()) {
        throw new SpecException("", "has none of 'prune', 'quantize' and 'distill'; give at least one");
      }
    }
  }

  /**
   * Per-layer levels read from a sensitivity run ({@link AllocateSpec}), filled in before planning
   * ({@code allocated}, empty until then), each trial optionally fine-tuned one-shot after pruning.
   */
  record Allocate(String name, AllocateSpec allocate, Optional<FineTuneSpec> finetune, List<TrialSpec> allocated)
      implements SearchBlock {
    public Allocate {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(allocate, "allocate");
      Objects.requireNonNull(finetune, "finetune");
      allocated = List.copyOf(allocated);
      if (finetune.map(f -> f.schedule() == FineTuneSpec.Schedule.AGP).orElse(false)) {
        throw new SpecException("finetune.schedule", "is agp, but allocated sparsities differ per layer; use schedule "
            + "one-shot");
      }
    }

    /** This block with the trials its allocation produced (read from the sensitivity run by the resolver). */
    public Allocate withAllocated(List<TrialSpec> trials) {
      return new Allocate(name, allocate, finetune, trials);
    }
  }

  /** Per-layer sparsity and bit width chosen by evolution ({@link io.modelpress.plan.Evolution}). */
  record Evolve(String name, EvolveSpec evolve) implements SearchBlock {
    public Evolve {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(evolve, "evolve");
    }
  }

  /** Students distilled from the sweep's model, each also pruned × quantized by the block's grids. */
  record Distill(String name, DistillGrid distill, Optional<PruneGrid> prune, Optional<FineTuneSpec> finetune,
      Optional<QuantGrid> quantize) implements SearchBlock {
    public Distill {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(distill, "distill");
      Objects.requireNonNull(prune, "prune");
      Objects.requireNonNull(finetune, "finetune");
      Objects.requireNonNull(quantize, "quantize");
      checkFineTune(prune, finetune);
    }
  }

  /** AGP ramps the sparsity of an unstructured prune grid with a sparsity scope. */
  private static void checkFineTune(Optional<PruneGrid> prune, Optional<FineTuneSpec> finetune) {
    if (finetune.map(f -> f.schedule() != FineTuneSpec.Schedule.AGP).orElse(true)) {
      return;
    }
    if (prune.isEmpty() || prune.get().scope() == GridScope.THRESHOLD) {
      throw new SpecException("finetune.schedule", "is agp, which ramps the sparsity of a 'prune' block with scope "
          + "layer, global or single-layer; add one or use schedule one-shot");
    }
    if (prune.get().structure() == PruneSpec.Structure.STRUCTURED) {
      throw new SpecException("finetune.schedule", "is agp, which ramps unstructured sparsity; structured pruning "
          + "takes schedule one-shot");
    }
  }
}
