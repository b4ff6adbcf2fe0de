package io.modelpress.sweep;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.data.LabeledImages;
import io.modelpress.encode.ArtifactEncoder;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.measure.ModelSize;
import io.modelpress.model.Dl4jModel;
import io.modelpress.model.ModelWeights;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.compress.prune.AgpSchedule;
import io.modelpress.compress.prune.MagnitudePruner;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.TrialSpec;
import java.util.Map;

/**
 * Runs trials against one restored model: compress the base weights, load them into the network,
 * predict the evaluation set, encode the artifact, measure. One instance per thread (it owns a network).
 * A trial that throws becomes a failed {@link TrialResult}; it never fails the caller.
 */
public final class TrialEvaluator {

  private final Dl4jModel model;
  private final ModelWeights base;
  private final Dl4jModel.Inputs inputs;
  private final int[] labels;
  private final int classes;
  private final byte[] fingerprint;
  private final int batch;
  private final LabeledImages train; // null: trials that fine-tune fail with a clear message
  private volatile boolean sawError;

  /**
   * @param train the training split for trials that fine-tune (null when no trial does)
   * @param fingerprint SHA-256 of the original model file, recorded in every artifact
   */
  public TrialEvaluator(Dl4jModel model, ModelWeights base, LabeledImages eval, LabeledImages train,
      byte[] fingerprint, int batch) {
    this.train = train;
    this.model = model;
    this.base = base;
    this.inputs = model.inputs(eval);
    this.labels = eval.labels();
    this.classes = model.outputSize();
    this.fingerprint = fingerprint;
    this.batch = batch;
  }

  public TrialResult evaluate(PlannedTrial trial, String executor) {
    try {
      return TrialResult.ok(trial, measure(trial), executor);
    } catch (RuntimeException e) {
      return TrialResult.failed(trial, e, executor);
    } catch (OutOfMemoryError | StackOverflowError e) {
      sawError = true;
      return TrialResult.failed(trial, e, executor);
    }
  }

  /** Whether a trial ended in a JVM error; such an evaluator is not reused. */
  public boolean sawError() {
    return sawError;
  }


  /** Prune (one-shot, or gradually along AGP), fine-tune with the masks enforced, then quantize. */
  private CompressedModel compressWithFineTuning(TrialSpec spec, long seed) {
    FineTuneSpec ft = spec.fineTune().orElseThrow();
    if (train == null) {
      throw new IllegalArgumentException("trial fine-tunes but the sweep was given no training data");
    }
    PruneSpec p = spec.prune().orElse(null);
    ModelWeights start = base;
    Dl4jModel.MaskSchedule schedule;
    if (p == null) {
      schedule = (t, current) -> t == 0 ? Map.of() : null;
    } else if (ft.schedule() == FineTuneSpec.Schedule.ONE_SHOT) {
      TrialCompressor.Pruned pruned = TrialCompressor.prune(base, p);
      start = pruned.weights();
      schedule = (t, current) -> t == 0 ? pruned.masks() : null;
    } else {
      if (p.scope() == PruneSpec.Scope.THRESHOLD) {
        throw new IllegalArgumentException("the agp schedule ramps a sparsity; use prune scope layer or global, not threshold");
      }
      long iterations = (long) ft.epochs() * ((train.count() + ft.batchSize() - 1) / ft.batchSize());
      // n steps Δt apart must end within the first three quarters of training, or the target is never reached
      int steps = (int) Math.max(1, Math.min(ft.pruneSteps(), 3 * iterations / 4));
      long interval = Math.max(1, (3 * iterations / 4) / steps);
      AgpSchedule agp = new AgpSchedule(0.0, p.level(), 0, interval, steps);
      schedule = (t, current) -> agp.prunesAt(t)
          ? MagnitudePruner.masks(current.get(), new PruneSpec(p.scope(), agp.sparsityAt(t), p.layers())) : null;
    }
    Dl4jModel.Tuned tuned = model.fineTune(start, schedule, train, ft.epochs(), ft.learningRate(), ft.batchSize(), seed);
    double sparsity = p == null ? Double.NaN : TrialCompressor.sparsity(tuned.masks());
    return TrialCompressor.quantize(tuned.weights(), spec.quant(), sparsity);
  }

  private Measurements measure(PlannedTrial trial) {
    long t0 = System.nanoTime();
    CompressedModel c = trial.spec().fineTune().isPresent()
        ? compressWithFineTuning(trial.spec(), trial.seed()) : TrialCompressor.apply(base, trial.spec());
    long t1 = System.nanoTime();
    model.load(c.weights());
    ClassificationMetrics m = ClassificationMetrics.of(labels, model.predict(inputs, batch), classes);
    long t2 = System.nanoTime();
    byte[] artifact = ArtifactEncoder.encode(c, fingerprint);
    long t3 = System.nanoTime();
    ModelSize size = ModelSize.of(c.weights());
    long weights = 0;
    long zeros = 0;
    for (var l : c.weights().layers()) {
      weights += l.size();
      zeros += l.size() - l.nonZeros();
    }
    return new Measurements(
        // accuracy_drop is NaN here: the driver sets it from the base trial (TrialResult.withAccuracyDrops)
        m.accuracy(), Double.NaN, m.macroPrecision(), m.macroRecall(), m.macroF1(), m.examples(),
        size.params(), size.nonZeroParams(), (double) zeros / weights, c.prunedSparsity(),
        size.denseBytes(), artifact.length, (double) size.denseBytes() / artifact.length,
        size.macs(), size.effectiveMacs(), io.modelpress.measure.EnergyModel.microjoulesPerInference(c, artifact.length),
        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
  }
}
