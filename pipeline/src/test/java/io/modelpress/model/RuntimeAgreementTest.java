package io.modelpress.model;

import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.dl4j.Dl4jBackend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.TestData;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.runtime.Architecture;
import io.modelpress.runtime.CompiledModel;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The pure-Java runtime against DL4J on the same (dequantized) weights, on real MNIST: a trained mlp and
 * a trained lenet5 in every kernel mode, DL4J's convolution and pooling geometry, and a naive convolution.
 */
class RuntimeAgreementTest {

  static LabeledImages test;
  static byte[] trained;

  @BeforeAll
  static void trainSmallModel() {
    test = TestData.mnistTest(1000);
    trained = TestData.trainedMlp();
  }

  /** Max |runtime − DL4J| over all outputs, and the accuracies of both. */
  static double[] compare(Network net, CompressedModel c, CompiledModel.Mode mode) {
    net.load(c.weights());
    float[] ref = net.outputs(net.inputs(test), 250);
    CompiledModel rt = CompiledModel.compile(c, net.architecture(), mode);
    float[] x = test.features(0, test.count());
    float[] got = rt.forward(x, test.count());
    double maxDiff = 0;
    for (int i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
    }
    // DL4J's top-1 from the outputs above (Network.predict is their argmax; a second pass costs seconds on lenet5)
    int[] top = new int[test.count()];
    for (int r = 0; r < top.length; r++) {
      for (int j = 1; j < 10; j++) {
        top[r] = ref[r * 10 + j] > ref[r * 10 + top[r]] ? j : top[r];
      }
    }
    double accRef = ClassificationMetrics.of(test.labels(), top, 10).accuracy();
    double accRt = ClassificationMetrics.of(test.labels(), rt.predict(x, test.count(), 1), 10).accuracy();
    return new double[] {maxDiff, accRef, accRt};
  }

  @Test
  void fp32KernelsComputeWhatDl4jComputes() {
    Network net = Backends.dl4j().restore(trained);
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
    Network net = Backends.dl4j().restore(trained);
    StructuredPruner.Result r = StructuredPruner.prune(net.weights(), new PruneSpec(PruneSpec.Scope.LAYER, 0.5,
        LayerSelector.ALL, PruneSpec.Criterion.MAGNITUDE, PruneSpec.Structure.STRUCTURED, 4), null);
    Network smaller = net.rebuilt(r.smaller());
    double[] d = compare(smaller, new CompressedModel(r.smaller(), java.util.Map.of(), 0.5), CompiledModel.Mode.DENSE);
    assertThat(d[0]).isLessThan(1e-5);
    assertThat(d[2]).isEqualTo(d[1]);
  }

  @Test
  void int8KernelsStayWithinOnePointOfFp32() {
    Network net = Backends.dl4j().restore(trained);
    double[] q = compare(net, new CompressedModel(net.weights(), java.util.Map.of(), Double.NaN), CompiledModel.Mode.INT8);
    // 8-bit weights per channel and 8-bit activations per row: probabilities within 0.05, accuracy within 1 point
    assertThat(q[0]).isLessThan(0.05);
    assertThat(q[2]).isCloseTo(q[1], within(0.01));
  }

  /** Runtime against DL4J on lenet5: fp32 kernels within this of DL4J's probabilities, with equal top-1 accuracy. */
  static final double CONV_TOLERANCE = 1e-4;

  static Network lenet5() {
    return Backends.dl4j().restore(TestData.trainedLenet5());
  }

  static String kinds(Network net, CompressedModel c, CompiledModel.Mode mode) {
    return CompiledModel.compile(c, net.architecture(), mode).kinds();
  }

  @Test
  void lenet5KernelsComputeWhatDl4jComputes() {
    Network net = lenet5();
    assertThat(net.architecture()).isEqualTo(new Architecture(1, 28, 28, List.of(
        new Architecture.Conv("identity", 1, 1, 0, 0, false),
        new Architecture.Pool(true, 2, 2, 2, 2, 0, 0, false, false),
        new Architecture.Conv("identity", 1, 1, 0, 0, false),
        new Architecture.Pool(true, 2, 2, 2, 2, 0, 0, false, false),
        new Architecture.Dense("relu"), new Architecture.Dense("softmax"))));
    ModelWeights base = net.weights();
    CompressedModel fp32 = new CompressedModel(base, java.util.Map.of(), Double.NaN);
    assertThat(kinds(net, fp32, CompiledModel.Mode.DENSE))
        .isEqualTo("conv-dense-fp32,conv-dense-fp32,dense-fp32,dense-fp32");
    double[] d = compare(net, fp32, CompiledModel.Mode.DENSE);
    assertThat(d[0]).isLessThan(CONV_TOLERANCE);
    assertThat(d[1]).isGreaterThan(0.8);
    assertThat(d[2]).isEqualTo(d[1]);
    // 90 % global magnitude pruning, as CSR
    CompressedModel sparse = TrialCompressor.apply(base,
        new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9, LayerSelector.ALL))));
    assertThat(sparse.prunedSparsity()).isCloseTo(0.9, within(1e-3));
    assertThat(kinds(net, sparse, CompiledModel.Mode.CSR)).isEqualTo("conv-csr-fp32,conv-csr-fp32,csr-fp32,csr-fp32");
    double[] s = compare(net, sparse, CompiledModel.Mode.CSR);
    assertThat(s[0]).isLessThan(CONV_TOLERANCE);
    assertThat(s[2]).isEqualTo(s[1]);
    // 4-bit k-means codebooks, as AUTO executes them
    CompressedModel km = TrialCompressor.apply(base, new TrialSpec(List.of(new QuantSpec(4, QuantSpec.Scheme.SYMMETRIC,
        QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL, QuantSpec.Algorithm.KMEANS))));
    assertThat(kinds(net, km, CompiledModel.Mode.AUTO)).isEqualTo("conv-codebook,conv-codebook,codebook,codebook");
    double[] k = compare(net, km, CompiledModel.Mode.AUTO);
    assertThat(k[0]).isLessThan(CONV_TOLERANCE);
    assertThat(k[2]).isEqualTo(k[1]);
  }

  @Test
  void structuredPrunedLenet5RunsAtItsSmallerSize() {
    Network net = lenet5();
    StructuredPruner.Result r = StructuredPruner.prune(net.weights(), new PruneSpec(PruneSpec.Scope.LAYER, 0.5,
        new LayerSelector(List.of("conv1", "conv2", "fc1"), "", List.of(), List.of()), PruneSpec.Criterion.MAGNITUDE,
        PruneSpec.Structure.STRUCTURED, 4), null);
    // half the filters, the matching input channels of conv2, and 4×4 flattened inputs of fc1 per removed filter
    assertThat(r.smaller().layers().stream().map(l -> java.util.Arrays.toString(l.shape())).toList())
        .containsExactly("[10, 1, 5, 5]", "[25, 10, 5, 5]", "[400, 250]", "[250, 10]");
    Network smaller = net.rebuilt(r.smaller());
    double[] d = compare(smaller, new CompressedModel(r.smaller(), java.util.Map.of(), 0.5), CompiledModel.Mode.DENSE);
    assertThat(d[0]).isLessThan(CONV_TOLERANCE);
    assertThat(d[2]).isEqualTo(d[1]);
  }

  @Test
  void lenet5Int8StaysWithinOnePointOfFp32() {
    Network net = lenet5();
    CompressedModel fp32 = new CompressedModel(net.weights(), java.util.Map.of(), Double.NaN);
    assertThat(kinds(net, fp32, CompiledModel.Mode.INT8)).isEqualTo("conv-int8,conv-int8,int8,int8");
    double[] q = compare(net, fp32, CompiledModel.Mode.INT8);
    // 8-bit weights per channel and 8-bit activations per example: probabilities within 0.05, accuracy within 1 point
    assertThat(q[0]).isLessThan(0.05);
    assertThat(q[2]).isCloseTo(q[1], within(0.01));
  }

  /** Same-mode convolutions with odd padding, strides 2 and 3, and padded max and average pooling, against DL4J. */
  @Test
  void convolutionAndPoolingGeometryMatchesDl4j() throws Exception {
    Network countsPadding = geometryNet(true);
    Network skipsPadding = geometryNet(false);
    for (Network net : List.of(countsPadding, skipsPadding)) {
      double[] d = compare(net, new CompressedModel(net.weights(), java.util.Map.of(), Double.NaN),
          CompiledModel.Mode.DENSE);
      assertThat(d[0]).isLessThan(1e-5);
    }
    // the two average-pooling divisors give different outputs, so the comparison above tells them apart
    float[] a = countsPadding.outputs(countsPadding.inputs(test));
    float[] b = skipsPadding.outputs(skipsPadding.inputs(test));
    double maxDiff = 0;
    for (int i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    assertThat(maxDiff).isGreaterThan(1e-3);
  }

  /**
   * 28×28 → conv 3×3 stride 2 Same (14×14, padding 0 top, 1 bottom) → avg-pool 3×3 stride 2 padding 1
   * (7×7) → conv 4×4 stride 3 Same (3×3, padding 1 top, 2 bottom) → max-pool 2×2 stride 1 Same → avg-pool
   * 3×3 stride 2 Same (2×2) → dense 7 → softmax 10; the same random weights whatever the divisor.
   */
  static Network geometryNet(boolean avgPoolIncludePadInDivisor) throws java.io.IOException {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).stride(2, 2).convolutionMode(ConvolutionMode.Same)
            .activation(Activation.TANH).build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
            .padding(1, 1).avgPoolIncludePadInDivisor(avgPoolIncludePadInDivisor).build())
        .layer(new ConvolutionLayer.Builder(4, 4).nOut(5).stride(3, 3).convolutionMode(ConvolutionMode.Same)
            .activation(Activation.RELU).build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(1, 1)
            .convolutionMode(ConvolutionMode.Same).build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
            .convolutionMode(ConvolutionMode.Same).avgPoolIncludePadInDivisor(avgPoolIncludePadInDivisor).build())
        .layer(new DenseLayer.Builder().nOut(7).activation(Activation.SIGMOID).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)
            .build())
        .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
    return saved(conf);
  }

  static Network saved(MultiLayerConfiguration conf) throws java.io.IOException {
    MultiLayerNetwork n = new MultiLayerNetwork(conf);
    n.init();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ModelSerializer.writeModel(n, out, false);
    return Backends.dl4j().restore(out.toByteArray());
  }

  /**
   * One convolution, 3 input channels of 9×8, 2 filters of 4×3, stride 2, Same (5×4 out; padding 1 top,
   * 2 bottom, 0 left, 1 right), every kernel against a naive reference written from DL4J's definition.
   */
  @Test
  void stridedSameConvolutionMatchesANaiveReference() {
    int inC = 3;
    int inH = 9;
    int inW = 8;
    int outC = 2;
    int kH = 4;
    int kW = 3;
    java.util.Random rnd = new java.util.Random(11);
    float[] x = new float[2 * inC * inH * inW]; // two rows
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    // a codebook of 8 levels, entry 0 the exact zero; half the weights are 0, so AUTO runs CSR on the plain copy
    float[] levels = {0f, -0.5f, -0.3f, -0.1f, 0.1f, 0.2f, 0.4f, 0.6f};
    int[] codes = new int[outC * inC * kH * kW];
    float[] f = new float[codes.length];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = i % 2 == 0 ? 0 : 1 + rnd.nextInt(7);
      f[i] = levels[codes[i]];
    }
    LayerWeights conv = new LayerWeights("conv", LayerKind.CONV, new int[] {outC, inC, kH, kW}, 0, 20, f,
        new float[] {0.25f, -1f});
    Architecture arch = new Architecture(inC, inH, inW, List.of(new Architecture.Conv("identity", 2, 2, 0, 0, true)));
    float[] expected = naiveConvolution(x, 2, conv, inH, inW, 2, 5, 4);
    CompressedModel plain = new CompressedModel(new ModelWeights(List.of(conv)), java.util.Map.of(), 0.5);
    CompressedModel coded = new CompressedModel(new ModelWeights(List.of(conv)),
        java.util.Map.of("conv", new ValueCoding.Codebook(3, levels, codes)), Double.NaN);
    for (CompiledModel rt : List.of(CompiledModel.compile(plain, arch, CompiledModel.Mode.DENSE),
        CompiledModel.compile(plain, arch, CompiledModel.Mode.AUTO),
        CompiledModel.compile(coded, arch, CompiledModel.Mode.DENSE),
        CompiledModel.compile(coded, arch, CompiledModel.Mode.CSR))) {
      assertThat(rt.inputs()).isEqualTo(inC * inH * inW);
      assertThat(rt.outputs()).isEqualTo(outC * 5 * 4);
      assertThat(rt.forward(x, 2)).containsExactly(expected, within(1e-5f));
    }
    assertThat(CompiledModel.compile(plain, arch, CompiledModel.Mode.AUTO).kinds()).isEqualTo("conv-csr-fp32");
    // codes with ≥ 50 % zeros still run as CSR; without zeros the codebook kernel runs
    float[] dense = f.clone();
    int[] denseCodes = codes.clone();
    for (int i = 0; i < codes.length; i += 2) {
      denseCodes[i] = 4;
      dense[i] = levels[4];
    }
    LayerWeights denseConv = conv.withWeights(dense);
    CompiledModel cb = CompiledModel.compile(new CompressedModel(new ModelWeights(List.of(denseConv)),
        java.util.Map.of("conv", new ValueCoding.Codebook(3, levels, denseCodes)), Double.NaN), arch,
        CompiledModel.Mode.AUTO);
    assertThat(cb.kinds()).isEqualTo("conv-codebook");
    assertThat(cb.forward(x, 2)).containsExactly(naiveConvolution(x, 2, denseConv, inH, inW, 2, 5, 4), within(1e-5f));
    // int8: 8-bit weights and activations, within 3 % of the largest output (the error is ≈ 1 %)
    CompiledModel q = CompiledModel.compile(plain, arch, CompiledModel.Mode.INT8);
    assertThat(q.kinds()).isEqualTo("conv-int8");
    float[] got = q.forward(x, 2);
    float max = 0;
    for (float e : expected) {
      max = Math.max(max, Math.abs(e));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat(got[i]).isCloseTo(expected[i], within(0.03f * max));
    }
  }

  /**
   * {@code y[oc, oy, ox] = b[oc] + Σ W[oc, ic, ky, kx] · x[ic, oy·s + ky − top, ox·s + kx − left]}, zero
   * outside the image, with DL4J's Same padding: total (out − 1)·s + k − in, top (left) its floor half.
   */
  static float[] naiveConvolution(float[] x, int rows, LayerWeights l, int inH, int inW, int s, int outH, int outW) {
    int[] sh = l.shape();
    int top = ((outH - 1) * s + sh[2] - inH) / 2;
    int left = ((outW - 1) * s + sh[3] - inW) / 2;
    float[] y = new float[rows * sh[0] * outH * outW];
    int o = 0;
    for (int r = 0; r < rows; r++) {
      for (int oc = 0; oc < sh[0]; oc++) {
        for (int oy = 0; oy < outH; oy++) {
          for (int ox = 0; ox < outW; ox++) {
            double sum = l.bias()[oc];
            for (int ic = 0; ic < sh[1]; ic++) {
              for (int ky = 0; ky < sh[2]; ky++) {
                for (int kx = 0; kx < sh[3]; kx++) {
                  int iy = oy * s + ky - top;
                  int ix = ox * s + kx - left;
                  if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                    sum += l.weights()[((oc * sh[1] + ic) * sh[2] + ky) * sh[3] + kx]
                        * x[((r * sh[1] + ic) * inH + iy) * inW + ix];
                  }
                }
              }
            }
            y[o++] = (float) sum;
          }
        }
      }
    }
    return y;
  }

  @Test
  void unsupportedLayersAndMismatchedWeightsGetOneLineMessages() throws Exception {
    Network pnorm = saved(new NeuralNetConfiguration.Builder().list()
        .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(4).build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.PNORM).name("pool1").pnorm(2).kernelSize(2, 2)
            .stride(2, 2).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10)
            .activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
    assertThatThrownBy(pnorm::architecture)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("layer 'pool1' pools with PNORM; the runtime executes max and average pooling only");
    Network dilated = saved(new NeuralNetConfiguration.Builder().list()
        .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(4).dilation(2, 2).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(10)
            .activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
    assertThatThrownBy(dilated::architecture)
        .hasMessage("layer 'conv1' has dilation 2×2; the runtime executes undilated windows only");
    // weights that do not fit the layer before: fc1 with 700 inputs after 50 channels of 4×4
    Network net = Dl4jBackend.INSTANCE.initialised("lenet5", 1);
    ModelWeights w = net.weights();
    LayerWeights fc1 = w.layer("fc1");
    LayerWeights wrong = new LayerWeights("fc1", fc1.kind(), new int[] {700, 500}, 1, 1, new float[700 * 500],
        fc1.bias());
    assertThatThrownBy(() -> CompiledModel.compile(new CompressedModel(w.with(java.util.Map.of("fc1", wrong)),
        java.util.Map.of(), Double.NaN), net.architecture(), CompiledModel.Mode.DENSE))
        .hasMessage("layer 'fc1' takes 700 inputs but the pooling after layer 'conv2' gives 50 × 4 × 4 = 800");
  }
}
