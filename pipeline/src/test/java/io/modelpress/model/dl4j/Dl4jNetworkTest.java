package io.modelpress.model.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.model.ModelStore;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.TrainSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialEvaluator;
import io.modelpress.sweep.TrialResult;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Dl4jNetworkTest {

  static LabeledImages train;
  static LabeledImages test;
  static byte[] trained;

  @BeforeAll
  static void trainSmallModel() {
    train = TestData.mnistTrain(6000);
    test = TestData.mnistTest(1000);
    trained = TestData.trainedMlp();
  }

  @Test
  void zooShapesAndTrainingOnRealMnist() {
    Network m = Backends.dl4j().restore(trained);
    assertThat(m.inputSize()).isEqualTo(784);
    assertThat(m.outputSize()).isEqualTo(10);
    ModelWeights w = m.weights();
    assertThat(w.names()).containsExactly("fc1", "fc2", "out");
    assertThat(w.layer("fc1").shape()).containsExactly(784, 64);
    assertThat(w.layer("out").kind()).isEqualTo(LayerKind.OUTPUT);
    assertThat(w.params()).isEqualTo(m.numParams()).isEqualTo(784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10);
    double acc = ClassificationMetrics.of(test.labels(), m.predict(m.inputs(test), 256), 10).accuracy();
    assertThat(acc).isBetween(0.88, 1.0); // 2 epochs on 6,000 images
  }

  @Test
  void weightsLoadedBackGiveIdenticalPredictionsAndSavedBytesRestoreTheSameWeights() {
    Network a = Backends.dl4j().restore(trained);
    Network b = Backends.dl4j().restore(Backends.dl4j().restore(trained).save());
    b.load(a.weights());
    assertThat(b.predict(b.inputs(test), 1000)).isEqualTo(a.predict(a.inputs(test), 333));
    for (int l = 0; l < 3; l++) {
      assertThat(b.weights().layers().get(l).weights()).isEqualTo(a.weights().layers().get(l).weights());
    }
  }

  @Test
  void trainingWithTheSameSeedGivesTheSameBytesAndFingerprint() {
    LabeledImages small = train.head(1000);
    byte[] a = Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 100, 1e-3, 9), small, (e, s) -> { }).save();
    byte[] b = Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 100, 1e-3, 9), small, (e, s) -> { }).save();
    assertThat(ModelStore.hex(ModelStore.sha256(a))).isEqualTo(ModelStore.hex(ModelStore.sha256(b)));
    assertThat(Backends.dl4j().restore(a).save()).isEqualTo(a);
  }

  @Test
  void lenet5HasConvLayersWithOutputPositions() {
    Network m = Backends.dl4j().trainer().train("lenet5", new TrainSpec(1, 100, 1e-3, 1), train.head(200), (e, s) -> { });
    ModelWeights w = m.weights();
    assertThat(w.names()).containsExactly("conv1", "conv2", "fc1", "out");
    assertThat(w.layer("conv1").shape()).containsExactly(20, 1, 5, 5);
    assertThat(w.layer("conv1").positions()).isEqualTo(24 * 24);
    assertThat(w.layer("conv2").positions()).isEqualTo(8 * 8);
    assertThat(w.layer("fc1").shape()).containsExactly(4 * 4 * 50, 500);
    assertThat(m.inputSize()).isEqualTo(784);
  }

  @Test
  void evaluatorMeasuresAndKeepsPrunedWeightsAtZeroInTheNetwork() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, null, new byte[32], 1000);
    TrialResult baseTrial = ev.evaluate(new PlannedTrial("t0", 0, "base", 1, TrialSpec.BASE), "here");
    double base = baseTrial.measurements().orElseThrow().accuracy();
    TrialSpec spec = new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.LAYER, 0.8, LayerSelector.named("fc1"))));
    TrialResult r = ev.evaluate(new PlannedTrial("t1", 1, "b", 1, spec), "here");
    assertThat(r.isOk()).isTrue();
    assertThat(r.measurements().orElseThrow().accuracyDrop()).isNaN(); // set on the driver, from the base trial
    List<TrialResult> withDrops = TrialResult.withAccuracyDrops(List.of(baseTrial, r));
    assertThat(withDrops.get(0).measurements().orElseThrow().accuracyDrop()).isZero();
    Measurements x = withDrops.get(1).measurements().orElseThrow();
    assertThat(x.accuracyDrop()).isEqualTo(base - x.accuracy());
    assertThat(x.size().prunedSparsity()).isEqualTo(Math.round(0.8 * 784 * 64) / (784.0 * 64));
    assertThat(x.encodedBytes()).isLessThan(x.size().denseBytes());
    assertThat(m.weights().layer("fc1").nonZeros()).isEqualTo(784 * 64 - Math.round(0.8 * 784 * 64));
    assertThat(base).isBetween(0.88, 1.0);
    // the same trial twice gives identical metrics
    Measurements again = ev.evaluate(new PlannedTrial("t1", 1, "b", 1, spec), "here").measurements().orElseThrow();
    assertThat(again.accuracy()).isEqualTo(x.accuracy());
    assertThat(again.encodedBytes()).isEqualTo(x.encodedBytes());
  }

  @Test
  void fineTuningKeepsPrunedWeightsAtExactlyZeroAndRecoversAccuracy() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, train, new byte[32], 1000);
    PruneSpec prune = new PruneSpec(PruneSpec.Scope.GLOBAL, 0.95, LayerSelector.ALL);
    Measurements oneShot = ev.evaluate(new PlannedTrial("a", 1, "b", 3, new TrialSpec(List.of(prune))), "here")
        .measurements().orElseThrow();
    TrialSpec tuned = new TrialSpec(List.of(prune,
        new FineTuneSpec(1, 1e-3, 64, FineTuneSpec.Schedule.ONE_SHOT, 10)));
    TrialResult r = ev.evaluate(new PlannedTrial("b", 2, "b", 3, tuned), "here");
    assertThat(r.isOk()).as(r.toString()).isTrue();
    Measurements ft = r.measurements().orElseThrow();
    long weights = 784 * 64 + 64 * 64 + 64 * 10;
    long pruned = Math.round(0.95 * weights);
    // exactly the pruned weights are zero after training (the evaluated network holds them)
    ModelWeights after = m.weights();
    long zeros = 0;
    for (LayerWeights l : after.layers()) {
      for (float w : l.weights()) {
        if (Float.floatToRawIntBits(w) == 0) {
          zeros++;
        }
      }
    }
    assertThat(zeros).isGreaterThanOrEqualTo(pruned);
    assertThat(ft.size().prunedSparsity()).isEqualTo((double) pruned / weights);
    assertThat(ft.accuracy()).isGreaterThan(oneShot.accuracy() + 0.02);
    // same trial, same seed: same result
    Measurements again = ev.evaluate(new PlannedTrial("b", 2, "b", 3, tuned), "here").measurements().orElseThrow();
    assertThat(again.accuracy()).isEqualTo(ft.accuracy());
    assertThat(again.encodedBytes()).isEqualTo(ft.encodedBytes());
  }

  @Test
  void agpReachesTheTargetSparsityExactlyWhileTraining() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, train.head(3000), new byte[32], 1000);
    TrialSpec agp = new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.LAYER, 0.9, LayerSelector.named("fc1")),
        new FineTuneSpec(2, 1e-3, 64, FineTuneSpec.Schedule.AGP, 5)));
    TrialResult r = ev.evaluate(new PlannedTrial("c", 3, "b", 5, agp), "here");
    assertThat(r.isOk()).as(r.toString()).isTrue();
    assertThat(r.measurements().orElseThrow().size().prunedSparsity()).isEqualTo(Math.round(0.9 * 784 * 64) / (784.0 * 64));
    assertThat((long) m.weights().layer("fc1").nonZeros()).isLessThanOrEqualTo(784 * 64 - Math.round(0.9 * 784 * 64));
    assertThat(r.measurements().orElseThrow().accuracy()).isGreaterThan(0.8);
    // more pruning steps than three quarters of the iterations: still reaches the target
    TrialSpec many = new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.LAYER, 0.9, LayerSelector.named("fc1")),
        new FineTuneSpec(1, 1e-3, 256, FineTuneSpec.Schedule.AGP, 10_000)));
    TrialResult r2 = ev.evaluate(new PlannedTrial("d", 4, "b", 5, many), "here");
    assertThat(r2.measurements().orElseThrow().size().prunedSparsity()).isEqualTo(Math.round(0.9 * 784 * 64) / (784.0 * 64));
  }

  @Test
  void aThrowingTrialBecomesAFailedResult() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, null, new byte[32], 1000);
    TrialSpec spec = new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.named("nope"))));
    TrialResult r = ev.evaluate(new PlannedTrial("t2", 2, "b", 1, spec), "here");
    assertThat(r.isOk()).isFalse();
    assertThat(r.errorClass()).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(r.errorMessage()).contains("'nope'");
  }

  @Test
  void garbageIsNotAModel() {
    assertThatThrownBy(() -> Backends.dl4j().restore(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a DL4J MultiLayerNetwork model file");
  }

  @Test
  void inputSizeMismatchIsReported() {
    Network m = Backends.dl4j().restore(trained);
    LabeledImages small = new LabeledImages(1, 2, 2, new byte[4], new int[] {0}, new byte[32]);
    assertThatThrownBy(() -> m.inputs(small))
        .hasMessage("model input size 784 does not match the dataset's 4 features per example");
  }

  @Test
  void theZooIsBuiltForTheDataShapeAndClassesAndSaysWhenLeNet5CannotTakeIt() {
    Network rgb = Dl4jBackend.INSTANCE.initialised("lenet5", 1, 3, 32, 32, 7);
    assertThat(rgb.inputSize()).isEqualTo(3 * 32 * 32);
    assertThat(rgb.outputSize()).isEqualTo(7);
    // conv1 reads three channels: 20 filters of 3 × 5 × 5; fc1 reads 50 maps of ((32 − 4) / 2 − 4) / 2 = 5 × 5
    assertThat(rgb.weights().layers().get(0).weights()).hasSize(20 * 3 * 5 * 5);
    assertThat(rgb.weights().layers().get(2).weights()).hasSize(50 * 5 * 5 * 500);
    assertThat(rgb.architecture().channels()).isEqualTo(3);
    Network mlp = Dl4jBackend.INSTANCE.initialised("mlp-64-64", 1, 3, 8, 8, 4);
    assertThat(mlp.inputSize()).isEqualTo(192);
    assertThat(mlp.outputSize()).isEqualTo(4);
    assertThat(Dl4jBackend.INSTANCE.initialised("lenet5", 1, 1, 16, 16, 10).outputSize()).isEqualTo(10);
    assertThatThrownBy(() -> Dl4jBackend.INSTANCE.initialised("lenet5", 1, 1, 16, 15, 10))
        .hasMessage("'model.zoo' lenet5 needs images of at least 16×16 (two 5×5 convolutions and 2×2 poolings) but the "
            + "dataset's are 16×15; use an MLP (mlp-64-64, lenet-300-100) or larger images (dataset.resize)");
  }
}
