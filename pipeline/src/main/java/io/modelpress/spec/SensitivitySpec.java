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
    int evalBatchSize,
    double broadcastLimitMb) implements Serializable {


  /** A pruning criterion with its structure, e.g. magnitude unstructured or taylor structured. */
  public record PruneMethod(PruneSpec.Criterion criterion, PruneSpec.Structure structure) implements Serializable {
    public String id() {
      return criterion.id() + (structure == PruneSpec.Structure.STRUCTURED ? "-structured" : "");
    }
  }

  public SensitivitySpec {
    Objects.requireNonNull(name, "name");
    SpecException.require(broadcastLimitMb > 0 && Double.isFinite(broadcastLimitMb), "evaluation.broadcast-limit-mb",
        broadcastLimitMb, "a number of MiB > 0");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(layers, "layers");
    pruneMethods = List.copyOf(pruneMethods);
    sparsities = List.copyOf(sparsities);
    quantMethods = List.copyOf(quantMethods);
    bits = List.copyOf(bits);
    if (pruneMethods.isEmpty() && quantMethods.isEmpty()) {
      throw new SpecException("", "has neither 'prune' nor 'quantize'; give one or both");
    }
    for (int i = 0; i < pruneMethods.size(); i++) {
      PruneMethod m = pruneMethods.get(i);
      if (m.structure() == PruneSpec.Structure.UNSTRUCTURED && m.criterion().scoresNeuronsOnly()) {
        throw new SpecException("prune.methods[" + i + "]", "is " + m.id() + ", which scores neurons; use " + m.id()
            + "-structured");
      }
    }
    if (!pruneMethods.isEmpty() && sparsities.isEmpty()) {
      throw new SpecException("prune", "needs 'methods' and 'sparsities'");
    }
    for (double v : sparsities) {
      if (!(v > 0 && v < 1)) {
        throw new SpecException("prune.sparsities", "has " + v + " but every sparsity must be in (0, 1)");
      }
    }
    if (!quantMethods.isEmpty() && bits.isEmpty()) {
      throw new SpecException("quantize", "needs 'methods' and 'bits'");
    }
    for (int i = 0; i < bits.size(); i++) {
      SpecException.require(bits.get(i) >= 2 && bits.get(i) <= 8, "quantize.bits[" + i + "]", bits.get(i), "in 2..8");
    }
    SpecException.require(calibrationBatches >= 1 && calibrationBatches <= 10_000, "prune.calibration-batches",
        calibrationBatches, "in 1..10000");
    SpecException.require(evalBatchSize >= 1, "eval-batch-size", evalBatchSize, ">= 1");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new SpecException("name", "is set to \"" + name + "\" but must be letters, digits, '.', '_' or '-'");
    }
    if (seeds < 2 || seeds > 1000) {
      throw new SpecException("seeds", "is set to " + seeds + " but must be in 2..1000 (a confidence interval "
          + "needs at least two)");
    }
    if (pairs < 0 || pairs > 1000) {
      throw new SpecException("interactions.pairs", "is set to " + pairs + " but must be in 0..1000");
    }
  }
}
