package io.modelpress.spec;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Unstructured magnitude pruning: keep the largest |W|, set the rest to zero ({@code W_s = W ⊙ I}).
 *
 * <ul>
 *   <li>{@link Scope#LAYER}: each selected layer separately reaches {@code sparsity} exactly;
 *   <li>{@link Scope#GLOBAL}: one ranking over all selected layers, so the selected weights together reach
 *       {@code sparsity} exactly and sensitive layers keep more;
 *   <li>{@link Scope#THRESHOLD}: every selected weight with |w| ≤ θ is removed; the sparsity reached is
 *       whatever θ gives, and is reported.
 * </ul>
 */
public record PruneSpec(Scope scope, double level, LayerSelector layers) implements CompressionStep {

  public enum Scope {
    LAYER, GLOBAL, THRESHOLD;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public PruneSpec {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(layers, "layers");
    if (scope == Scope.THRESHOLD) {
      if (!(level >= 0) || Double.isInfinite(level)) {
        throw new IllegalArgumentException("'threshold' is set to " + level + " but must be a finite number >= 0");
      }
    } else if (!(level >= 0 && level < 1)) {
      throw new IllegalArgumentException("'sparsity' is set to " + level + " but must be in [0, 1)");
    }
  }

  @Override
  public String method() {
    return "magnitude";
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> m = new TreeMap<>();
    m.put("step", "prune");
    m.put("method", method());
    m.put("scope", scope.id());
    m.put(scope == Scope.THRESHOLD ? "threshold" : "sparsity", level);
    m.put("layers", layers.canonical());
    return m;
  }
}
