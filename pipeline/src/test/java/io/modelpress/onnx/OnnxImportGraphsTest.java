package io.modelpress.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.modelpress.TestData;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Graphs as tf2onnx and hand-written exporters write them, which PyTorch's exporter does not: MatMul + Add,
 * a BatchNormalization node after a Conv and after a MatMul, Constant nodes for Clip bounds and the Reshape
 * target, padded max-pooling, average pooling that counts the padding. Built here with the protobuf classes,
 * random weights, and each checked against ONNX Runtime on real MNIST images.
 */
class OnnxImportGraphsTest {

  private final Random r = new Random(5);
  private final OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("t");

  @Test
  void tf2onnxStyleGraphsImportToWhatOnnxRuntimeComputes() throws Exception {
    input("x", 1, 28, 28);
    init("conv.w", gauss(6 * 1 * 3 * 3, 0.5f), 6, 1, 3, 3);
    node("Conv", "conv", List.of("x", "conv.w"), "c1", ints("pads", 1, 1, 1, 1), ints("strides", 2, 2));
    batchNorm("bn1", "c1", "b1", 6);
    constant("lo", 0f);
    constant("hi", 6f);
    node("Clip", "clip", List.of("b1", "lo", "hi"), "a1");
    node("MaxPool", "mp", List.of("a1"), "p1", ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1));
    node("AveragePool", "ap", List.of("p1"), "p2", ints("kernel_shape", 2, 2), ints("pads", 1, 1, 1, 1),
        ints("strides", 1, 1), OnnxMl.AttributeProto.newBuilder().setName("count_include_pad").setI(1)
            .setType(OnnxMl.AttributeProto.AttributeType.INT).build());
    // 28 → conv s2 p1: 14 → maxpool 3 s2 p1: 7 → avgpool 2 s1 p1: 8
    g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("shape").setDataType(7).addDims(2)
        .setRawData(ByteString.copyFrom(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1)
            .putLong(6 * 8 * 8).array())));
    node("Reshape", "reshape", List.of("p2", "shape"), "f");
    init("fc1.w", gauss(6 * 8 * 8 * 20, 0.2f), 6 * 8 * 8, 20);
    init("fc1.b", gauss(20, 0.1f), 20);
    node("MatMul", "fc1", List.of("f", "fc1.w"), "m1");
    node("Add", "fc1.add", List.of("m1", "fc1.b"), "m2");
    batchNorm("bn2", "m2", "m3", 20);
    node("Tanh", "tanh", List.of("m3"), "h1");
    init("out.w", gauss(20 * 10, 0.5f), 20, 10);
    node("MatMul", "out", List.of("h1", "out.w"), "logits");
    output("logits", 10);
    byte[] model = model(13);

    OnnxImport.Imported in = OnnxImport.read(model);
    assertThat(in.weights().names()).containsExactly("conv", "fc1", "out");
    assertThat(in.architecture().activations()).containsExactly("relu6", "tanh", "softmax");
    Network net = Backends.dl4j().build(in.architecture(), in.weights());
    LabeledImages test = TestData.mnistTest(200);
    float[] ort = TorchModels.onnxRuntime(model, test.features(0, 200), 200, 1, 28, 28);
    float[] dl4j = net.logits(test, 0, 200, 100);
    assertThat(OnnxTorchImportTest.maxAbsDiff(dl4j, ort)).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void aBatchNormThatFollowsAnActivationOrAPoolIsRefusedByName() {
    input("x", 1, 28, 28);
    init("conv.w", gauss(4 * 9, 0.5f), 4, 1, 3, 3);
    node("Conv", "conv", List.of("x", "conv.w"), "c1");
    node("Relu", "relu", List.of("c1"), "a1");
    batchNorm("late_bn", "a1", "b1", 4);
    output("b1", 10);
    assertThatThrownBy(() -> OnnxImport.read(model(13))).hasMessage("node 'late_bn' (BatchNormalization) follows the "
        + "layer 'conv' after its relu activation; modelpress folds it only before the activation");
  }

  @Test
  void aResidualAddIsRefusedNamingBothBranches() {
    input("x", 4);
    init("fc.w", gauss(16, 0.5f), 4, 4);
    node("MatMul", "fc", List.of("x", "fc.w"), "h");
    node("Add", "skip", List.of("h", "x"), "y");
    output("y", 4);
    assertThatThrownBy(() -> OnnxImport.read(model(13))).hasMessageStartingWith("node 'skip' (Add) reads 'x' besides "
        + "the chain's 'h': a branch (residual Add or Concat of two paths)");
  }

  private float[] gauss(int n, float sd) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian() * sd;
    }
    return v;
  }

  private void batchNorm(String name, String x, String y, int c) {
    float[] var = gauss(c, 0.3f);
    for (int i = 0; i < c; i++) {
      var[i] = var[i] * var[i] + 0.5f;
    }
    init(name + ".g", gauss(c, 1f), c);
    init(name + ".b", gauss(c, 0.5f), c);
    init(name + ".m", gauss(c, 0.5f), c);
    init(name + ".v", var, c);
    node("BatchNormalization", name, List.of(x, name + ".g", name + ".b", name + ".m", name + ".v"), y,
        OnnxMl.AttributeProto.newBuilder().setName("epsilon").setF(1e-3f).setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
            .build());
  }

  private void constant(String name, float v) {
    g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName(name + "_const").addOutput(name)
        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("value").setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
            .setT(tensor(name, new float[] {v}))));
  }

  private void init(String name, float[] v, long... dims) {
    OnnxMl.TensorProto.Builder t = tensor(name, v).toBuilder();
    for (long d : dims) {
      t.addDims(d);
    }
    g.addInitializer(t);
  }

  private static OnnxMl.TensorProto tensor(String name, float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array())).build();
  }

  private static OnnxMl.AttributeProto ints(String name, long... v) {
    OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  private void node(String op, String name, List<String> in, String out, OnnxMl.AttributeProto... attrs) {
    OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out);
    for (OnnxMl.AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    g.addNode(n);
  }

  private void input(String name, long... dims) {
    g.addInput(value(name, dims));
  }

  private void output(String name, long classes) {
    g.addOutput(value(name, classes));
  }

  private static OnnxMl.ValueInfoProto value(String name, long... dims) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder()
        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
    for (long d : dims) {
      s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
  }

  private byte[] model(int opset) {
    return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setGraph(g)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(opset)).build().toByteArray();
  }
}
