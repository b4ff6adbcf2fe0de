package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code model: {onnx: PATH}} end to end (issue #21): an ONNX file written here with the protobuf classes (the
 * test's MLP, as Flatten → Gemm → Relu → Gemm → Relu → Gemm, its weights those of CliTestBase's trained DL4J
 * model) swept by the CLI, its base accuracy against ONNX Runtime's on the same images; and every bad model
 * file: one line naming the problem, exit 2, nothing written.
 */
class OnnxModelTest extends CliTestBase {

  @Test
  void aSweepOfAnOnnxModelHasOnnxRuntimesBaseAccuracy() throws Exception {
    Path onnx = dir.resolve("mlp.onnx");
    ModelWeights w = Backends.dl4j().restore(Files.readAllBytes(model)).weights();
    Files.write(onnx, mlp(w, new long[] {-1, 1, 28, 28}, 13).toByteArray());
    Path cfg = dir.resolve("onnx.yaml");
    Files.writeString(cfg, config(model.toString(), "").replace("model: {path: \"" + model + "\"}",
        "model: {onnx: \"" + onnx + "\"}"));
    Path out = dir.resolve("onnx-out");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "onnx", "--master", "local[2]");
    assertThat(r.code()).as(r.err()).isZero();

    LabeledImages test = Datasets.test(new DatasetSpec("mnist", "", 0, 1000), new Configuration());
    float[] logits = onnxRuntime(Files.readAllBytes(onnx), test.features(0, test.count()), test.count());
    int[] scored = scored(logits, test.labels());
    int correct = scored[0];
    int nearTies = scored[1];
    SparkSession spark = reader();
    var run = spark.read().parquet(out + "/runs").where("run_id = 'onnx'").first();
    // DL4J and ONNX Runtime agree to 1e-4 (OnnxTorchImportTest): the top-1 can differ only at such near-ties
    assertThat(run.<Double>getAs("base_accuracy")).isCloseTo(correct / (double) test.count(),
        org.assertj.core.data.Offset.offset(nearTies / (double) test.count() + 1e-12));
    assertThat(run.<String>getAs("model")).isEqualTo("onnx:" + onnx);
    assertThat(run.<Integer>getAs("trials_failed")).isZero();
  }

  @Test
  void badModelFilesAreOneLineAndNothingIsWritten() throws Exception {
    ModelWeights w = Backends.dl4j().restore(Files.readAllBytes(model)).weights();
    byte[] good = mlp(w, new long[] {-1, 1, 28, 28}, 13).toByteArray();
    Path root = dir.resolve("bad-onnx");
    Files.createDirectories(root);
    OnnxMl.ModelProto.Builder unknownOp = mlp(w, new long[] {-1, 1, 28, 28}, 13).toBuilder();
    unknownOp.getGraphBuilder().setNode(2, node("Erf", "weird", List.of("h1"), "r1"));
    OnnxMl.ModelProto.Builder nhwc = mlp(w, new long[] {-1, 28, 28, 1}, 13).toBuilder();
    nhwc.getGraphBuilder().addNode(0, node("Transpose", "to_nchw", List.of("input"), "nchw"))
        .setNode(1, node("Flatten", "flatten", List.of("nchw"), "h0"));
    OnnxMl.ModelProto.Builder twoInputs = mlp(w, new long[] {-1, 1, 28, 28}, 13).toBuilder();
    twoInputs.getGraphBuilder().addInput(input("mask", new long[] {-1, 10}));
    OnnxMl.ModelProto.Builder dynamic = mlp(w, new long[] {-1, 1, 28, 28}, 13).toBuilder();
    dynamic.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
        .getDimBuilder(2).setDimParam("height");
    ModelWeights small = Backends.dl4j().restore(Files.readAllBytes(model10x10)).weights();
    ModelWeights fiveClasses = new ModelWeights(List.of(w.layers().get(0), w.layers().get(1),
        slice(w.layers().get(2), 5)));
    Object[][] cases = {
        {"not onnx".getBytes(), "but the file is not an ONNX model"},
        {Arrays.copyOf(good, good.length / 2), "but the file is not an ONNX model"},
        {unknownOp.build().toByteArray(), "but node 'weird' (Erf) is not supported; modelpress imports Gemm, MatMul"},
        {mlp(w, new long[] {-1, 1, 28, 28}, 9).toByteArray(), "but the model has opset 9; modelpress imports opsets 11–21"},
        {dynamic.build().toByteArray(), "but the input 'input' has a dynamic H dimension ('height')"},
        {nhwc.build().toByteArray(), "but node 'to_nchw' (Transpose) is not supported (a channels-last input? export the model for [N, C, H, W])"},
        {twoInputs.build().toByteArray(), "but the model has 2 inputs [input, mask]"},
        {mlp(small, new long[] {-1, 1, 10, 10}, 13).toByteArray(),
            "the model takes 100 input values but dataset 'mnist' has 784 per example"},
        {mlp(fiveClasses, new long[] {-1, 1, 28, 28}, 13).toByteArray(),
            "the model has 5 output classes but dataset 'mnist' has 10"},
    };
    for (int i = 0; i < cases.length; i++) {
      Path file = root.resolve("case" + i + ".onnx");
      Files.write(file, (byte[]) cases[i][0]);
      Path cfg = root.resolve("case" + i + ".yaml");
      Files.writeString(cfg, config(model.toString(), "").replace("model: {path: \"" + model + "\"}",
          "model: {onnx: \"" + file + "\"}"));
      Path out = root.resolve("out" + i);
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--master", "local[1]");
      assertThat(r.code()).as("case " + i + "\n" + r.err()).isEqualTo(2);
      assertThat(r.err()).as("case " + i).startsWith("modelpress: error: ").contains((String) cases[i][1]);
      assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
      assertThat(hasParquet(out)).as("case " + i + " wrote nothing").isFalse();
    }
  }

  /**
   * {correct top-1 predictions, outputs within 1e-4 of their example's top one} of 10-class outputs {@code y}
   * against {@code labels}.
   */
  static int[] scored(float[] y, int[] labels) {
    int correct = 0;
    int nearTies = 0;
    for (int e = 0; e < labels.length; e++) {
      int best = 0;
      for (int j = 1; j < 10; j++) {
        best = y[e * 10 + j] > y[e * 10 + best] ? j : best;
      }
      correct += best == labels[e] ? 1 : 0;
      for (int j = 0; j < 10; j++) {
        nearTies += j != best && y[e * 10 + best] - y[e * 10 + j] < 1e-4 ? 1 : 0;
      }
    }
    return new int[] {correct, nearTies};
  }

  private static LayerWeights slice(LayerWeights l, int outputs) {
    int in = l.shape()[0];
    float[] v = new float[in * outputs];
    for (int r = 0; r < in; r++) {
      System.arraycopy(l.weights(), r * l.shape()[1], v, r * outputs, outputs);
    }
    return new LayerWeights(l.name(), l.kind(), new int[] {in, outputs}, 1, 1, v, Arrays.copyOf(l.bias(), outputs));
  }

  /** Flatten → Gemm (transB = 1) → Relu → ... → Gemm: the dense layers of {@code w} as PyTorch exports them. */
  static OnnxMl.ModelProto mlp(ModelWeights w, long[] inputDims, int opset) {
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("mlp")
        .addInput(input("input", inputDims));
    g.addNode(node("Flatten", "flatten", List.of("input"), "h0"));
    String x = "h0";
    for (int k = 0; k < w.layers().size(); k++) {
      LayerWeights l = w.layers().get(k);
      int in = l.shape()[0];
      int out = l.shape()[1];
      float[] t = new float[l.size()];
      for (int r = 0; r < in; r++) {
        for (int c = 0; c < out; c++) {
          t[c * in + r] = l.weights()[r * out + c];
        }
      }
      g.addInitializer(tensor(l.name() + ".weight", new long[] {out, in}, t));
      g.addInitializer(tensor(l.name() + ".bias", new long[] {out}, l.bias()));
      boolean last = k == w.layers().size() - 1;
      OnnxMl.NodeProto.Builder gemm = node("Gemm", l.name(), List.of(x, l.name() + ".weight", l.name() + ".bias"),
          last ? "logits" : "h" + (k + 1)).toBuilder();
      gemm.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("transB").setI(1)
          .setType(OnnxMl.AttributeProto.AttributeType.INT));
      g.addNode(gemm);
      if (!last) {
        g.addNode(node("Relu", "relu" + (k + 1), List.of("h" + (k + 1)), "r" + (k + 1)));
        x = "r" + (k + 1);
      }
    }
    g.addOutput(input("logits", new long[] {-1, w.layers().get(w.layers().size() - 1).shape()[1]}));
    return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setProducerName("modelpress-test").setGraph(g)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
  }

  static OnnxMl.NodeProto node(String op, String name, List<String> inputs, String output) {
    return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
  }

  /** A float tensor value info; a negative dimension is the dynamic batch "N". */
  static OnnxMl.ValueInfoProto input(String name, long[] dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(d < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
          : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
        .build();
  }

  static OnnxMl.TensorProto tensor(String name, long[] dims, float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    List<Long> d = new ArrayList<>();
    for (long x : dims) {
      d.add(x);
    }
    return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
        .addAllDims(d).setRawData(ByteString.copyFrom(b.array())).build();
  }

  static float[] onnxRuntime(byte[] model, float[] x, int rows) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {rows, 1, 28, 28});
        OrtSession.Result r = s.run(Map.of("input", t))) {
      float[][] y = (float[][]) r.get(0).getValue();
      float[] flat = new float[rows * y[0].length];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
      }
      return flat;
    }
  }
}
