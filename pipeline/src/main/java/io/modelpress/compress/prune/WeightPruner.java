package io.modelpress.compress.prune;

import io.modelpress.compress.Calibration;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.PruneSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unstructured pruning in three separate steps: scores ({@link Importance#ofWeights}), masks
 * ({@link Masks}), apply ({@link Masks#apply}). Returns the masks; the model is never mutated.
 */
public final class WeightPruner {

  private WeightPruner() {}

  /** Magnitude masks (no calibration data needed). */
  public static Map<String, boolean[]> masks(ModelWeights model, PruneSpec spec) {
    return masks(model, spec, null);
  }

  /**
   * The masks of the selected layers, in model order. Unselected layers have no mask.
   *
   * @param calibration statistics for the gradient and Taylor criteria (null for magnitude)
   */
  public static Map<String, boolean[]> masks(ModelWeights model, PruneSpec spec, Calibration calibration) {
    if (spec.structured()) {
      throw new IllegalArgumentException("structured pruning removes neurons, not weights: use StructuredPruner");
    }
    List<String> names = spec.layers().resolve(model);
    List<float[]> scores = new ArrayList<>();
    for (String n : names) {
      scores.add(Importance.ofWeights(model.layer(n), spec.criterion(), calibration));
    }
    Map<String, boolean[]> masks = new LinkedHashMap<>();
    switch (spec.scope()) {
      case LAYER -> {
        for (int i = 0; i < names.size(); i++) {
          masks.put(names.get(i), Masks.topK(scores.get(i), spec.levelFor(names.get(i))));
        }
      }
      case GLOBAL -> {
        List<boolean[]> m = Masks.global(scores, spec.level());
        for (int i = 0; i < names.size(); i++) {
          masks.put(names.get(i), m.get(i));
        }
      }
      case THRESHOLD -> {
        for (int i = 0; i < names.size(); i++) {
          masks.put(names.get(i), Masks.threshold(scores.get(i), spec.level()));
        }
      }
    }
    return masks;
  }

  /** The model with the masks applied. */
  public static ModelWeights apply(ModelWeights model, Map<String, boolean[]> masks) {
    Map<String, LayerWeights> replaced = new LinkedHashMap<>();
    for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
      LayerWeights l = model.layer(e.getKey());
      replaced.put(l.name(), l.withWeights(Masks.apply(l.weights(), e.getValue())));
    }
    return model.with(replaced);
  }
}
