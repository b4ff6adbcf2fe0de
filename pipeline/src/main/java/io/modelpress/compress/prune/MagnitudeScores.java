package io.modelpress.compress.prune;

import io.modelpress.model.LayerWeights;

/** Importance score of every weight by magnitude, |w| (Han et al. 2015, "Learning both Weights and Connections"). */
public final class MagnitudeScores {

  private MagnitudeScores() {}

  public static float[] of(LayerWeights layer) {
    float[] w = layer.weights();
    float[] s = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      s[i] = Math.abs(w[i]);
    }
    return s;
  }
}
