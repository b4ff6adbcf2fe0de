package io.modelpress.spec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Pruning: rank by an importance {@link Criterion}, keep the most important, remove the rest.
 *
 * <p>{@link Structure#UNSTRUCTURED} removes single weights ({@code W_s = W ⊙ I}):
 * <ul>
 *   <li>{@link Scope#LAYER}: each selected layer separately reaches {@code sparsity} exactly;
 *   <li>{@link Scope#GLOBAL}: one ranking over all selected layers, so the selected weights together reach
 *       {@code sparsity} exactly and sensitive layers keep more;
 *   <li>{@link Scope#THRESHOLD}: every selected weight with score ≤ θ is removed; the sparsity reached is
 *       whatever θ gives, and is reported.
 * </ul>
 *
 * <p>{@link Structure#STRUCTURED} removes whole output neurons of dense layers and whole filters of
 * convolution layers, {@code sparsity} of them per selected layer ({@link Scope#LAYER} only), and rebuilds
 * a smaller network: the next layer loses the matching inputs. Output layers keep their classes.
 *
 * <p>Criteria that need data ({@link Criterion#needsCalibration()}) are accumulated over
 * {@code calibrationBatches} batches of {@link #CALIBRATION_BATCH_SIZE} training examples.
 */
public record PruneSpec(Scope scope, double level, LayerSelector layers, Criterion criterion, Structure structure,
    int calibrationBatches, Map<String, Double> layerLevels) implements CompressionStep {

  public static final int CALIBRATION_BATCH_SIZE = 128;

  public enum Scope {
    LAYER, GLOBAL, THRESHOLD;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Importance of a weight (unstructured) or of a neuron/filter (structured: summed over its incoming
   * weights, or measured on its output).
   */
  public enum Criterion {
    /** |w| (Han et al. 2015); structured: L1 norm of the filter (Li et al. 2017). */
    MAGNITUDE,
    /** mean over calibration batches of |∂L/∂w|. */
    GRADIENT,
    /**
     * first-order Taylor (Molchanov et al. 2019): per weight, the mean over calibration batches of
     * |w · ∂L/∂w|; structured, their group criterion: (Σ w · ∂L/∂w over the neuron's weights)² on each
     * batch, averaged over the batches ({@code compress.prune.Importance}).
     */
    TAYLOR,
    /**
     * structured only: the sum over the neuron's weights of the per-weight Taylor score, mean |w · ∂L/∂w|
     * (what {@code taylor} computed for structured pruning before it followed Molchanov et al. 2019).
     */
    TAYLOR_ABS_SUM,
    /** structured only: mean |activation| of the neuron/channel on calibration data. */
    MEAN_ACTIVATION,
    /** structured only: 1 − APoZ, the average percentage of zero activations (Hu et al. 2016). */
    APOZ;

    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean needsCalibration() {
      return this != MAGNITUDE;
    }

    /** Whether it scores only whole neurons/filters (structured pruning), not single weights. */
    public boolean scoresNeuronsOnly() {
      return this == TAYLOR_ABS_SUM || this == MEAN_ACTIVATION || this == APOZ;
    }
  }

  public enum Structure {
    UNSTRUCTURED, STRUCTURED;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Unstructured magnitude pruning. */
  public PruneSpec(Scope scope, double level, LayerSelector layers) {
    this(scope, level, layers, Criterion.MAGNITUDE, Structure.UNSTRUCTURED, Defaults.CALIBRATION_BATCHES);
  }

  /** One level for every selected layer. */
  public PruneSpec(Scope scope, double level, LayerSelector layers, Criterion criterion, Structure structure,
      int calibrationBatches) {
    this(scope, level, layers, criterion, structure, calibrationBatches, Map.of());
  }

  /**
   * A different sparsity per layer (scope layer; the layers are exactly the map's keys), as a budget
   * allocation produces. {@code level} is the largest of them.
   */
  public static PruneSpec perLayer(Map<String, Double> sparsities, Criterion criterion, Structure structure,
      int calibrationBatches) {
    if (sparsities.isEmpty()) {
      throw new IllegalArgumentException("per-layer pruning needs at least one layer");
    }
    double max = sparsities.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    return new PruneSpec(Scope.LAYER, max, new LayerSelector(List.copyOf(new TreeMap<>(sparsities).keySet()), "",
        List.of(), List.of()), criterion, structure, calibrationBatches, sparsities);
  }

  /** The sparsity of {@code layer}: its own with per-layer levels, else {@code level}. */
  public double levelFor(String layer) {
    return layerLevels.getOrDefault(layer, level);
  }

  public boolean perLayerLevels() {
    return !layerLevels.isEmpty();
  }

  public PruneSpec {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(layers, "layers");
    Objects.requireNonNull(criterion, "criterion");
    Objects.requireNonNull(structure, "structure");
    layerLevels = java.util.Collections.unmodifiableMap(new TreeMap<>(layerLevels));
    for (Map.Entry<String, Double> e : layerLevels.entrySet()) {
      if (!(e.getValue() >= 0 && e.getValue() < 1)) {
        throw new IllegalArgumentException("sparsity of layer '" + e.getKey() + "' is " + e.getValue()
            + " but must be in [0, 1)");
      }
    }
    if (!layerLevels.isEmpty() && (scope != Scope.LAYER || !layers.names().equals(List.copyOf(layerLevels.keySet())))) {
      throw new IllegalArgumentException("per-layer sparsities need scope layer and a selector naming exactly their layers");
    }
    if (scope == Scope.THRESHOLD) {
      if (!(level >= 0) || Double.isInfinite(level)) {
        throw new IllegalArgumentException("'threshold' is set to " + level + " but must be a finite number >= 0");
      }
    } else if (!(level >= 0 && level < 1)) {
      throw new IllegalArgumentException("'sparsity' is set to " + level + " but must be in [0, 1)");
    }
    if (structure == Structure.STRUCTURED && scope != Scope.LAYER) {
      throw new IllegalArgumentException("'scope' is " + scope.id() + " but structured pruning ranks the neurons of "
          + "each layer separately; use scope layer or single-layer");
    }
    if (structure == Structure.UNSTRUCTURED && criterion.scoresNeuronsOnly()) {
      throw new IllegalArgumentException("'criterion' " + criterion.id() + " scores neurons, not weights; "
          + "use it with 'structure: structured'");
    }
    if (!criterion.needsCalibration()) {
      calibrationBatches = Defaults.CALIBRATION_BATCHES; // unused: equal specs must be equal records
    }
    if (calibrationBatches < 1 || calibrationBatches > 10_000) {
      throw new IllegalArgumentException("'calibration-batches' is set to " + calibrationBatches
          + " but must be in 1..10000");
    }
  }

  public boolean structured() {
    return structure == Structure.STRUCTURED;
  }

  /** A copy at another level (AGP raises the sparsity step by step). */
  public PruneSpec withLevel(double newLevel) {
    if (perLayerLevels()) {
      throw new IllegalArgumentException("per-layer sparsities have no single level to ramp; use schedule one-shot");
    }
    return new PruneSpec(scope, newLevel, layers, criterion, structure, calibrationBatches);
  }

  @Override
  public String method() {
    return criterion.id() + (structured() ? "-structured" : "");
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> m = new TreeMap<>();
    m.put("step", "prune");
    m.put("method", criterion.id());
    m.put("scope", scope.id());
    m.put(scope == Scope.THRESHOLD ? "threshold" : "sparsity", perLayerLevels() ? layerLevels : level);
    m.put("layers", layers.canonical());
    // keys added only when they differ from PR-1 behaviour, so existing trial ids stay the same
    if (structured()) {
      m.put("structure", structure.id());
    }
    if (criterion.needsCalibration()) {
      m.put("calibration-batches", calibrationBatches);
    }
    if (structured() && criterion == Criterion.TAYLOR) {
      // structured taylor became the squared group sum: new trial ids, so that no resumed run or comparison
      // mixes its results with those of the earlier criterion (now taylor-abs-sum)
      m.put("taylor-group", "squared-sum");
    }
    return m;
  }
}
