package io.modelpress.compress.prune;

import io.modelpress.model.LayerWeights;
import io.modelpress.model.ModelWeights;
import io.modelpress.spec.PruneSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unstructured magnitude pruning in three separate steps: scores ({@link MagnitudeScores}), masks
 * ({@link Masks}), apply ({@link Masks#apply}). Returns the masks; the model is never mutated.
 */
public final class MagnitudePruner {

  private MagnitudePruner() {}

  /** The masks of the selected layers, in model order. Unselected layers have no mask. */
  public static Map<String, boolean[]> masks(ModelWeights model, PruneSpec spec) {
    List<String> names = spec.layers().resolve(model);
    Map<String, boolean[]> masks = new LinkedHashMap<>();
    switch (spec.scope()) {
      case LAYER -> {
        for (String n : names) {
          masks.put(n, Masks.topK(MagnitudeScores.of(model.layer(n)), spec.level()));
        }
      }
      case GLOBAL -> {
        List<float[]> scores = new ArrayList<>();
        for (String n : names) {
          scores.add(MagnitudeScores.of(model.layer(n)));
        }
        List<boolean[]> m = Masks.global(scores, spec.level());
        for (int i = 0; i < names.size(); i++) {
          masks.put(names.get(i), m.get(i));
        }
      }
      case THRESHOLD -> {
        for (String n : names) {
          masks.put(n, Masks.threshold(MagnitudeScores.of(model.layer(n)), spec.level()));
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
