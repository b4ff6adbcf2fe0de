package io.modelpress.compress;

import java.util.Map;

/**
 * Importance statistics of a model on calibration data, as plain arrays per layer name.
 *
 * @param gradient per weight (flat, like {@link LayerWeights#weights()}): mean over batches of |∂L/∂w|,
 *     ∂L/∂w being the gradient of the batch-mean loss
 * @param taylor per weight: mean over batches of |w · ∂L/∂w|
 * @param meanActivation per output neuron/channel: mean of |activation| over examples (and positions)
 * @param zeroFraction per output neuron/channel: fraction of activations that are exactly zero (APoZ)
 * @param batches batches the statistics were accumulated over
 */
public record Calibration(Map<String, float[]> gradient, Map<String, float[]> taylor,
    Map<String, float[]> meanActivation, Map<String, float[]> zeroFraction, int batches) {

  public Calibration {
    gradient = Map.copyOf(gradient);
    taylor = Map.copyOf(taylor);
    meanActivation = Map.copyOf(meanActivation);
    zeroFraction = Map.copyOf(zeroFraction);
  }
}
