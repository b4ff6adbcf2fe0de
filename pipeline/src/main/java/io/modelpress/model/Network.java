package io.modelpress.model;

import io.modelpress.weights.ModelWeights;
import io.modelpress.data.LabeledImages;
import io.modelpress.runtime.Architecture;
import java.util.List;

/**
 * A trained classifier behind a backend (today DL4J, {@link io.modelpress.model.dl4j}): its weights as
 * plain arrays in and out, predictions, logits and the layer sequence the runtime executes. Plans,
 * specs, artifacts and tables never see the backend's types; the trial evaluator, distillation and export
 * work through this interface and {@link Trainer}. An instance is not thread-safe: use one per task.
 */
public interface Network {

  /** Number of input features per example (C·H·W). */
  int inputSize();

  /** Number of classes of the output layer. */
  int outputSize();

  long numParams();

  /** The weights of every weighted layer as plain arrays (copies), in forward order. */
  ModelWeights weights();

  /** Writes {@code w} into this network's parameters (layer names and shapes must match). */
  void load(ModelWeights w);

  /** The activation of every weighted layer: relu, identity, tanh, sigmoid, softmax, ... (lower case). */
  List<String> activations();

  /**
   * The layer sequence for the pure-Java runtime; refuses, in one line naming the layer and the setting,
   * what the runtime cannot execute.
   */
  Architecture architecture();

  /**
   * A new network of this architecture with the layer sizes of {@code w} (fewer neurons or filters after
   * structured pruning), holding {@code w}.
   */
  Network rebuilt(ModelWeights w);

  /** The saved form (bytes that {@link Backend#restore} reads back); equal networks give equal bytes. */
  byte[] save();

  /** A reusable input matrix for predictions on {@code data} (build once, predict many times). */
  Inputs inputs(LabeledImages data);

  /** Top-1 class of every example, evaluated in batches of {@code batch}. */
  int[] predict(Inputs in, int batch);

  /** Class probabilities of every example, row-major [examples × classes], in batches of {@code batch}. */
  float[] outputs(Inputs in, int batch);

  /** Class probabilities of every example in one batch. */
  default float[] outputs(Inputs in) {
    return outputs(in, in.count());
  }

  /**
   * The pre-softmax outputs (logits) for examples {@code [from, to)} of {@code data}, row-major
   * [examples × classes], in batches of {@code batch}.
   */
  float[] logits(LabeledImages data, int from, int to, int batch);

  /** Inputs prepared by {@link #inputs}: opaque to callers. */
  interface Inputs {
    int count();
  }
}
