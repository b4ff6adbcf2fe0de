package io.modelpress.model;

import io.modelpress.compress.Calibration;
import io.modelpress.compress.GradientStep;
import io.modelpress.weights.ModelWeights;
import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.TrainSpec;
import java.util.Map;

/**
 * Training on a backend: zoo models and distillation students from scratch, fine-tuning under masks,
 * gradient-driven updates computed outside the backend (quantization-aware training, codebook
 * fine-tuning) and the calibration statistics of data-driven pruning criteria. Every method is
 * deterministic for its seed and never changes the network it is given.
 */
public interface Trainer {

  /** Trains a zoo architecture ({@link Zoo#NAMES}) for the data's shape and classes. */
  Network train(String zoo, TrainSpec spec, LabeledImages train, EpochListener listener);

  /**
   * Trains {@code d}'s student on {@code train} with the teacher's logits of every training example
   * ({@code teacherLogits}, row-major [examples × classes]); returns the deployable student (softmax output).
   * A split in pieces is read as {@link #fineTune} reads it.
   */
  Network student(DistillSpec d, TrainingSplit train, float[] teacherLogits, int classes, EpochListener listener);

  /** {@link #student} on a split held in memory. */
  default Network student(DistillSpec d, LabeledImages train, float[] teacherLogits, int classes,
      EpochListener listener) {
    return student(d, TrainingSplit.of(train), teacherLogits, classes, listener);
  }

  /**
   * Trains a copy of {@code net}, starting from {@code start}, with Adam at {@code learningRate}, and
   * multiplies every masked layer's weights by its mask after each update, so masked weights are exactly
   * zero whenever the weights are read. A split in several pieces is read a piece at a time: each epoch
   * visits the pieces in a shuffled order and each piece's examples shuffled, and no batch spans two pieces.
   */
  Tuned fineTune(Network net, ModelWeights start, MaskSchedule schedule, TrainingSplit train, int epochs,
      double learningRate, int batchSize, long seed);

  /**
   * Gradient descent driven by {@code step}: for each shuffled mini-batch, ∂L/∂W at the current weights,
   * then {@code step} produces the next weights (QAT, codebook fine-tuning). Loads weights into {@code net}.
   * Batches as in {@link #fineTune}.
   */
  ModelWeights descend(Network net, ModelWeights start, GradientStep step, TrainingSplit train, int epochs,
      int batchSize, long seed);

  /**
   * Importance statistics at weights {@code at} over the first {@code batches × batchSize} examples of
   * {@code data}, in file order (every trial of a sweep calibrates on the same examples). Loads {@code at}
   * into {@code net}.
   */
  Calibration calibrate(Network net, ModelWeights at, LabeledImages data, int batches, int batchSize);

  /** Decides the masks while fine-tuning. */
  @FunctionalInterface
  interface MaskSchedule {
    /**
     * Called before the first update (iteration 0) and after every update; returns the masks to enforce
     * from now on, or null to keep the current ones. {@code current} is the network being trained (read
     * its weights, or calibrate it); it must not be trained by the schedule.
     */
    Map<String, boolean[]> masksAt(long iteration, Network current);
  }

  /** Fine-tuned weights and the masks in force at the end. */
  record Tuned(ModelWeights weights, Map<String, boolean[]> masks) {}

  /** Progress of training. */
  @FunctionalInterface
  interface EpochListener {
    void epochDone(int epoch, double seconds);

    EpochListener NONE = (e, s) -> { };
  }
}
