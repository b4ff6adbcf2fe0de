package io.modelpress.onnx;

import static io.modelpress.onnx.OnnxImport.unsupported;
import static io.modelpress.onnx.OnnxTensors.describe;
import static io.modelpress.onnx.OnnxTensors.integer;
import static io.modelpress.onnx.OnnxTensors.integers;
import static io.modelpress.onnx.OnnxTensors.number;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.modelpress.onnx.OnnxTensors.Constant;
import io.modelpress.runtime.Architecture;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The layers an ONNX chain becomes, built node by node: each weighted node (Gemm, MatMul, Conv) opens a layer;
 * a constant Add and a BatchNormalization directly after it fold into its weights and bias; an activation after
 * it (or after max-pooling that follows it: max-pooling commutes with every monotone non-decreasing activation,
 * and all imported ones are) becomes its activation.
 */
final class Layers {

  /** The batch dimension in shape values (Shape of the input gives it for N). */
  static final long BATCH = Long.MIN_VALUE;

  /** One op of the sequence: a weighted layer (with {@code shape}, weights, bias) or a pooling. */
  private static final class Step {
    String name;
    boolean conv;
    boolean pool;
    Architecture.Pool poolOp;
    int strideH = 1;
    int strideW = 1;
    int padH;
    int padW;
    boolean same;
    int[] shape;
    float[] weights;
    float[] bias;
    int positions = 1;
    String activation = "identity";
  }

  private final List<Step> steps = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private long[] input;
  private int c;
  private int h;
  private int w;
  private boolean flat;
  private int features;
  /** Nodes since the last weighted layer other than max-pooling, Dropout, Identity and flattening. */
  private String blocker = "";
  private boolean ended;

  void start(long[] dims) {
    input = dims;
    if (dims.length == 4) {
      c = (int) dims[1];
      h = (int) dims[2];
      w = (int) dims[3];
    } else {
      flat = true;
      features = (int) dims[1];
    }
  }

  boolean ended() {
    return ended;
  }

  /** Applies node {@code n} (which reads the chain's activation as its first input); returns the new dimensions. */
  long[] apply(NodeProto n, int i, OnnxImport.Constants k, OnnxImport.ShapeValues shapes) {
    List<String> in = OnnxTensors.inputs(n);
    switch (n.getOpType()) {
      case "Gemm" -> gemm(n, i, k.get(n, i, in.get(1)), in.size() > 2 ? k.get(n, i, in.get(2)) : null);
      case "MatMul" -> gemm(n, i, k.get(n, i, in.get(1)), null);
      case "Conv" -> conv(n, i, k.get(n, i, in.get(1)), in.size() > 2 ? k.get(n, i, in.get(2)) : null);
      case "Add" -> addBias(n, i, k.get(n, i, in.get(1)));
      case "BatchNormalization" -> batchNorm(n, i, k.get(n, i, in.get(1)), k.get(n, i, in.get(2)),
          k.get(n, i, in.get(3)), k.get(n, i, in.get(4)));
      case "Relu" -> activation(n, i, "relu");
      case "Sigmoid" -> activation(n, i, "sigmoid");
      case "Tanh" -> activation(n, i, "tanh");
      case "LeakyRelu" -> {
        float alpha = number(n, "alpha", 0.01f);
        if (Math.abs(alpha - io.modelpress.runtime.CompiledModel.LEAKY_SLOPE) > 1e-7) {
          throw unsupported(n, i, "with alpha " + alpha + " (only "
              + io.modelpress.runtime.CompiledModel.LEAKY_SLOPE + ", PyTorch's default)");
        }
        activation(n, i, "lrelu");
      }
      case "Clip" -> clip(n, i, in, k);
      case "MaxPool", "AveragePool" -> pool(n, i);
      case "GlobalAveragePool" -> {
        image(n, i);
        addPool(n, i, new Architecture.Pool(false, h, w, h, w, 0, 0, false, false));
        h = 1;
        w = 1;
      }
      case "Flatten" -> {
        long axis = integer(n, "axis", 1);
        if (axis != 1) {
          throw unsupported(n, i, "with axis " + axis + " (only 1: [N, C·H·W])");
        }
        flatten();
      }
      case "Reshape" -> reshape(n, i, shapes.get(n, i, in.get(1)));
      case "Dropout", "Identity" -> { }
      case "Softmax" -> {
        long axis = integer(n, "axis", -1);
        if (!flat || (axis != 1 && axis != -1)) {
          throw unsupported(n, i, "over axis " + axis + " of " + dims().length + "-D activations");
        }
        ended = true;
      }
      default -> throw unsupported(n, i, "");
    }
    return dims();
  }

  private long[] dims() {
    return flat ? new long[] {BATCH, features} : new long[] {BATCH, c, h, w};
  }

  private void gemm(NodeProto n, int i, Constant b, Constant bias) {
    if (!flat) {
      throw new IllegalArgumentException(describe(n, i) + " multiplies " + c + "×" + h + "×" + w + " images; flatten "
          + "them first (Flatten or Reshape to [N, -1])");
    }
    if (b.dims().length != 2) {
      throw unsupported(n, i, "with a " + b.dims().length + "-D weight");
    }
    if (integer(n, "transA", 0) != 0) {
      throw unsupported(n, i, "with transA = 1");
    }
    boolean transB = integer(n, "transB", 0) != 0;
    int rows = (int) b.dims()[0];
    int cols = (int) b.dims()[1];
    int nIn = transB ? cols : rows;
    int nOut = transB ? rows : cols;
    if (nIn != features) {
      throw new IllegalArgumentException(describe(n, i) + " takes " + nIn + " features but its input has " + features);
    }
    float[] weights = transB ? OnnxTensors.transpose(b.floats(), rows, cols) : b.floats().clone();
    float alpha = number(n, "alpha", 1f);
    for (int j = 0; j < weights.length; j++) {
      weights[j] *= alpha;
    }
    float[] beta = new float[nOut];
    if (bias != null) {
      float s = number(n, "beta", 1f);
      for (int o = 0; o < nOut; o++) {
        beta[o] = s * bias.floats()[bias.size() == 1 ? 0 : checkedIndex(n, i, bias, nOut, o)];
      }
    }
    Step s = weighted(n, i, false, new int[] {nIn, nOut}, weights, beta);
    s.positions = 1;
    features = nOut;
  }

  private static int checkedIndex(NodeProto n, int i, Constant c, int expected, int o) {
    if (c.size() != expected) {
      throw new IllegalArgumentException(describe(n, i) + " has " + c.size() + " biases for " + expected + " outputs");
    }
    return o;
  }

  private void conv(NodeProto n, int i, Constant weight, Constant bias) {
    image(n, i);
    long group = integer(n, "group", 1);
    if (group != 1) {
      throw unsupported(n, i, "with group " + group + " (grouped and depthwise convolutions are not imported yet)");
    }
    long[] d = weight.dims();
    if (d.length != 4) {
      throw unsupported(n, i, "with a " + d.length + "-D weight (only 2-D convolutions)");
    }
    if (d[1] != c) {
      throw new IllegalArgumentException(describe(n, i) + " takes " + d[1] + " channels but its input has " + c);
    }
    int kh = (int) d[2];
    int kw = (int) d[3];
    Step s = weighted(n, i, true, new int[] {(int) d[0], c, kh, kw}, weight.floats().clone(),
        bias == null ? new float[(int) d[0]] : bias.floats().clone());
    int[] g = geometry(n, i, kh, kw);
    s.strideH = g[0];
    s.strideW = g[1];
    s.padH = g[2];
    s.padW = g[3];
    s.same = g[4] == 1;
    c = (int) d[0];
    h = outSide(h, kh, g[0], g[2], s.same);
    w = outSide(w, kw, g[1], g[3], s.same);
    if (h < 1 || w < 1) {
      throw new IllegalArgumentException(describe(n, i) + " leaves no output cell");
    }
    s.positions = h * w;
  }

  /** Strides, symmetric pads and SAME_UPPER of a window node: {strideH, strideW, padH, padW, same}. */
  private static int[] geometry(NodeProto n, int i, int kh, int kw) {
    long[] dil = integers(n, "dilations", new long[] {1, 1});
    if (dil.length != 2 || dil[0] != 1 || dil[1] != 1) {
      throw unsupported(n, i, "with dilations " + java.util.Arrays.toString(dil));
    }
    long[] kernel = integers(n, "kernel_shape", new long[] {kh, kw});
    if (kernel.length != 2 || kernel[0] != kh || kernel[1] != kw) {
      throw unsupported(n, i, "with kernel_shape " + java.util.Arrays.toString(kernel) + " (only 2-D windows)");
    }
    long[] st = integers(n, "strides", new long[] {1, 1});
    long[] p = integers(n, "pads", new long[] {0, 0, 0, 0});
    String auto = OnnxTensors.string(n, "auto_pad", "NOTSET");
    boolean same = auto.equals("SAME_UPPER");
    if (!same && !auto.equals("NOTSET") && !auto.equals("VALID")) {
      throw unsupported(n, i, "with auto_pad " + auto);
    }
    if (auto.equals("VALID") || same) {
      p = new long[] {0, 0, 0, 0};
    }
    if (p[0] != p[2] || p[1] != p[3]) {
      throw unsupported(n, i, "with asymmetric pads " + java.util.Arrays.toString(p));
    }
    return new int[] {(int) st[0], (int) st[1], (int) p[0], (int) p[1], same ? 1 : 0};
  }

  private static int outSide(int in, int k, int stride, int pad, boolean same) {
    return same ? (in + stride - 1) / stride : Math.floorDiv(in + 2 * pad - k, stride) + 1;
  }

  private void pool(NodeProto n, int i) {
    image(n, i);
    long[] kernel = integers(n, "kernel_shape", new long[0]);
    if (kernel.length != 2) {
      throw unsupported(n, i, "with kernel_shape " + java.util.Arrays.toString(kernel) + " (only 2-D windows)");
    }
    if (integer(n, "ceil_mode", 0) != 0) {
      throw unsupported(n, i, "with ceil_mode 1 (export with ceil_mode=False)");
    }
    if (integer(n, "storage_order", 0) != 0) {
      throw unsupported(n, i, "with storage_order 1");
    }
    int[] g = geometry(n, i, (int) kernel[0], (int) kernel[1]);
    boolean max = n.getOpType().equals("MaxPool");
    boolean padIn = !max && integer(n, "count_include_pad", 0) != 0;
    addPool(n, i, new Architecture.Pool(max, (int) kernel[0], (int) kernel[1], g[0], g[1], g[2], g[3], g[4] == 1, padIn));
    h = outSide(h, (int) kernel[0], g[0], g[2], g[4] == 1);
    w = outSide(w, (int) kernel[1], g[1], g[3], g[4] == 1);
    if (h < 1 || w < 1) {
      throw new IllegalArgumentException(describe(n, i) + " leaves no output cell");
    }
  }

  private void addPool(NodeProto n, int i, Architecture.Pool p) {
    Step s = new Step();
    s.pool = true;
    s.poolOp = p;
    s.name = OnnxTensors.name(n, i);
    steps.add(s);
    if (!p.max()) {
      blocker = describe(n, i);
    }
  }

  private void image(NodeProto n, int i) {
    if (flat) {
      throw new IllegalArgumentException(describe(n, i) + " needs [N, C, H, W] activations but they were flattened "
          + "before it");
    }
  }

  private void flatten() {
    if (!flat) {
      features = c * h * w;
      flat = true;
    }
  }

  private void reshape(NodeProto n, int i, long[] target) {
    int size = flat ? features : c * h * w;
    boolean batchFirst = target.length == 2 && (target[0] == BATCH || target[0] == 0 || target[0] == -1);
    if (batchFirst && (target[1] == -1 || target[1] == size) && !(target[0] == -1 && target[1] == -1)) {
      flatten();
      return;
    }
    throw unsupported(n, i, "to " + show(target) + " (only [N, -1] or [N, " + size + "], a flatten)");
  }

  private static String show(long[] t) {
    StringBuilder b = new StringBuilder("[");
    for (int k = 0; k < t.length; k++) {
      b.append(k > 0 ? ", " : "").append(t[k] == BATCH ? "N" : String.valueOf(t[k]));
    }
    return b.append(']').toString();
  }

  private Step weighted(NodeProto n, int i, boolean conv, int[] shape, float[] weights, float[] bias) {
    if (ended) {
      throw unsupported(n, i, "after the final Softmax");
    }
    Step s = new Step();
    s.conv = conv;
    s.shape = shape;
    s.weights = weights;
    s.bias = bias;
    s.name = uniqueName(n, i);
    steps.add(s);
    blocker = "";
    return s;
  }

  /** PyTorch's module name (the weight initializer's name without ".weight") when it has one, else the node's. */
  private String uniqueName(NodeProto n, int i) {
    String weight = n.getInputCount() > 1 ? n.getInput(1) : "";
    String name = weight.endsWith(".weight") ? weight.substring(0, weight.length() - ".weight".length())
        : OnnxTensors.name(n, i);
    String unique = name;
    for (int k = 2; !names.add(unique); k++) {
      unique = name + "_" + k;
    }
    return unique;
  }

  /** The weighted layer an Add, a BatchNormalization or an activation at node {@code n} folds into. */
  private Step foldTarget(NodeProto n, int i, boolean activation) {
    Step last = null;
    for (int k = steps.size() - 1; k >= 0; k--) {
      if (!steps.get(k).pool) {
        last = steps.get(k);
        break;
      }
    }
    if (last == null) {
      throw new IllegalArgumentException(describe(n, i) + " acts on the input before any Gemm, MatMul or Conv; "
          + "modelpress imports it only after one of those layers");
    }
    boolean pooled = steps.get(steps.size() - 1) != last;
    if (!blocker.isEmpty() || (pooled && !activation)) {
      throw new IllegalArgumentException(describe(n, i) + " follows " + (blocker.isEmpty() ? "a pooling" : blocker)
          + ", not the layer '" + last.name + "' directly; modelpress folds it only into the layer it follows");
    }
    if (!last.activation.equals("identity")) {
      throw new IllegalArgumentException(describe(n, i) + " follows the layer '" + last.name + "' after its "
          + last.activation + " activation; modelpress folds it only before the activation");
    }
    return last;
  }

  private void activation(NodeProto n, int i, String name) {
    foldTarget(n, i, true).activation = name;
  }

  /** The layer whose relu a Clip(≤ 0, 6) turns into relu6 (PyTorch 1.13 exports F.relu6 as Relu, Clip), or null. */
  private Step reluBefore() {
    for (int k = steps.size() - 1; k >= 0; k--) {
      if (!steps.get(k).pool) {
        return blocker.isEmpty() && steps.get(k).activation.equals("relu") ? steps.get(k) : null;
      }
    }
    return null;
  }

  private void clip(NodeProto n, int i, List<String> in, OnnxImport.Constants k) {
    float lo = in.size() > 1 ? k.get(n, i, in.get(1)).floats()[0] : number(n, "min", Float.NEGATIVE_INFINITY);
    float hi = in.size() > 2 ? k.get(n, i, in.get(2)).floats()[0] : number(n, "max", Float.POSITIVE_INFINITY);
    Step relu = reluBefore();
    if (relu != null && lo <= 0f && hi == 6f) {
      relu.activation = "relu6";
    } else if (lo == 0f && hi == 6f) {
      activation(n, i, "relu6");
    } else if (lo == 0f && hi == Float.POSITIVE_INFINITY) {
      activation(n, i, "relu");
    } else {
      throw unsupported(n, i, "to [" + lo + ", " + hi + "] (only [0, 6], ReLU6)");
    }
  }

  private void addBias(NodeProto n, int i, Constant add) {
    Step s = foldTarget(n, i, false);
    int out = s.conv ? s.shape[0] : s.shape[1];
    if (add.size() != out && add.size() != 1) {
      throw unsupported(n, i, "of a constant " + OnnxTensors.dims(add.dims()) + " to " + out + " outputs");
    }
    for (int o = 0; o < out; o++) {
      s.bias[o] += add.floats()[add.size() == 1 ? 0 : o];
    }
  }

  /** Folds y = γ(x − μ)/√(σ² + ε) + β per output channel into the layer: W·s and (b − μ)·s + β, s = γ/√(σ² + ε). */
  private void batchNorm(NodeProto n, int i, Constant gamma, Constant beta, Constant mean, Constant var) {
    if (integer(n, "training_mode", 0) != 0) {
      throw unsupported(n, i, "in training mode (export the model in eval mode)");
    }
    Step s = foldTarget(n, i, false);
    int out = s.conv ? s.shape[0] : s.shape[1];
    for (Constant t : List.of(gamma, beta, mean, var)) {
      if (t.size() != out) {
        throw new IllegalArgumentException(describe(n, i) + " normalises " + t.size() + " channels but the layer '"
            + s.name + "' has " + out);
      }
    }
    double eps = number(n, "epsilon", 1e-5f);
    float[] scale = new float[out];
    for (int o = 0; o < out; o++) {
      scale[o] = (float) (gamma.floats()[o] / Math.sqrt(var.floats()[o] + eps));
      s.bias[o] = (s.bias[o] - mean.floats()[o]) * scale[o] + beta.floats()[o];
    }
    int per = s.weights.length / out;
    for (int j = 0; j < s.weights.length; j++) {
      s.weights[j] *= scale[s.conv ? j / per : j % out];
    }
  }

  /** The layer sequence; the last layer must be a Gemm or MatMul without activation (its softmax is added). */
  Architecture architecture() {
    check();
    List<Architecture.Op> ops = new ArrayList<>();
    for (int k = 0; k < steps.size(); k++) {
      Step s = steps.get(k);
      if (s.pool) {
        ops.add(s.poolOp);
      } else if (s.conv) {
        ops.add(new Architecture.Conv(s.activation, s.strideH, s.strideW, s.padH, s.padW, s.same));
      } else {
        ops.add(new Architecture.Dense(k == steps.size() - 1 ? "softmax" : s.activation));
      }
    }
    return input.length == 4 && (steps.get(0).conv || steps.get(0).pool)
        ? new Architecture((int) input[1], (int) input[2], (int) input[3], ops)
        : new Architecture(1, 1, (int) (input.length == 4 ? input[1] * input[2] * input[3] : input[1]), ops);
  }

  ModelWeights weights() {
    check();
    List<LayerWeights> out = new ArrayList<>();
    for (int k = 0; k < steps.size(); k++) {
      Step s = steps.get(k);
      if (!s.pool) {
        LayerKind kind = s.conv ? LayerKind.CONV : k == steps.size() - 1 ? LayerKind.OUTPUT : LayerKind.DENSE;
        out.add(new LayerWeights(s.name, kind, s.shape, s.conv ? 0 : 1, s.positions, s.weights, s.bias));
      }
    }
    return new ModelWeights(out);
  }

  private void check() {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("the model has no Gemm, MatMul or Conv layer");
    }
    Step last = steps.get(steps.size() - 1);
    if (last.pool || last.conv || !flat) {
      throw new IllegalArgumentException("the model ends in '" + last.name + "', not in a Gemm or MatMul over flat "
          + "features; modelpress imports classifiers whose last layer is fully connected");
    }
    if (!last.activation.equals("identity")) {
      throw new IllegalArgumentException("the last layer '" + last.name + "' has a " + last.activation + " activation; "
          + "modelpress imports classifiers that end in logits or a Softmax");
    }
  }
}
