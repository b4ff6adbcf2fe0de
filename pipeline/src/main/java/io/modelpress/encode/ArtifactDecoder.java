package io.modelpress.encode;

import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.model.LayerKind;
import io.modelpress.model.LayerWeights;
import io.modelpress.model.ModelWeights;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads {@link ArtifactFormat} bytes back into the exact weights that were encoded. */
public final class ArtifactDecoder {

  private ArtifactDecoder() {}

  /** A decoded artifact: the original model's fingerprint and the weights. */
  public record Decoded(byte[] fingerprint, ModelWeights weights) {}

  public static Decoded decode(byte[] artifact) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(artifact))) {
      byte[] magic = in.readNBytes(4);
      if (!Arrays.equals(magic, ArtifactFormat.MAGIC)) {
        throw new IllegalArgumentException("not a modelpress artifact: bad magic " + Arrays.toString(magic));
      }
      int version = in.readUnsignedByte();
      if (version != ArtifactFormat.VERSION) {
        throw new IllegalArgumentException("artifact format version " + version + " is not supported (expected "
            + ArtifactFormat.VERSION + ")");
      }
      byte[] fingerprint = in.readNBytes(ArtifactFormat.FINGERPRINT_BYTES);
      int count = in.readUnsignedShort();
      List<LayerWeights> layers = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        layers.add(readLayer(in));
      }
      return new Decoded(fingerprint, new ModelWeights(layers));
    } catch (EOFException e) {
      throw new IllegalArgumentException("artifact truncated", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static LayerWeights readLayer(DataInputStream in) throws IOException {
    String name = in.readUTF();
    LayerKind kind = LayerKind.values()[in.readUnsignedByte()];
    int rank = in.readUnsignedByte();
    int[] shape = new int[rank];
    int n = 1;
    for (int d = 0; d < rank; d++) {
      shape[d] = in.readInt();
      n = Math.multiplyExact(n, shape[d]);
    }
    int outAxis = in.readUnsignedByte();
    int positions = in.readInt();
    // A template with zero weights gives channelOf() for per-channel scales.
    LayerWeights shapeOnly = new LayerWeights(name, kind, shape, outAxis, positions, new float[n], new float[0]);
    int valueKind = in.readUnsignedByte();
    int vb;
    float[] scales = null;
    int[] zps = null;
    boolean perChannel = false;
    switch (valueKind) {
      case ArtifactFormat.VALUES_FP32 -> vb = 32;
      case ArtifactFormat.VALUES_FP16 -> vb = 16;
      case ArtifactFormat.VALUES_UNIFORM -> {
        vb = in.readUnsignedByte();
        perChannel = in.readUnsignedByte() == 1;
        int channels = in.readInt();
        scales = new float[channels];
        zps = new int[channels];
        for (int c = 0; c < channels; c++) {
          scales[c] = in.readFloat();
          zps[c] = in.readUnsignedByte();
        }
      }
      case ArtifactFormat.VALUES_CODEBOOK -> {
        vb = in.readUnsignedByte();
        int entries = in.readUnsignedShort();
        scales = new float[entries];
        for (int e = 0; e < entries; e++) {
          scales[e] = in.readFloat();
        }
        zps = new int[entries]; // unused: the codebook is in scales
      }
      default -> throw new IllegalArgumentException("layer '" + name + "': unknown value coding " + valueKind);
    }
    int indexKind = in.readUnsignedByte();
    int indexBits = indexKind == ArtifactFormat.INDEX_RELATIVE ? in.readUnsignedByte() : 0;
    int entries = in.readInt();
    int payloadLength = in.readInt();
    byte[] payload = in.readNBytes(payloadLength);
    if (payload.length != payloadLength) {
      throw new IllegalArgumentException("artifact truncated in layer '" + name + "'");
    }
    float[] w = new float[n];
    BitReader bits = new BitReader(payload);
    switch (indexKind) {
      case ArtifactFormat.INDEX_DENSE -> {
        for (int i = 0; i < n; i++) {
          w[i] = value(bits.read(vb), valueKind, scales, zps, perChannel ? shapeOnly.channelOf(i) : 0);
        }
      }
      case ArtifactFormat.INDEX_BITMAP -> {
        boolean[] stored = new boolean[n];
        for (int i = 0; i < n; i++) {
          stored[i] = bits.read(1) == 1;
        }
        for (int i = 0; i < n; i++) {
          if (stored[i]) {
            w[i] = value(bits.read(vb), valueKind, scales, zps, perChannel ? shapeOnly.channelOf(i) : 0);
          }
        }
      }
      case ArtifactFormat.INDEX_RELATIVE -> {
        int[] pos = new int[entries];
        int prev = -1;
        for (int e = 0; e < entries; e++) {
          prev += bits.read(indexBits) + 1;
          if (prev >= n) {
            throw new IllegalArgumentException("layer '" + name + "': index " + prev + " beyond " + n + " weights");
          }
          pos[e] = prev;
        }
        // the value stream starts at the next byte boundary after the gap stream
        int gapBytes = (int) (((long) entries * indexBits + 7) / 8);
        BitReader values = new BitReader(Arrays.copyOfRange(payload, gapBytes, payload.length));
        for (int e = 0; e < entries; e++) {
          int i = pos[e];
          w[i] = value(values.read(vb), valueKind, scales, zps, perChannel ? shapeOnly.channelOf(i) : 0);
        }
      }
      default -> throw new IllegalArgumentException("layer '" + name + "': unknown index coding " + indexKind);
    }
    int biasCount = in.readInt();
    float[] bias = new float[biasCount];
    for (int i = 0; i < biasCount; i++) {
      bias[i] = in.readFloat();
    }
    return new LayerWeights(name, kind, shape, outAxis, positions, w, bias);
  }

  private static float value(int code, int valueKind, float[] scales, int[] zps, int channel) {
    return switch (valueKind) {
      case ArtifactFormat.VALUES_FP32 -> Float.intBitsToFloat(code);
      case ArtifactFormat.VALUES_FP16 -> HalfFloat.toFloat((short) code);
      case ArtifactFormat.VALUES_CODEBOOK -> {
        if (code >= scales.length) {
          throw new IllegalArgumentException("artifact damaged: code " + code + " beyond a codebook of " + scales.length);
        }
        yield scales[code];
      }
      default -> ValueCoding.Uniform.dequantize(scales[channel], code, zps[channel]);
    };
  }
}
