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
import io.modelpress.data.LabeledImages;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
   * (the dataset's shape: a dense-only model flattens it first). When every weighted layer is 8-bit symmetric
   * uniform and {@code calibration} is given, the int8 QDQ form ({@link #int8}) is written; otherwise each layer
   * in its own coding.
   */
  public static byte[] write(Architecture arch, CompressedModel model, int channels, int height, int width,
      String producerVersion, LabeledImages calibration) {
    if (calibration != null && int8(model)) {
      List<String> probes = new ArrayList<>();
      byte[] probe = graph(arch, model, channels, height, width, producerVersion, probes, null);
      return graph(arch, model, channels, height, width, producerVersion, null, ranges(probe, probes, calibration));
    }
    return graph(arch, model, channels, height, width, producerVersion, null, null);
  }

  /**
   * Whether the int8 QDQ form applies: every weighted layer 8-bit uniform with the symmetric scheme (codes
   * 127 ± 127, so int8 weights with zero point 0, as ONNX Runtime's QLinearConv and QGemm need per channel).
   */
  public static boolean int8(CompressedModel model) {
    for (LayerWeights l : model.weights().layers()) {
      if (!(model.coding(l.name()) instanceof ValueCoding.Uniform u) || u.bits() != 8) {
        return false;
      }
      for (int zp : u.zeroPoints()) {
        if (zp != 127) {
          return false;
        }
      }
    }
    return true;
  }

  /** Calibration images, at most this many, give each activation tensor's range (min and max, with 0 inside). */
  public static final int CALIBRATION_IMAGES = 1024;

  /** Min and max of every probed tensor over the calibration images, in ONNX Runtime. */
  private static Map<String, float[]> ranges(byte[] probe, List<String> probes, LabeledImages calibration) {
    Map<String, float[]> r = new HashMap<>();
    for (String p : probes) {
      r.put(p, new float[] {0f, 0f});
    }
    int n = Math.min(CALIBRATION_IMAGES, calibration.count());
    try (OnnxRunner runner = new OnnxRunner(probe)) {
      for (int from = 0; from < n; from += 256) {
        Map<String, float[]> y = runner.all(calibration, from, Math.min(n, from + 256));
        for (String p : probes) {
          float[] mm = r.get(p);
          for (float v : y.get(p)) {
            mm[0] = Math.min(mm[0], v);
            mm[1] = Math.max(mm[1], v);
          }
        }
      }
    }
    return r;
  }

  /**
   * The graph. {@code probes} non-null: float weights, and every tensor the int8 form quantizes is also a
   * graph output (named into {@code probes}); {@code ranges} non-null: the int8 QDQ form with those ranges.
   */
  private static byte[] graph(Architecture arch, CompressedModel model, int channels, int height, int width,
      String producerVersion, List<String> probes, Map<String, float[]> ranges) {
    GraphProto.Builder g = GraphProto.newBuilder().setName("modelpress");
    g.addInput(value(INPUT, new long[] {-1, channels, height, width}));
    Emitter e = new Emitter(g, probes, ranges);
    String x = e.qdq(INPUT);
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
        // a max-pool's outputs are some of its inputs: quantized with the input's parameters, ONNX Runtime runs it
        // on the uint8 tensor (it keeps a float MaxPool between a DequantizeLinear and a QuantizeLinear of
        // different scales)
        x = p.max() ? e.qdqLike("pool" + n, x) : e.qdq("pool" + n);
        continue;
      }
      LayerWeights l = layers.get(k++);
      String name = l.name();
      boolean last = k == layers.size();
      if (op instanceof Architecture.Conv c) {
        String w = e.weight(l, model.coding(name), l.weights(), l.shape());
        NodeProto.Builder conv = node("Conv", name, x, name + ".out").addInput(w).addInput(e.bias(l, bias(l), x))
            .addAttribute(ints("strides", c.strideH(), c.strideW()));
        window(conv, c.same(), c.padH(), c.padW());
        g.addNode(conv);
        x = e.qdq(activation(g, name, c.activation(), name + ".out"));
        continue;
      }
      if (!flat) {
        g.addNode(node("Flatten", "flatten", x, "flat").addAttribute(integer("axis", 1)));
        x = e.qdqLike("flat", x);
        flat = true;
      }
      int in = l.shape()[0];
      int out = l.shape()[1];
      // LayerWeights keeps dense weights [in, out]; Gemm with transB = 1 takes [out, in] (PyTorch's layout)
      String w = e.weight(l, transposedCoding(model.coding(name), in, out), transpose(l.weights(), in, out),
          new int[] {out, in});
      g.addNode(node("Gemm", name, x, name + ".out").addInput(w).addInput(e.bias(l, bias(l), x))
          .addAttribute(integer("transB", 1)));
      String a = ((Architecture.Dense) op).activation();
      // the softmax reads the quantized logits (so the Gemm fuses); other activations are quantized after
      x = a.equals("softmax") ? activation(g, name, a, e.qdq(name + ".out"))
          : e.qdq(activation(g, name, a, name + ".out"));
      if (last && a.equals("softmax")) {
        break;
      }
    }
    g.addNode(node("Identity", "output", x, OUTPUT));
    int classes = layers.get(layers.size() - 1).outChannels();
    g.addOutput(value(OUTPUT, new long[] {-1, classes}));
    if (probes != null) {
      for (String p : probes) {
        g.addOutput(ValueInfoProto.newBuilder().setName(p).setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
      }
    }
    return ModelProto.newBuilder().setIrVersion(7).setProducerName("modelpress").setProducerVersion(producerVersion)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(g).build()
        .toByteArray();
  }

  /** Writes weights, biases and activation quantization in one of the three modes of {@link #graph}. */
  private static final class Emitter {
    private final GraphProto.Builder g;
    private final List<String> probes;
    private final Map<String, float[]> ranges;
    /** The calibrated range each quantized activation tensor was quantized with (by its dequantized name). */
    private final Map<String, float[]> rangeOf = new HashMap<>();
    /** The scale of each quantized activation tensor (by the name of its dequantized form). */
    private final Map<String, Float> scales = new HashMap<>();

    Emitter(GraphProto.Builder g, List<String> probes, Map<String, float[]> ranges) {
      this.g = g;
      this.probes = probes;
      this.ranges = ranges;
    }

    /**
     * In the int8 form, QuantizeLinear then DequantizeLinear of tensor {@code x} (uint8, asymmetric, the range
     * from calibration); returns the dequantized tensor. While probing, records {@code x}; otherwise {@code x}.
     */
    String qdq(String x) {
      return qdqLike(x, null);
    }

    /**
     * As {@link #qdq}, with the range of the quantized tensor {@code like} (a dequantized name) instead of
     * {@code x}'s own, when {@code like} is not null and was quantized.
     */
    String qdqLike(String x, String like) {
      if (probes != null) {
        probes.add(x);
        return x;
      }
      if (ranges == null) {
        return x;
      }
      float[] mm = like != null && rangeOf.containsKey(like) ? rangeOf.get(like) : ranges.get(x);
      float scale = mm[1] > mm[0] ? (mm[1] - mm[0]) / 255f : 1f;
      int zp = Math.max(0, Math.min(255, Math.round(-mm[0] / scale)));
      g.addInitializer(floats(x + ".scale", new long[0], new float[] {scale}));
      g.addInitializer(tensor(x + ".zero_point", TensorProto.DataType.UINT8, new long[0], new byte[] {(byte) zp}));
      g.addNode(node("QuantizeLinear", x + ".quantize", x, x + ".q").addInput(x + ".scale").addInput(x + ".zero_point"));
      g.addNode(node("DequantizeLinear", x + ".dequantize", x + ".q", x + ".dq").addInput(x + ".scale")
          .addInput(x + ".zero_point"));
      scales.put(x + ".dq", scale);
      rangeOf.put(x + ".dq", mm);
      return x + ".dq";
    }

    /** The layer's weight tensor: int8 QDQ, or the coding's form, or float (probing). */
    String weight(LayerWeights l, ValueCoding coding, float[] values, int[] shape) {
      if (probes != null) {
        return OnnxExport.weight(g, l, new ValueCoding.Fp32(), values, shape);
      }
      if (ranges == null) {
        return OnnxExport.weight(g, l, coding, values, shape);
      }
      ValueCoding.Uniform u = (ValueCoding.Uniform) coding;
      String name = l.name() + ".weight";
      byte[] q = new byte[u.codes().length];
      for (int i = 0; i < q.length; i++) {
        q[i] = (byte) (u.codes()[i] - 127);
      }
      long[] dims = new long[shape.length];
      for (int d = 0; d < shape.length; d++) {
        dims[d] = shape[d];
      }
      long[] per = u.perChannel() ? new long[] {u.scales().length} : new long[0];
      g.addInitializer(tensor(name + ".int8", TensorProto.DataType.INT8, dims, q));
      weightScales.put(l.name(), u.scales());
      g.addInitializer(floats(name + ".scale", per, u.scales()));
      g.addInitializer(tensor(name + ".zero_point", TensorProto.DataType.INT8, per, new byte[u.scales().length]));
      NodeProto.Builder dq = node("DequantizeLinear", name + ".dequantize", name + ".int8", name)
          .addInput(name + ".scale").addInput(name + ".zero_point");
      if (u.perChannel()) {
        dq.addAttribute(integer("axis", 0));
      }
      g.addNode(dq);
      return name;
    }

    /**
     * The layer's bias: float, or in the int8 form int32 codes with scale (input scale × weight scale) per output
     * channel and zero point 0, as QLinearConv and QGemm take it.
     */
    String bias(LayerWeights l, float[] b, String input) {
      String name = l.name() + ".bias";
      if (ranges == null || probes != null) {
        g.addInitializer(floats(name, new long[] {b.length}, b));
        return name;
      }
      float sx = scales.get(input);
      float[] ws = weightScales.get(l.name());
      float[] s = new float[b.length];
      ByteBuffer q = ByteBuffer.allocate(b.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int c = 0; c < b.length; c++) {
        s[c] = sx * ws[ws.length == 1 ? 0 : c];
        q.putInt(Math.round(b[c] / s[c]));
      }
      g.addInitializer(tensor(name + ".int32", TensorProto.DataType.INT32, new long[] {b.length}, q.array()));
      g.addInitializer(floats(name + ".scale", new long[] {b.length}, s));
      g.addInitializer(tensor(name + ".zero_point", TensorProto.DataType.INT32, new long[] {b.length},
          new byte[b.length * 4]));
      g.addNode(node("DequantizeLinear", name + ".dequantize", name + ".int32", name).addInput(name + ".scale")
          .addInput(name + ".zero_point").addAttribute(integer("axis", 0)));
      return name;
    }

    private final Map<String, float[]> weightScales = new HashMap<>();
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
