package io.modelpress.onnx;

import static io.modelpress.onnx.OnnxTensors.describe;
import static io.modelpress.onnx.OnnxTensors.inputs;
import static io.modelpress.onnx.OnnxTensors.integer;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.modelpress.onnx.OnnxTensors.Constant;
import io.modelpress.runtime.Architecture;
import io.modelpress.weights.ModelWeights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a sequential ONNX classifier (as {@code torch.onnx.export} and tf2onnx write them, opsets 11–21) into
 * the backend-neutral form every other part of modelpress works on: an {@link Architecture} and its
 * {@link ModelWeights}. Batch normalisation is folded into the layer before it, activations into the layer
 * they follow, the shape arithmetic exporters emit for a dynamic batch is evaluated, Dropout and Identity are
 * dropped. Anything else is refused in one line that names the node, its op type and the supported ops.
 *
 * <p>The walk is one pass over the nodes in their (topological) order, tracking the single activation tensor
 * that flows down the chain; a node that reads any other tensor except constants and shape values is a branch,
 * refused until graph models exist (issue #22).
 */
public final class OnnxImport {

  /** The op types imported (besides the shape arithmetic: Shape, Gather, Unsqueeze, Squeeze, Concat, Cast, Slice). */
  public static final List<String> SUPPORTED = List.of("Gemm", "MatMul", "Add", "Conv", "BatchNormalization", "Relu",
      "Clip", "LeakyRelu", "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
      "Dropout", "Identity", "Softmax", "Constant");

  static final int MIN_OPSET = 11;
  static final int MAX_OPSET = 21;

  private OnnxImport() {}

  /** The imported network: its layer sequence for the runtime and the backends, and its weights. */
  public record Imported(Architecture architecture, ModelWeights weights, String producer) {

    public int classes() {
      return weights.layers().get(weights.layers().size() - 1).outChannels();
    }
  }

  /** Imports {@code bytes}; refuses what is not a supported ONNX classifier with a one-line message. */
  public static Imported read(byte[] bytes) {
    ModelProto model;
    try {
      model = ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the file is not an ONNX model (" + e.getMessage() + ")");
    }
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new IllegalArgumentException("the file is not an ONNX model (no graph with nodes)");
    }
    int opset = opset(model);
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new IllegalArgumentException("the model has opset " + opset + "; modelpress imports opsets " + MIN_OPSET
          + "–" + MAX_OPSET + " (export with torch.onnx.export(..., opset_version=13))");
    }
    String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
    return new Walk(model.getGraph()).run(producer);
  }

  private static int opset(ModelProto model) {
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        return (int) o.getVersion();
      }
    }
    throw new IllegalArgumentException("the model imports no version of the default ONNX operator set");
  }

  /** The state of one pass down the chain. */
  private static final class Walk {
    private final GraphProto graph;
    private final Map<String, Constant> constants = new HashMap<>();
    /** Values of the small integer tensors that exporters compute shapes with; {@link Layers#BATCH} marks the batch. */
    private final Map<String, long[]> shapes = new HashMap<>();
    /** Every tensor that was the chain's activation, with its dimensions. */
    private final Map<String, long[]> chain = new HashMap<>();
    private String current;
    private final Layers layers = new Layers();

    Walk(GraphProto graph) {
      this.graph = graph;
      for (TensorProto t : graph.getInitializerList()) {
        constants.put(t.getName(), OnnxTensors.constant(t, "initializer '" + t.getName() + "'"));
      }
      if (graph.getSparseInitializerCount() > 0) {
        throw new IllegalArgumentException("the model has sparse initializers ('"
            + graph.getSparseInitializer(0).getValues().getName() + "'); export it with dense weights");
      }
    }

    Imported run(String producer) {
      ValueInfoProto input = input();
      long[] dims = inputDims(input);
      current = input.getName();
      chain.put(current, dims);
      layers.start(dims);
      List<NodeProto> nodes = graph.getNodeList();
      for (int i = 0; i < nodes.size(); i++) {
        NodeProto n = nodes.get(i);
        if (layers.ended() && !n.getOpType().equals("Identity") && !n.getOpType().equals("Dropout")) {
          throw new IllegalArgumentException(describe(n, i) + " follows the final Softmax; modelpress imports "
              + "classifiers whose Softmax, if any, is the last node");
        }
        node(n, i);
      }
      if (graph.getOutputCount() != 1 || !graph.getOutput(0).getName().equals(current)) {
        throw new IllegalArgumentException("the graph's outputs " + graph.getOutputList().stream()
            .map(ValueInfoProto::getName).toList() + " are not the single chain's end '" + current
            + "'; modelpress imports classifiers with one output");
      }
      return new Imported(layers.architecture(), layers.weights(), producer);
    }

    private ValueInfoProto input() {
      List<ValueInfoProto> in = graph.getInputList().stream().filter(v -> !constants.containsKey(v.getName())).toList();
      if (in.size() != 1) {
        throw new IllegalArgumentException("the model has " + in.size() + " inputs " + in.stream()
            .map(ValueInfoProto::getName).toList() + "; modelpress imports models with one image input [N, C, H, W] or "
            + "one feature input [N, F]");
      }
      return in.get(0);
    }

    private static long[] inputDims(ValueInfoProto in) {
      String name = "the input '" + in.getName() + "'";
      if (!in.getType().hasTensorType() || in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        throw new IllegalArgumentException(name + " is not a float tensor; modelpress imports float inputs");
      }
      List<TensorShapeProto.Dimension> d = in.getType().getTensorType().getShape().getDimList();
      if (d.size() != 4 && d.size() != 2) {
        throw new IllegalArgumentException(name + " has " + d.size() + " dimensions; modelpress imports [N, C, H, W] "
            + "images or [N, F] features");
      }
      long[] dims = new long[d.size()];
      dims[0] = Layers.BATCH;
      String[] axes = d.size() == 4 ? new String[] {"N", "C", "H", "W"} : new String[] {"N", "F"};
      for (int k = 1; k < d.size(); k++) {
        if (!d.get(k).hasDimValue() || d.get(k).getDimValue() <= 0) {
          throw new IllegalArgumentException(name + " has a dynamic " + axes[k] + " dimension ('"
              + d.get(k).getDimParam() + "'); export with a fixed " + (d.size() == 4 ? "C, H, W" : "F")
              + " and only the batch dynamic");
        }
        dims[k] = d.get(k).getDimValue();
      }
      return dims;
    }

    private void node(NodeProto n, int i) {
      String op = n.getOpType();
      if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
        throw unsupported(n, i, "from the operator set '" + n.getDomain() + "'");
      }
      if (op.equals("Constant")) {
        Constant c = OnnxTensors.constant(OnnxTensors.attribute(n, "value") == null ? TensorProto.getDefaultInstance()
            : OnnxTensors.attribute(n, "value").getT(), describe(n, i));
        constants.put(n.getOutput(0), c);
        shapes.put(n.getOutput(0), c.longs());
        return;
      }
      List<String> in = inputs(n);
      boolean readsChain = in.stream().anyMatch(chain::containsKey);
      if (!readsChain || op.equals("Shape")) {
        shapeNode(n, i, in);
        return;
      }
      if (!in.get(0).equals(current) || in.stream().skip(1).anyMatch(chain::containsKey)) {
        String other = in.stream().filter(chain::containsKey).filter(t -> !t.equals(current)).findFirst().orElse(current);
        throw new IllegalArgumentException(describe(n, i) + " reads '" + other + "' besides the chain's '" + current
            + "': a branch (residual Add or Concat of two paths); modelpress imports sequential networks today "
            + "(graph models are issue #22)");
      }
      long[] out = layers.apply(n, i, this::constant, this::shapeValue);
      current = n.getOutput(0);
      chain.put(current, out);
    }

    /** Shape arithmetic on constants and the chain's dimensions (Shape → Gather → Unsqueeze → Concat → Reshape). */
    private void shapeNode(NodeProto n, int i, List<String> in) {
      long[] v;
      switch (n.getOpType()) {
        case "Shape" -> v = chain.get(in.get(0)).clone();
        case "Gather" -> {
          long[] data = shapeValue(n, i, in.get(0));
          long[] idx = shapeValue(n, i, in.get(1));
          if (integer(n, "axis", 0) != 0) {
            throw unsupported(n, i, "with axis " + integer(n, "axis", 0) + " on shape values");
          }
          v = new long[idx.length];
          for (int k = 0; k < idx.length; k++) {
            v[k] = data[(int) (idx[k] < 0 ? idx[k] + data.length : idx[k])];
          }
        }
        case "Unsqueeze", "Squeeze", "Cast", "Identity" -> v = shapeValue(n, i, in.get(0));
        case "Concat" -> {
          List<long[]> parts = new ArrayList<>();
          for (String s : in) {
            parts.add(shapeValue(n, i, s));
          }
          v = parts.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        }
        case "Slice" -> {
          long[] data = shapeValue(n, i, in.get(0));
          int from = (int) clamp(shapeValue(n, i, in.get(1))[0], data.length);
          int to = (int) clamp(shapeValue(n, i, in.get(2))[0], data.length);
          v = java.util.Arrays.copyOfRange(data, from, Math.max(from, to));
        }
        default -> throw unsupported(n, i, "on constants");
      }
      shapes.put(n.getOutput(0), v);
    }

    private static long clamp(long k, int length) {
      long j = k < 0 ? k + length : k;
      return Math.max(0, Math.min(length, j));
    }

    private long[] shapeValue(NodeProto n, int i, String tensor) {
      long[] v = shapes.get(tensor);
      if (v == null) {
        Constant c = constants.get(tensor);
        if (c == null) {
          throw new IllegalArgumentException(describe(n, i) + " reads '" + tensor + "', which is neither a constant "
              + "nor computed from the input's shape");
        }
        return c.longs();
      }
      return v;
    }

    private Constant constant(NodeProto n, int i, String tensor) {
      Constant c = constants.get(tensor);
      if (c == null) {
        throw new IllegalArgumentException(describe(n, i) + " takes '" + tensor + "' from another node; modelpress "
            + "imports weights stored as initializers or Constant nodes");
      }
      return c;
    }
  }

  static IllegalArgumentException unsupported(NodeProto n, int i, String detail) {
    return new IllegalArgumentException(describe(n, i) + (detail.isEmpty() ? "" : " " + detail) + " is not supported"
        + (n.getOpType().equals("Transpose") ? " (a channels-last input? export the model for [N, C, H, W])" : "")
        + "; modelpress imports "
        + String.join(", ", SUPPORTED) + " (and the shape arithmetic of a dynamic batch)");
  }

  /** Reads a constant input of a node. */
  @FunctionalInterface
  interface Constants {
    Constant get(NodeProto n, int i, String tensor);
  }

  /** Reads a shape-valued input of a node. */
  @FunctionalInterface
  interface ShapeValues {
    long[] get(NodeProto n, int i, String tensor);
  }
}
