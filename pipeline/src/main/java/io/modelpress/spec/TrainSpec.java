package io.modelpress.spec;

import java.io.Serializable;

/** How a zoo model is trained: Adam with this learning rate, mini-batches, epochs, and a seed. */
public record TrainSpec(int epochs, int batchSize, double learningRate, long seed) implements Serializable {


  public TrainSpec {
    if (epochs < 1 || epochs > 1000) {
      throw new SpecException("epochs", "is set to " + epochs + " but must be in 1..1000");
    }
    if (batchSize < 1 || batchSize > 65536) {
      throw new SpecException("batch-size", "is set to " + batchSize + " but must be in 1..65536");
    }
    if (!(learningRate > 0 && learningRate < 10)) {
      throw new SpecException("learning-rate", "is set to " + learningRate + " but must be in (0, 10)");
    }
  }
}
