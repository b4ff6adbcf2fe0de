package io.modelpress.model;

import io.modelpress.compress.Calibration;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.dl4j.Dl4jBackend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.TestData;
import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.data.LabeledImages;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.PruneSpec.Criterion;
import io.modelpress.spec.PruneSpec.Structure;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialEvaluator;
import io.modelpress.sweep.TrialResult;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Importance criteria, structured pruning with a rebuilt network, and trained quantizers, on real MNIST. */
class CompressionToolboxTest {

  static LabeledImages train;
  static LabeledImages test;
  static byte[] trained;

  @BeforeAll
  static void trainSmallModel() {
    train = TestData.mnistTrain(6000);
    test = TestData.mnistTest(1000);
    trained = TestData.trainedMlp();
  }

  static PruneSpec structured(double level, LayerSelector layers, Criterion c) {
    return new PruneSpec(PruneSpec.Scope.LAYER, level, layers, c, Structure.STRUCTURED, 4);
  }

  static void assertRebuiltEqualsMasked(Network model, PruneSpec spec, Calibration cal, LabeledImages data) {
    ModelWeights w = model.weights();
    StructuredPruner.Result r = StructuredPruner.prune(w, spec, cal);
    Network smaller = model.rebuilt(r.smaller());
    model.load(r.masked());
    float[] masked = model.outputs(model.inputs(data));
    float[] rebuilt = smaller.outputs(smaller.inputs(data));
    assertThat(rebuilt.length).isEqualTo(masked.length);
    for (int i = 0; i < masked.length; i++) {
      assertThat(rebuilt[i]).as("output %d", i).isCloseTo(masked[i], within(1e-5f));
    }
    assertThat(smaller.predict(smaller.inputs(data), 250)).isEqualTo(model.predict(model.inputs(data), 250));
    assertThat(smaller.numParams()).isEqualTo(r.smaller().params()).isLessThan(w.params());
    assertThat(smaller.weights().names()).isEqualTo(w.names());
  }

  @Test
  void structuredPruningOfDenseLayersRebuildsASmallerNetworkThatComputesTheMaskedOutputs() {
    Network m = Backends.dl4j().restore(trained);
    PruneSpec spec = structured(0.5, LayerSelector.ALL, Criterion.MAGNITUDE);
    StructuredPruner.Result r = StructuredPruner.prune(m.weights(), spec, null);
    // the output layer keeps its 10 classes; fc1 and fc2 lose exactly half of their neurons
    assertThat(r.smaller().layer("fc1").shape()).containsExactly(784, 32);
    assertThat(r.smaller().layer("fc2").shape()).containsExactly(32, 32);
    assertThat(r.smaller().layer("out").shape()).containsExactly(32, 10);
    assertThat(r.smaller().layer("fc2").bias()).hasSize(32);
    assertThat(r.smaller().macs()).isEqualTo(784 * 32 + 32 * 32 + 32 * 10);
    assertThat(r.removedFraction()).isEqualTo(0.5);
    assertRebuiltEqualsMasked(m, spec, null, test);
  }

  @Test
  void structuredPruningOfConvolutionFiltersFollowsTheFlattenIntoTheDenseLayer() {
    Network m = Dl4jBackend.INSTANCE.initialised("lenet5", 3);
    PruneSpec spec = structured(0.3, new LayerSelector(List.of(), "", List.of("conv", "dense"), List.of()),
        Criterion.MAGNITUDE);
    ModelWeights smaller = StructuredPruner.prune(m.weights(), spec, null).smaller();
    assertThat(smaller.layer("conv1").shape()).containsExactly(14, 1, 5, 5);
    assertThat(smaller.layer("conv2").shape()).containsExactly(35, 14, 5, 5);
    assertThat(smaller.layer("fc1").shape()).containsExactly(35 * 16, 350);
    assertRebuiltEqualsMasked(m, spec, null, test.head(200));
  }

  @Test
  void dataDrivenCriteriaComeFromCalibrationBatches() {
    Network m = Backends.dl4j().restore(trained);
    ModelWeights w = m.weights();
    Calibration c = Backends.dl4j().trainer().calibrate(m, w, train, 3, 128);
    assertThat(c.batches()).isEqualTo(3);
    float[] fc1 = w.layer("fc1").weights();
    float[] g = c.gradient().get("fc1");
    float[] t = c.taylor().get("fc1");
    int nonZeroGradients = 0;
    for (int i = 0; i < fc1.length; i++) {
      // w is fixed over the batches, so mean |w·g| = |w| · mean |g|
      assertThat(t[i]).isCloseTo(Math.abs(fc1[i]) * g[i], within(1e-6f + 1e-4f * t[i]));
      nonZeroGradients += g[i] > 0 ? 1 : 0;
    }
    assertThat(nonZeroGradients).isGreaterThan(fc1.length / 2); // border pixels are always 0: their weights get no gradient
    for (float z : c.zeroFraction().get("fc1")) {
      assertThat(z).isBetween(0f, 1f);
    }
    assertThat(c.meanActivation().get("out")).hasSize(10);
    // softmax outputs of 384 examples: the mean probability of each class is in (0, 1) and they sum to 1
    double sum = 0;
    for (float a : c.meanActivation().get("out")) {
      sum += a;
    }
    assertThat(sum).isCloseTo(1.0, within(1e-4));
    // every criterion gives a valid structured pruning whose rebuilt network equals the masked one
    for (Criterion crit : Criterion.values()) {
      assertRebuiltEqualsMasked(Backends.dl4j().restore(trained), structured(0.25, LayerSelector.named("fc2"), crit), c,
          test.head(300));
    }
  }

  @Test
  void gradientsAreOfTheBatchMeanLoss() {
    // 128 copies of one example and the example alone have the same mean loss, so the same gradient
    LabeledImages one = train.head(1);
    byte[] px = new byte[128 * 784];
    int[] labels = new int[128];
    for (int i = 0; i < 128; i++) {
      System.arraycopy(one.pixels(), 0, px, i * 784, 784);
      labels[i] = one.labels()[0];
    }
    LabeledImages copies = new LabeledImages(128, 28, 28, px, labels, new byte[32]);
    Network m = Backends.dl4j().restore(trained);
    float[] g1 = Backends.dl4j().trainer().calibrate(m, m.weights(), one, 1, 128).gradient().get("fc2");
    float[] g128 = Backends.dl4j().trainer().calibrate(m, m.weights(), copies, 1, 128).gradient().get("fc2");
    for (int i = 0; i < g1.length; i++) {
      assertThat(g128[i]).isCloseTo(g1[i], within(1e-6f + 1e-4f * g1[i]));
    }
  }

  @Test
  void taylorPruningKeepsMoreAccuracyThanGradientAtHighSparsity() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, train, new byte[32], 1000);
    double[] acc = new double[3];
    Criterion[] cs = {Criterion.MAGNITUDE, Criterion.TAYLOR, Criterion.GRADIENT};
    for (int i = 0; i < 3; i++) {
      PruneSpec p = new PruneSpec(PruneSpec.Scope.LAYER, 0.9, LayerSelector.named("fc1"), cs[i], Structure.UNSTRUCTURED, 8);
      TrialResult r = ev.evaluate(new PlannedTrial("p" + i, i, "b", 1, new TrialSpec(List.of(p))), "here");
      assertThat(r.isOk()).as(r.toString()).isTrue();
      Measurements x = r.measurements().orElseThrow();
      assertThat(x.size().prunedSparsity()).isEqualTo(Math.round(0.9 * 784 * 64) / (784.0 * 64));
      acc[i] = x.accuracy();
    }
    // |∂L/∂w| alone ignores the weight's size; magnitude and Taylor both keep large weights
    assertThat(acc[0]).isGreaterThan(acc[2]);
    assertThat(acc[1]).isGreaterThan(acc[2]);
    assertThat(acc[1]).isGreaterThan(0.8);
  }

  @Test
  void structuredTrialFineTunesTheSmallerNetworkAndReportsFewerMacs() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, train, new byte[32], 1000);
    TrialSpec spec = new TrialSpec(List.of(structured(0.5, LayerSelector.ALL, Criterion.APOZ),
        new FineTuneSpec(1, 1e-3, 64, FineTuneSpec.Schedule.ONE_SHOT, 1),
        new QuantSpec(8, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_CHANNEL, LayerSelector.ALL)));
    TrialResult r = ev.evaluate(new PlannedTrial("s", 1, "b", 2, spec), "here");
    assertThat(r.isOk()).as(r.toString()).isTrue();
    Measurements x = r.measurements().orElseThrow();
    assertThat(x.size().macs()).isEqualTo(784 * 32 + 32 * 32 + 32 * 10);
    assertThat(x.size().params()).isEqualTo(784 * 32 + 32 + 32 * 32 + 32 + 32 * 10 + 10);
    assertThat(x.size().prunedSparsity()).isEqualTo(0.5);
    assertThat(x.size().denseBytes()).isEqualTo(4 * x.size().params());
    // the ratio is against the original fp32 model, not the rebuilt smaller one
    assertThat(x.size().compressionRatio()).isEqualTo(4.0 * (784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10) / x.encodedBytes());
    assertThat(x.accuracy()).isBetween(0.85, 1.0);
    // the base evaluator's own network is untouched in shape
    assertThat(m.weights().layer("fc1").shape()).containsExactly(784, 64);
  }

  @Test
  void quantizationAwareTrainingKeepsTheMasksAndTheLevelsAndBeatsPostTrainingQuantization() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, train, new byte[32], 1000);
    PruneSpec prune = new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.ALL);
    QuantSpec ptq = new QuantSpec(2, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_CHANNEL, LayerSelector.ALL,
        QuantSpec.Algorithm.UNIFORM, 100, 0, 1e-4);
    QuantSpec qat = new QuantSpec(2, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_CHANNEL, LayerSelector.ALL,
        QuantSpec.Algorithm.UNIFORM, 100, 1, 1e-3);
    double before = ev.evaluate(new PlannedTrial("q0", 0, "b", 4, new TrialSpec(List.of(prune, ptq))), "here")
        .measurements().orElseThrow().accuracy();
    TrialSpec spec = new TrialSpec(List.of(prune, qat));
    TrialEvaluator.Compressed c = ev.compress(new PlannedTrial("q1", 1, "b", 4, spec));
    ModelWeights w = c.model().weights();
    for (LayerWeights l : w.layers()) {
      assertThat((long) l.nonZeros()).as(l.name()).isLessThanOrEqualTo(l.size() - Math.round(0.5 * l.size()));
      // 2-bit symmetric per channel: at most 3 levels {−s, 0, s} in every output channel
      int[] ch = l.channels();
      List<Set<Float>> levels = new java.util.ArrayList<>();
      for (int k = 0; k < l.outChannels(); k++) {
        levels.add(new HashSet<>());
      }
      for (int i = 0; i < l.size(); i++) {
        levels.get(ch[i]).add(l.weights()[i]);
      }
      levels.forEach(s -> assertThat(s.size()).isLessThanOrEqualTo(3));
      assertThat(c.model().coding(l.name())).isInstanceOf(ValueCoding.Uniform.class);
    }
    double after = ev.evaluate(new PlannedTrial("q1", 1, "b", 4, spec), "here").measurements().orElseThrow().accuracy();
    assertThat(after).isGreaterThan(before + 0.02);
  }

  @Test
  void codebookFineTuningMovesOnlyTheCentroidsAndKeepsTheZeros() {
    Network m = Backends.dl4j().restore(trained);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), m, m.weights(), test, train, new byte[32], 1000);
    PruneSpec prune = new PruneSpec(PruneSpec.Scope.GLOBAL, 0.8, LayerSelector.ALL);
    QuantSpec plain = new QuantSpec(2, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL,
        QuantSpec.Algorithm.KMEANS);
    QuantSpec tuned = new QuantSpec(2, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL,
        QuantSpec.Algorithm.KMEANS, 100, 1, 1e-3);
    TrialEvaluator.Compressed a = ev.compress(new PlannedTrial("k0", 0, "b", 6, new TrialSpec(List.of(prune, plain))));
    TrialEvaluator.Compressed b = ev.compress(new PlannedTrial("k1", 1, "b", 6, new TrialSpec(List.of(prune, tuned))));
    for (String n : List.of("fc1", "fc2", "out")) {
      ValueCoding.Codebook ca = (ValueCoding.Codebook) a.model().coding(n);
      ValueCoding.Codebook cb = (ValueCoding.Codebook) b.model().coding(n);
      assertThat(cb.codes()).isEqualTo(ca.codes()); // assignments stay
      assertThat(cb.codebook()[0]).isZero();
      assertThat(cb.codebook()).isNotEqualTo(ca.codebook()); // centroids moved
      Set<Float> distinct = new HashSet<>();
      for (float v : b.model().weights().layer(n).weights()) {
        distinct.add(v);
      }
      assertThat(distinct.size()).isLessThanOrEqualTo(4);
      assertThat(b.model().weights().layer(n).nonZeros()).isEqualTo(a.model().weights().layer(n).nonZeros());
    }
    double plainAcc = ev.evaluate(new PlannedTrial("k0", 0, "b", 6, new TrialSpec(List.of(prune, plain))), "here")
        .measurements().orElseThrow().accuracy();
    double tunedAcc = ev.evaluate(new PlannedTrial("k1", 1, "b", 6, new TrialSpec(List.of(prune, tuned))), "here")
        .measurements().orElseThrow().accuracy();
    assertThat(tunedAcc).isGreaterThan(plainAcc);
  }

  @Test
  void structuredPruningThatWouldEmptyALayerOrCutTheClassesIsRefused() {
    ModelWeights w = Backends.dl4j().restore(trained).weights();
    assertThatThrownBy(() -> StructuredPruner.layers(w, structured(0.995, LayerSelector.ALL, Criterion.MAGNITUDE)))
        .hasMessage("structured sparsity 0.995 would remove all 64 neurons of layer 'fc1'; use a lower sparsity");
    assertThatThrownBy(() -> StructuredPruner.layers(w, structured(0.5, LayerSelector.named("out"), Criterion.MAGNITUDE)))
        .hasMessageContaining("cannot remove outputs of the output layer 'out'");
    assertThatThrownBy(() -> new PruneSpec(PruneSpec.Scope.GLOBAL, 0.5, LayerSelector.ALL, Criterion.MAGNITUDE,
        Structure.STRUCTURED, 4)).hasMessageContaining("use scope layer or single-layer");
    assertThatThrownBy(() -> new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.ALL, Criterion.APOZ,
        Structure.UNSTRUCTURED, 4)).hasMessageContaining("scores neurons, not weights");
  }
}
