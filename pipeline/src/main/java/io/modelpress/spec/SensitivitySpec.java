package io.modelpress.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A per-layer sensitivity analysis: every selected layer × prune method × sparsity and × quantize
 * method × bit width, one layer changed at a time, each measured on {@code seeds} bootstrap resamples of
 * the test set (paired with the base model on the same resample), plus the joint change of up to
 * {@code pairs} layer pairs to check whether single-layer drops add up.
 */
public record SensitivitySpec(
    String name,
    long seed,
    ModelSpec model,
    DatasetSpec dataset,
    LayerSelector layers,
    List<PruneMethod> pruneMethods,
    List<Double> sparsities,
    List<QuantSpec.Algorithm> quantMethods,
    List<Integer> bits,
    int seeds,
    int pairs,
    int calibrationBatches,
    String output,
    int evalBatchSize) implements Serializable {

  public static final int DEFAULT_SEEDS = 3;
  public static final int DEFAULT_PAIRS = 3;

  /** A pruning criterion with its structure, e.g. magnitude unstructured or taylor structured. */
  public record PruneMethod(PruneSpec.Criterion criterion, PruneSpec.Structure structure) implements Serializable {
    public String id() {
      return criterion.id() + (structure == PruneSpec.Structure.STRUCTURED ? "-structured" : "");
    }
  }

  public SensitivitySpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(layers, "layers");
    pruneMethods = List.copyOf(pruneMethods);
    sparsities = List.copyOf(sparsities);
    quantMethods = List.copyOf(quantMethods);
    bits = List.copyOf(bits);
    if (pruneMethods.isEmpty() && quantMethods.isEmpty()) {
      throw new IllegalArgumentException("a sensitivity analysis needs 'prune' and/or 'quantize' methods");
    }
    if (seeds < 2 || seeds > 1000) {
      throw new IllegalArgumentException("'seeds' is set to " + seeds + " but must be in 2..1000 (a confidence interval "
          + "needs at least two)");
    }
    if (pairs < 0 || pairs > 1000) {
      throw new IllegalArgumentException("'interactions.pairs' is set to " + pairs + " but must be in 0..1000");
    }
  }
}
