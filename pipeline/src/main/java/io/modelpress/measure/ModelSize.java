package io.modelpress.measure;

import io.modelpress.weights.ModelWeights;

/** Size figures of a model: parameters, non-zeros, dense fp32 bytes, MACs. */
public record ModelSize(long params, long nonZeroParams, long denseBytes, long macs, long effectiveMacs) {

  public static ModelSize of(ModelWeights w) {
    return new ModelSize(w.params(), w.nonZeroParams(), 4L * w.params(), w.macs(), w.effectiveMacs());
  }
}
