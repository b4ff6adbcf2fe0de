package io.modelpress.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.TestData;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.runtime.CompiledModel;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pure-Java runtime against DL4J on the same (dequantized) weights, on real MNIST. */
class RuntimeAgreementTest {

  static LabeledImages test;
  static byte[] trained;

  @BeforeAll
  static void trainSmallModel() {
    test = TestData.mnistTest(1000);
    trained = TestData.trainedMlp();
  }

  /** Max |runtime − DL4J| over all outputs, and the accuracies of both. */
  static double[] compare(Dl4jModel net, CompressedModel c, CompiledModel.Mode mode) {
    net.load(c.weights());
    float[] ref = net.outputs(net.inputs(test), 250);
    CompiledModel rt = CompiledModel.compile(c, net.architecture(), mode);
    float[] x = test.features(0, test.count());
    float[] got = rt.forward(x, test.count());
    double maxDiff = 0;
    for (int i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
    }
    double accRef = ClassificationMetrics.of(test.labels(), net.predict(net.inputs(test), 250), 10).accuracy();
    double accRt = ClassificationMetrics.of(test.labels(), rt.predict(x, test.count(), 1), 10).accuracy();
    return new double[] {maxDiff, accRef, accRt};
  }

  @Test
  void fp32KernelsComputeWhatDl4jComputes() {
    Dl4jModel net = Dl4jModel.restore(trained);
    assertThat(net.activations()).containsExactly("relu", "relu", "softmax");
    ModelWeights base = net.weights();
    // dense
    double[] d = compare(net, new CompressedModel(base, java.util.Map.of(), Double.NaN), CompiledModel.Mode.DENSE);
    assertThat(d[0]).isLessThan(1e-5);
    assertThat(d[2]).isEqualTo(d[1]);
    // 90 % sparse as CSR
    CompressedModel sparse = TrialCompressor.apply(base,
        new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.LAYER, 0.9, LayerSelector.ALL))));
    assertThat(CompiledModel.compile(sparse, net.architecture(), CompiledModel.Mode.AUTO).kinds())
        .isEqualTo("csr-fp32,csr-fp32,csr-fp32");
    double[] s = compare(net, sparse, CompiledModel.Mode.AUTO);
    assertThat(s[0]).isLessThan(1e-5);
    assertThat(s[2]).isEqualTo(s[1]);
    // k-means codebooks
    CompressedModel km = TrialCompressor.apply(base, new TrialSpec(List.of(new QuantSpec(4, QuantSpec.Scheme.SYMMETRIC,
        QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL, QuantSpec.Algorithm.KMEANS))));
    assertThat(CompiledModel.compile(km, net.architecture(), CompiledModel.Mode.AUTO).kinds())
        .isEqualTo("codebook,codebook,codebook");
    double[] k = compare(net, km, CompiledModel.Mode.AUTO);
    assertThat(k[0]).isLessThan(1e-5);
    assertThat(k[2]).isEqualTo(k[1]);
  }

  @Test
  void structuredPrunedModelsRunAtTheirSmallerSize() {
    Dl4jModel net = Dl4jModel.restore(trained);
    StructuredPruner.Result r = StructuredPruner.prune(net.weights(), new PruneSpec(PruneSpec.Scope.LAYER, 0.5,
        LayerSelector.ALL, PruneSpec.Criterion.MAGNITUDE, PruneSpec.Structure.STRUCTURED, 4), null);
    Dl4jModel smaller = net.rebuilt(r.smaller());
    double[] d = compare(smaller, new CompressedModel(r.smaller(), java.util.Map.of(), 0.5), CompiledModel.Mode.DENSE);
    assertThat(d[0]).isLessThan(1e-5);
    assertThat(d[2]).isEqualTo(d[1]);
  }

  @Test
  void int8KernelsStayWithinOnePointOfFp32() {
    Dl4jModel net = Dl4jModel.restore(trained);
    double[] q = compare(net, new CompressedModel(net.weights(), java.util.Map.of(), Double.NaN), CompiledModel.Mode.INT8);
    // 8-bit weights per channel and 8-bit activations per row: probabilities within 0.05, accuracy within 1 point
    assertThat(q[0]).isLessThan(0.05);
    assertThat(q[2]).isCloseTo(q[1], within(0.01));
  }

  @Test
  void convolutionLayersAreRefusedWithAClearMessage() {
    Dl4jModel lenet5 = Dl4jModel.initialised("lenet5", 1);
    assertThatThrownBy(() -> CompiledModel.compile(new CompressedModel(lenet5.weights(), java.util.Map.of(), Double.NaN),
        lenet5.architecture(), CompiledModel.Mode.DENSE))
        .hasMessage("the model has conv layers; the runtime executes dense and output layers only");
  }
}
