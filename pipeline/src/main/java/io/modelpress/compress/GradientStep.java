package io.modelpress.compress;

import io.modelpress.weights.ModelWeights;

import java.util.Map;

/** One optimisation step computed outside DL4J from the loss gradients at the current weights. */
@FunctionalInterface
public interface GradientStep {
  /** The weights to use from now on, given the current ones and ∂L/∂W per layer name (flat, "c" order). */
  ModelWeights next(ModelWeights current, Map<String, float[]> gradients);
}
