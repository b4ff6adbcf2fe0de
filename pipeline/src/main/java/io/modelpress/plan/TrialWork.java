package io.modelpress.plan;

import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.QuantSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How much work each trial is, in multiply-accumulates, so that a sweep's ETA follows the work left
 * rather than the trials left: a fine-tuned trial or a trained student costs tens to thousands of
 * evaluations, and students run largest first, so a count-based ETA is wrong in both directions.
 *
 * <p>The estimate counts the dense model: evaluating is one forward pass over the evaluation set;
 * training (fine-tuning, quantization-aware training, a student trained in its task) is
 * {@value #TRAIN_PASSES} passes per training example and epoch (forward, backward to the activations,
 * backward to the weights). A student trained in its task is charged in equal parts to the trials of its
 * group, which run in one task; a data-parallel student was trained before the sweep's stage and costs
 * nothing here. Calibration batches, sparsity and the latency stage are left out: they are small or
 * bounded per trial.
 */
public final class TrialWork {

  /** Multiply-accumulate passes of one training step per example, relative to a forward pass. */
  static final int TRAIN_PASSES = 3;

  private TrialWork() {}

  /**
   * Work of each trial of {@code trials} by {@link PlannedTrial#index()}, at least 1. {@code baseMacs}
   * is the base model's multiply-accumulates per example; {@code features} sizes the students.
   */
  public static Map<Integer, Long> of(List<PlannedTrial> trials, long baseMacs, int features, int evalExamples,
      int trainExamples) {
    Map<String, Integer> groupSizes = new HashMap<>();
    for (PlannedTrial t : trials) {
      String key = TrialGroups.studentKey(t);
      if (key != null) {
        groupSizes.merge(key, 1, Integer::sum);
      }
    }
    Map<Integer, Long> out = new HashMap<>();
    for (PlannedTrial t : trials) {
      DistillSpec d = t.spec().distill().orElse(null);
      long macs = d == null ? baseMacs : studentMacs(d, features);
      long work = (long) evalExamples * macs;
      int epochs = t.spec().fineTune().map(FineTuneSpec::epochs).orElse(0)
          + t.spec().quant().filter(QuantSpec::trains).map(QuantSpec::trainEpochs).orElse(0);
      work += (long) TRAIN_PASSES * trainExamples * epochs * macs;
      String key = TrialGroups.studentKey(t);
      if (key != null) {
        work += (long) TRAIN_PASSES * trainExamples * d.epochs() * macs / groupSizes.get(key);
      }
      out.put(t.index(), Math.max(1, work));
    }
    return out;
  }

  /** Multiply-accumulates per example of a student: inputs × hidden units, layer by layer, to the classes. */
  static long studentMacs(DistillSpec d, int features) {
    long macs = 0;
    int in = features;
    for (int h : d.hidden()) {
      macs += (long) in * h;
      in = h;
    }
    return macs + in * 10L; // MNIST-like datasets have 10 classes; this only orders and weighs students
  }
}
