package io.modelpress.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.runtime.Architecture;
import io.modelpress.weights.LayerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes a compressed trial as an ONNX model (opset 13, IR 7) that ONNX Runtime and the mobile runtimes load:
 * one float input {@code input} [N, C, H, W], one output {@code probabilities} [N, classes] (the softmax the
 * model ends in). Each layer's weights are stored in their compressed coding, so the file holds what the
 * artifact holds and computes exactly the weights the trial was evaluated with:
 * <ul>
 *   <li>fp32 (pruned zeros kept: ONNX Runtime densifies sparse initializers anyway; structured trials have the
 *       smaller layers): float initializers;
 *   <li>fp16: float16 initializers and a Cast to float;
 *   <li>uniform codes (per tensor or per output channel): uint8 codes, scales and zero points through
 *       DequantizeLinear (axis 0: Gemm weights are stored [out, in] with transB = 1, Conv's as [out, in, kH, kW]);
 *   <li>codebooks (k-means, powers of two): uint8 codes, Cast to int32, Gather from the float codebook.
 * </ul>
 */
public final class OnnxExport {

  public static final int OPSET = 13;
  public static final String INPUT = "input";
  public static final String OUTPUT = "probabilities";

  private OnnxExport() {}

  /**
   * The ONNX bytes of {@code model} computed as {@code arch}, for inputs of {@code channels × height × width}
   * (the dataset's shape: a dense-only model flattens it first).
   */
  public static byte[] write(Architecture arch, CompressedModel model, int channels, int height, int width,
      String producerVersion) {
    GraphProto.Builder g = GraphProto.newBuilder().setName("modelpress");
    g.addInput(value(INPUT, new long[] {-1, channels, height, width}));
    String x = INPUT;
    boolean flat = false;
    List<LayerWeights> layers = model.weights().layers();
    int k = 0;
    int n = 0;
    for (Architecture.Op op : arch.ops()) {
      n++;
      if (op instanceof Architecture.Pool p) {
        NodeProto.Builder pool = node(p.max() ? "MaxPool" : "AveragePool", "pool" + n, x, "pool" + n)
            .addAttribute(ints("kernel_shape", p.kernelH(), p.kernelW()))
            .addAttribute(ints("strides", p.strideH(), p.strideW()));
        window(pool, p.same(), p.padH(), p.padW());
        if (!p.max()) {
          pool.addAttribute(integer("count_include_pad", p.padInDivisor() ? 1 : 0));
        }
        g.addNode(pool);
        x = "pool" + n;
        continue;
      }
      LayerWeights l = layers.get(k++);
      String name = l.name();
      if (op instanceof Architecture.Conv c) {
        String w = weight(g, l, model.coding(name), l.weights(), l.shape());
        g.addInitializer(floats(name + ".bias", new long[] {l.bias().length}, bias(l)));
        NodeProto.Builder conv = node("Conv", name, x, name + ".out").addInput(w).addInput(name + ".bias")
            .addAttribute(ints("strides", c.strideH(), c.strideW()));
        window(conv, c.same(), c.padH(), c.padW());
        g.addNode(conv);
        x = activation(g, name, c.activation(), name + ".out");
        continue;
      }
      if (!flat) {
        g.addNode(node("Flatten", "flatten", x, "flat").addAttribute(integer("axis", 1)));
        x = "flat";
        flat = true;
      }
      int in = l.shape()[0];
      int out = l.shape()[1];
      // LayerWeights keeps dense weights [in, out]; Gemm with transB = 1 takes [out, in] (PyTorch's layout)
      String w = weight(g, l, transposedCoding(model.coding(name), in, out), transpose(l.weights(), in, out),
          new int[] {out, in});
      g.addInitializer(floats(name + ".bias", new long[] {out}, bias(l)));
      g.addNode(node("Gemm", name, x, name + ".out").addInput(w).addInput(name + ".bias")
          .addAttribute(integer("transB", 1)));
      x = activation(g, name, ((Architecture.Dense) op).activation(), name + ".out");
    }
    g.addNode(node("Identity", "output", x, OUTPUT));
    int classes = layers.get(layers.size() - 1).outChannels();
    g.addOutput(value(OUTPUT, new long[] {-1, classes}));
    return ModelProto.newBuilder().setIrVersion(7).setProducerName("modelpress").setProducerVersion(producerVersion)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(g).build()
        .toByteArray();
  }

  private static float[] bias(LayerWeights l) {
    return l.bias().length > 0 ? l.bias() : new float[l.outChannels()];
  }

  private static void window(NodeProto.Builder b, boolean same, int padH, int padW) {
    if (same) {
      b.addAttribute(AttributeProto.newBuilder().setName("auto_pad").setType(AttributeProto.AttributeType.STRING)
          .setS(ByteString.copyFromUtf8("SAME_UPPER")));
    } else {
      b.addAttribute(ints("pads", padH, padW, padH, padW));
    }
  }

  /** The activation node after a layer's output; returns the tensor it writes. */
  private static String activation(GraphProto.Builder g, String layer, String a, String x) {
    String y = layer + "." + a;
    switch (a) {
      case "identity" -> {
        return x;
      }
      case "relu" -> g.addNode(node("Relu", layer + ".relu", x, y));
      case "tanh" -> g.addNode(node("Tanh", layer + ".tanh", x, y));
      case "sigmoid" -> g.addNode(node("Sigmoid", layer + ".sigmoid", x, y));
      case "softmax" -> g.addNode(node("Softmax", layer + ".softmax", x, y).addAttribute(integer("axis", 1)));
      case "lrelu" -> g.addNode(node("LeakyRelu", layer + ".lrelu", x, y).addAttribute(AttributeProto.newBuilder()
          .setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
          .setF(io.modelpress.runtime.CompiledModel.LEAKY_SLOPE)));
      case "relu6" -> {
        g.addInitializer(floats(layer + ".clip_min", new long[0], new float[] {0f}));
        g.addInitializer(floats(layer + ".clip_max", new long[0], new float[] {6f}));
        g.addNode(node("Clip", layer + ".relu6", x, y).addInput(layer + ".clip_min").addInput(layer + ".clip_max"));
      }
      default -> throw new IllegalArgumentException("layer '" + layer + "' has activation " + a
          + ", which the ONNX export does not write");
    }
    return y;
  }

  /**
   * Adds the initializers (and decoding nodes) of a weight in its coding; returns the float tensor's name.
   * {@code values} and {@code coding} are in {@code shape}'s layout.
   */
  private static String weight(GraphProto.Builder g, LayerWeights l, ValueCoding coding, float[] values, int[] shape) {
    String name = l.name() + ".weight";
    long[] dims = new long[shape.length];
    for (int d = 0; d < shape.length; d++) {
      dims[d] = shape[d];
    }
    if (coding instanceof ValueCoding.Fp16) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        b.putShort(HalfFloat.fromFloat(v));
      }
      g.addInitializer(tensor(name + ".fp16", TensorProto.DataType.FLOAT16, dims, b.array()));
      g.addNode(node("Cast", name + ".cast", name + ".fp16", name)
          .addAttribute(integer("to", TensorProto.DataType.FLOAT_VALUE)));
    } else if (coding instanceof ValueCoding.Uniform u) {
      g.addInitializer(tensor(name + ".codes", TensorProto.DataType.UINT8, dims, bytes(u.codes())));
      long[] per = u.perChannel() ? new long[] {u.scales().length} : new long[0];
      g.addInitializer(floats(name + ".scale", per, u.scales()));
      g.addInitializer(tensor(name + ".zero_point", TensorProto.DataType.UINT8, per, bytes(u.zeroPoints())));
      NodeProto.Builder dq = node("DequantizeLinear", name + ".dequantize", name + ".codes", name)
          .addInput(name + ".scale").addInput(name + ".zero_point");
      if (u.perChannel()) {
        dq.addAttribute(integer("axis", 0));
      }
      g.addNode(dq);
    } else if (coding instanceof ValueCoding.Codebook c) {
      g.addInitializer(tensor(name + ".codes", TensorProto.DataType.UINT8, dims, bytes(c.codes())));
      g.addInitializer(floats(name + ".codebook", new long[] {c.codebook().length}, c.codebook()));
      g.addNode(node("Cast", name + ".index", name + ".codes", name + ".indices")
          .addAttribute(integer("to", TensorProto.DataType.INT32_VALUE)));
      g.addNode(node("Gather", name + ".lookup", name + ".codebook", name).addInput(name + ".indices"));
    } else {
      g.addInitializer(floats(name, dims, values));
    }
    return name;
  }

  /** A dense layer's coding in the [out, in] layout of its transposed weights. */
  private static ValueCoding transposedCoding(ValueCoding c, int in, int out) {
    if (c instanceof ValueCoding.Uniform u) {
      return new ValueCoding.Uniform(u.bits(), u.perChannel(), u.scales(), u.zeroPoints(), transpose(u.codes(), in, out));
    }
    if (c instanceof ValueCoding.Codebook b) {
      return new ValueCoding.Codebook(b.bits(), b.codebook(), transpose(b.codes(), in, out));
    }
    return c;
  }

  static float[] transpose(float[] w, int rows, int cols) {
    return OnnxTensors.transpose(w, rows, cols);
  }

  static int[] transpose(int[] w, int rows, int cols) {
    int[] t = new int[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = w[r * cols + c];
      }
    }
    return t;
  }

  private static byte[] bytes(int[] v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] > 255) {
        throw new IllegalArgumentException("code " + v[i] + " does not fit in uint8");
      }
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static TensorProto floats(String name, long[] dims, float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return tensor(name, TensorProto.DataType.FLOAT, dims, b.array());
  }

  private static TensorProto tensor(String name, TensorProto.DataType type, long[] dims, byte[] raw) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
        .setRawData(ByteString.copyFrom(raw));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  private static NodeProto.Builder node(String op, String name, String input, String output) {
    return NodeProto.newBuilder().setOpType(op).setName(name).addInput(input).addOutput(output);
  }

  private static AttributeProto integer(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  private static ValueInfoProto value(String name, long[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
          : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
  }
}
