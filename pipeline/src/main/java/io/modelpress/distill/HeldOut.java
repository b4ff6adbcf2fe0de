package io.modelpress.distill;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.spec.DistillSpec;
import java.util.Arrays;

/**
 * A student's training split without its validation examples: the first {@code count − validation}
 * training examples and their rows of the teacher's logits. The held-out examples (the last
 * {@code validation}) are what {@link #validation} returns; T and α are chosen on them, never on the test split.
 */
public record HeldOut(TrainingSplit fit, float[] fitLogits) {

  /** The part of {@code train} (and its logits, row-major [examples × classes]) that {@code d} trains on. */
  public static HeldOut of(DistillSpec d, TrainingSplit train, float[] teacherLogits, int classes) {
    int n = d.trainingExamples(Math.toIntExact(train.count()));
    if (n == train.count()) {
      return new HeldOut(train, teacherLogits);
    }
    return new HeldOut(train.first(n), Arrays.copyOf(teacherLogits, n * classes));
  }

  /** The last {@code d.validation()} examples of {@code train} (null when it holds none out), in memory. */
  public static LabeledImages validation(DistillSpec d, TrainingSplit train) {
    int n = d.trainingExamples(Math.toIntExact(train.count()));
    return n == train.count() ? null : train.slice(n, train.count());
  }
}
