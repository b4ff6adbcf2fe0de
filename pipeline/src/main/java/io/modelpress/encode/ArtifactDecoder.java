package io.modelpress.encode;

import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
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

  /** Largest layer a decoder accepts (2^28 weights, 1 GiB of floats): a damaged size must not exhaust memory. */
  static final long MAX_WEIGHTS = 1L << 28;

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
    int kindByte = in.readUnsignedByte();
    if (kindByte >= LayerKind.values().length) {
      throw new IllegalArgumentException("artifact damaged: layer '" + name + "' has kind " + kindByte);
    }
    LayerKind kind = LayerKind.values()[kindByte];
    int rank = in.readUnsignedByte();
    if (rank < 1 || rank > 8) {
      throw new IllegalArgumentException("artifact damaged: layer '" + name + "' has rank " + rank);
    }
    int[] shape = new int[rank];
    long n = 1;
    for (int d = 0; d < rank; d++) {
      shape[d] = in.readInt();
      n *= shape[d];
      if (shape[d] < 1 || n > MAX_WEIGHTS) {
        throw new IllegalArgumentException("artifact damaged: layer '" + name + "' declares shape dimension " + shape[d]);
      }
    }
    int outAxis = in.readUnsignedByte();
    int positions = in.readInt();
    // A template with zero weights gives channelOf() for per-channel scales.
    LayerWeights shapeOnly = new LayerWeights(name, kind, shape, outAxis, positions, new float[(int) n], new float[0]);
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
        if (channels < 1 || channels > n) {
          throw new IllegalArgumentException("artifact damaged: layer '" + name + "' declares " + channels + " channels");
        }
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
    float[] w = new float[(int) n];
    switch (indexKind) {
      case ArtifactFormat.INDEX_DENSE -> {
        SymbolReader values = SymbolReader.read(in, vb, name);
        for (int i = 0; i < n; i++) {
          w[i] = value(values.next(), valueKind, scales, zps, perChannel ? shapeOnly.channelOf(i) : 0);
        }
      }
      case ArtifactFormat.INDEX_BITMAP -> {
        SymbolReader bitmap = SymbolReader.read(in, 1, name);
        boolean[] stored = new boolean[(int) n];
        for (int i = 0; i < n; i++) {
          stored[i] = bitmap.next() == 1;
        }
        SymbolReader values = SymbolReader.read(in, vb, name);
        for (int i = 0; i < n; i++) {
          if (stored[i]) {
            w[i] = value(values.next(), valueKind, scales, zps, perChannel ? shapeOnly.channelOf(i) : 0);
          }
        }
      }
      case ArtifactFormat.INDEX_RELATIVE -> {
        SymbolReader gaps = SymbolReader.read(in, indexBits, name);
        SymbolReader values = SymbolReader.read(in, vb, name);
        int prev = -1;
        for (int e = 0; e < entries; e++) {
          prev += gaps.next() + 1;
          if (prev >= n) {
            throw new IllegalArgumentException("layer '" + name + "': index " + prev + " beyond " + n + " weights");
          }
          w[prev] = value(values.next(), valueKind, scales, zps, perChannel ? shapeOnly.channelOf(prev) : 0);
        }
      }
      default -> throw new IllegalArgumentException("layer '" + name + "': unknown index coding " + indexKind);
    }
    int biasCount = in.readInt();
    if (biasCount < 0 || biasCount > n) {
      throw new IllegalArgumentException("artifact damaged: layer '" + name + "' declares " + biasCount + " biases");
    }
    float[] bias = new float[biasCount];
    for (int i = 0; i < biasCount; i++) {
      bias[i] = in.readFloat();
    }
    return new LayerWeights(name, kind, shape, outAxis, positions, w, bias);
  }

  /** Reads one stream (fixed-width or canonical Huffman, see ArtifactEncoder.Stream) symbol by symbol. */
  private static final class SymbolReader {
    private final BitReader bits;
    private final int width;
    private final Huffman.Decoder huffman;

    private SymbolReader(BitReader bits, int width, Huffman.Decoder huffman) {
      this.bits = bits;
      this.width = width;
      this.huffman = huffman;
    }

    static SymbolReader read(DataInputStream in, int width, String layer) throws IOException {
      int coding = in.readUnsignedByte();
      Huffman.Decoder decoder = null;
      if (coding == 1) {
        int alphabet = in.readUnsignedShort();
        int[] lengths = new int[alphabet];
        for (int s = 0; s < alphabet; s++) {
          lengths[s] = in.readUnsignedByte();
        }
        decoder = new Huffman.Decoder(lengths);
      } else if (coding != 0) {
        throw new IllegalArgumentException("layer '" + layer + "': unknown stream coding " + coding);
      }
      int length = in.readInt();
      byte[] payload = in.readNBytes(length);
      if (payload.length != length) {
        throw new IllegalArgumentException("artifact truncated in layer '" + layer + "'");
      }
      return new SymbolReader(new BitReader(payload), width, decoder);
    }

    int next() {
      return huffman == null ? bits.read(width) : huffman.read(bits);
    }
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
