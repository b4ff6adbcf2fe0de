package io.modelpress.compress;

import java.util.Map;

/**
 * Importance statistics of a model on calibration data, as plain arrays per layer name. ∂L/∂w is the
 * gradient of one batch's mean loss.
 *
 * @param gradient per weight (flat, like {@link LayerWeights#weights()}): mean over batches of |∂L/∂w|
 * @param taylor per weight: mean over batches of |w · ∂L/∂w|
 * @param taylorGroupSums per layer, {@code [batch][output channel]}: on each batch, the signed sum of
 *     w · ∂L/∂w over the weights of the output neuron (dense) or filter (convolution), i.e. over the flat
 *     indices i with {@link LayerWeights#channelOf channelOf(i)} = channel; the group Taylor criterion of
 *     Molchanov et al. 2019 squares these per batch
 * @param meanActivation per output neuron/channel: mean of |activation| over examples (and positions)
 * @param zeroFraction per output neuron/channel: fraction of activations that are exactly zero (APoZ)
 * @param activation per layer: the activation function its {@code meanActivation} and {@code zeroFraction}
 *     were measured after, lower case as {@code Network.activations()} names it ("relu", "identity", ...)
 * @param batches batches the statistics were accumulated over
 */
public record Calibration(Map<String, float[]> gradient, Map<String, float[]> taylor,
    Map<String, float[][]> taylorGroupSums, Map<String, float[]> meanActivation, Map<String, float[]> zeroFraction,
    Map<String, String> activation, int batches) {

  public Calibration {
    gradient = Map.copyOf(gradient);
    taylor = Map.copyOf(taylor);
    taylorGroupSums = Map.copyOf(taylorGroupSums);
    meanActivation = Map.copyOf(meanActivation);
    zeroFraction = Map.copyOf(zeroFraction);
    activation = Map.copyOf(activation);
  }

}
