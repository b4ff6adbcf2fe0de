package io.modelpress.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/** Reading ONNX tensors and node attributes into plain arrays (the importer's only contact with protobuf types). */
final class OnnxTensors {

  private OnnxTensors() {}

  /** A constant tensor: its dimensions and its values as floats (and as longs for the integer types). */
  record Constant(long[] dims, float[] floats, long[] longs) {

    int size() {
      return floats.length;
    }
  }

  /** The values of an initializer or a Constant node's tensor; refuses the types a network's weights never have. */
  static Constant constant(TensorProto t, String where) {
    long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    if (t.hasDataLocation() && t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new IllegalArgumentException(where + " keeps its data in an external file; save the model with its "
          + "weights inside (onnx.save(model, path, save_as_external_data=False))");
    }
    ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    boolean hasRaw = t.getRawData().size() > 0;
    int count = Math.toIntExact(n);
    float[] f = new float[count];
    long[] l = new long[count];
    switch (t.getDataType()) {
      case 1 -> { // FLOAT
        for (int i = 0; i < count; i++) {
          f[i] = hasRaw ? raw.getFloat() : t.getFloatData(i);
        }
      }
      case 11 -> { // DOUBLE
        for (int i = 0; i < count; i++) {
          f[i] = (float) (hasRaw ? raw.getDouble() : t.getDoubleData(i));
        }
      }
      case 10 -> { // FLOAT16, stored as uint16 bits (in int32_data when not raw)
        for (int i = 0; i < count; i++) {
          f[i] = io.modelpress.compress.quant.HalfFloat.toFloat(hasRaw ? raw.getShort() : (short) t.getInt32Data(i));
        }
      }
      case 7 -> { // INT64
        for (int i = 0; i < count; i++) {
          l[i] = hasRaw ? raw.getLong() : t.getInt64Data(i);
          f[i] = l[i];
        }
      }
      case 6 -> { // INT32
        for (int i = 0; i < count; i++) {
          l[i] = hasRaw ? raw.getInt() : t.getInt32Data(i);
          f[i] = l[i];
        }
      }
      default -> throw new IllegalArgumentException(where + " has tensor data type " + t.getDataType()
          + "; modelpress imports float, double, float16, int32 and int64 tensors");
    }
    return new Constant(dims, f, l);
  }

  /** A node's attribute, or null. */
  static AttributeProto attribute(NodeProto node, String name) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  static long integer(NodeProto node, String name, long otherwise) {
    AttributeProto a = attribute(node, name);
    return a == null ? otherwise : a.getI();
  }

  static float number(NodeProto node, String name, float otherwise) {
    AttributeProto a = attribute(node, name);
    return a == null ? otherwise : a.getF();
  }

  static String string(NodeProto node, String name, String otherwise) {
    AttributeProto a = attribute(node, name);
    return a == null ? otherwise : a.getS().toStringUtf8();
  }

  static long[] integers(NodeProto node, String name, long[] otherwise) {
    AttributeProto a = attribute(node, name);
    return a == null ? otherwise : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
  }

  /** "node 'NAME' (OP)": how every message names a node. */
  static String describe(NodeProto node, int index) {
    String name = node.getName().isEmpty() ? node.getOpType() + "_" + index : node.getName();
    return "node '" + name + "' (" + node.getOpType() + ")";
  }

  /** The node's name, or OP_index when the exporter left it empty. */
  static String name(NodeProto node, int index) {
    return node.getName().isEmpty() ? node.getOpType() + "_" + index : node.getName();
  }

  /** {@code w} of shape [rows, cols] transposed to [cols, rows]. */
  static float[] transpose(float[] w, int rows, int cols) {
    float[] t = new float[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = w[r * cols + c];
      }
    }
    return t;
  }

  static String dims(long[] d) {
    return Arrays.toString(d);
  }

  static List<String> inputs(NodeProto n) {
    return n.getInputList().stream().filter(s -> !s.isEmpty()).toList();
  }
}
