package io.modelpress.spec;

import java.util.List;
import java.util.Objects;

/**
 * A search block explored by a multi-objective evolutionary strategy (NSGA-II style) over per-layer
 * configurations: every weighted layer picks a sparsity from {@code sparsities} (0: not pruned) and a
 * bit width from {@code bits} (32: not quantized). {@code population} trials per generation, each
 * generation one Spark stage, {@code generations} in all.
 */
public record EvolveSpec(List<Double> sparsities, List<Integer> bits, PruneSpec.Criterion pruneMethod,
    QuantSpec.Algorithm quantMethod, int population, int generations) {

  public EvolveSpec {
    sparsities = List.copyOf(sparsities);
    bits = List.copyOf(bits);
    Objects.requireNonNull(pruneMethod, "pruneMethod");
    Objects.requireNonNull(quantMethod, "quantMethod");
    if (sparsities.isEmpty() || bits.isEmpty()) {
      throw new SpecException("", "needs 'sparsities' and 'bits' (the per-layer choices)");
    }
    for (double s : sparsities) {
      if (!(s >= 0 && s < 1)) {
        throw new SpecException("sparsities", "has " + s + " but sparsities are in [0, 1)");
      }
    }
    for (int b : bits) {
      if (!((b >= 2 && b <= 8) || b == 32)) {
        throw new SpecException("bits", "has " + b + " but bits are 2..8, or 32 for fp32");
      }
    }
    if (population < 2 || population > 10_000) {
      throw new SpecException("population", "is set to " + population + " but must be in 2..10000");
    }
    if (generations < 1 || generations > 1000) {
      throw new SpecException("generations", "is set to " + generations + " but must be in 1..1000");
    }
  }
}
