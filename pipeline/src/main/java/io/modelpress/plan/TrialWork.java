package io.modelpress.plan;

import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.QuantSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How much work each trial is, as the time it is expected to take (nanoseconds on the development
 * machine; only ratios matter), so that a sweep's ETA follows the work left rather than the trials left:
 * a fine-tuned trial or a trained student costs tens to thousands of evaluations, and students run
 * largest first, so a count-based ETA is wrong in both directions.
 *
 * <p>Time is linear in the dense model's multiply-accumulates per example plus a fixed cost per example
 * (copies, activations, the updater's per-batch work spread over the batch): small models are dominated by
 * the fixed cost, so weighing by MACs alone undercounted the small students and, a third of the way through
 * the MNIST distillation sweep, said 1h50m with 52 minutes left. The four constants were fitted to the 151 trials of {@code bin/modelpress
 * distill --config conf/distill/mnist.yaml} (run distill-mnist-2, one core per task): one training example
 * and epoch of a 784-32-10, 784-300-100-10 and 784-800-800-10 student took 27, 85 and 330 µs, one evaluated
 * example 2.4, 12 and 67 µs (1200-1200 teacher: 134 µs). Training (fine-tuning, quantization-aware training,
 * a student trained in its task) costs {@link #trainNanos} per training example and epoch; evaluating
 * costs {@link #evalNanos} per evaluated example. A student trained in its task is charged in equal parts
 * to the trials of its group, which run in one task; a data-parallel student was trained before the
 * sweep's stage and costs nothing here. Calibration batches, sparsity and the latency stage are left out:
 * they are small or bounded per trial.
 */
public final class TrialWork {

  /** Fixed cost of one training example and epoch, and the cost per multiply-accumulate of its forward pass. */
  static final double TRAIN_NS_PER_EXAMPLE = 21_000;
  static final double TRAIN_NS_PER_MAC = 0.242; // forward, backward to the activations, backward to the weights

  /** Fixed cost of one evaluated example, and the cost per multiply-accumulate of its forward pass. */
  static final double EVAL_NS_PER_EXAMPLE = 1_100;
  static final double EVAL_NS_PER_MAC = 0.049;

  private TrialWork() {}

  /**
   * Work of each trial of {@code trials} by {@link PlannedTrial#index()}, at least 1. {@code baseMacs}
   * is the base model's multiply-accumulates per example; {@code features} sizes the students.
   */
  public static Map<Integer, Long> of(List<PlannedTrial> trials, long baseMacs, int features, int evalExamples,
      long trainExamples) {
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
      double work = evalNanos(evalExamples, macs);
      int epochs = t.spec().fineTune().map(FineTuneSpec::epochs).orElse(0)
          + t.spec().quant().filter(QuantSpec::trains).map(QuantSpec::trainEpochs).orElse(0);
      work += trainNanos(trainExamples * epochs, macs);
      String key = TrialGroups.studentKey(t);
      if (key != null) {
        work += trainNanos(trainExamples * d.epochs(), macs) / groupSizes.get(key);
      }
      out.put(t.index(), Math.max(1, Math.round(work)));
    }
    return out;
  }

  /** Expected nanoseconds of {@code exampleEpochs} training steps of one example each, {@code macs} per forward pass. */
  static double trainNanos(long exampleEpochs, long macs) {
    return exampleEpochs * (TRAIN_NS_PER_EXAMPLE + TRAIN_NS_PER_MAC * macs);
  }

  /** Expected nanoseconds of evaluating {@code examples} examples, {@code macs} per forward pass. */
  static double evalNanos(long examples, long macs) {
    return examples * (EVAL_NS_PER_EXAMPLE + EVAL_NS_PER_MAC * macs);
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
