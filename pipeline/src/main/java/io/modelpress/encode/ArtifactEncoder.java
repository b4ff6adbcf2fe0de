package io.modelpress.encode;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.model.LayerWeights;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Serializes a {@link CompressedModel} into the {@link ArtifactFormat} bytes. */
public final class ArtifactEncoder {

  private ArtifactEncoder() {}

  public static byte[] encode(CompressedModel model, byte[] fingerprint) {
    if (fingerprint.length != ArtifactFormat.FINGERPRINT_BYTES) {
      throw new IllegalArgumentException("fingerprint must be 32 bytes, got " + fingerprint.length);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(ArtifactFormat.MAGIC);
      out.writeByte(ArtifactFormat.VERSION);
      out.write(fingerprint);
      out.writeShort(model.weights().layers().size());
      for (LayerWeights l : model.weights().layers()) {
        writeLayer(out, l, model.coding(l.name()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeLayer(DataOutputStream out, LayerWeights l, ValueCoding coding) throws IOException {
    out.writeUTF(l.name());
    out.writeByte(l.kind().ordinal());
    out.writeByte(l.shape().length);
    for (int d : l.shape()) {
      out.writeInt(d);
    }
    out.writeByte(l.outAxis());
    out.writeInt(l.positions());
    int[] codes = valueCodes(l, coding);
    if (coding instanceof ValueCoding.Uniform u) {
      out.writeByte(ArtifactFormat.VALUES_UNIFORM);
      out.writeByte(u.bits());
      out.writeByte(u.perChannel() ? 1 : 0);
      out.writeInt(u.scales().length);
      for (int c = 0; c < u.scales().length; c++) {
        out.writeFloat(u.scales()[c]);
        out.writeByte(u.zeroPoints()[c]);
      }
    } else if (coding instanceof ValueCoding.Codebook cb) {
      out.writeByte(ArtifactFormat.VALUES_CODEBOOK);
      out.writeByte(cb.bits());
      out.writeShort(cb.codebook().length);
      for (float v : cb.codebook()) {
        out.writeFloat(v);
      }
    } else if (coding instanceof ValueCoding.Fp16) {
      out.writeByte(ArtifactFormat.VALUES_FP16);
    } else {
      out.writeByte(ArtifactFormat.VALUES_FP32);
    }
    int vb = coding.valueBits();
    boolean[] stored = storedPositions(l);
    if (coding instanceof ValueCoding.Codebook cb && !cb.hasZero()) {
      java.util.Arrays.fill(stored, true); // no code for zero: every position is stored (dense)
    }
    int n = l.size();
    int nnz = 0;
    for (boolean b : stored) {
      if (b) {
        nnz++;
      }
    }
    // exact bytes of each index coding: payload (byte-aligned streams) plus the relative coding's width byte
    long best = bytes((long) n * vb);
    int kind = ArtifactFormat.INDEX_DENSE;
    int bestIndexBits = 0;
    long bitmap = bytes(n + (long) nnz * vb);
    if (bitmap < best) {
      best = bitmap;
      kind = ArtifactFormat.INDEX_BITMAP;
    }
    int[] gaps = gaps(stored, nnz);
    for (int ib : ArtifactFormat.RELATIVE_INDEX_BITS) {
      long entries = relativeEntries(gaps, ib);
      long cost = 1 + bytes(entries * ib) + bytes(entries * vb);
      if (cost < best) {
        best = cost;
        kind = ArtifactFormat.INDEX_RELATIVE;
        bestIndexBits = ib;
      }
    }
    BitWriter bits = new BitWriter();
    int entries;
    out.writeByte(kind);
    if (kind == ArtifactFormat.INDEX_DENSE) {
      entries = n;
      for (int i = 0; i < n; i++) {
        bits.write(codes[i], vb);
      }
    } else if (kind == ArtifactFormat.INDEX_BITMAP) {
      entries = nnz;
      for (boolean b : stored) {
        bits.write(b ? 1 : 0, 1);
      }
      for (int i = 0; i < n; i++) {
        if (stored[i]) {
          bits.write(codes[i], vb);
        }
      }
    } else {
      out.writeByte(bestIndexBits);
      int maxGap = (1 << bestIndexBits) - 1;
      // The gap stream first, then the value stream, each bit-packed; padding entries store zero.
      BitWriter valueStream = new BitWriter();
      entries = 0;
      int prev = -1;
      for (int i = 0; i < n; i++) {
        if (!stored[i]) {
          continue;
        }
        while (i - prev - 1 > maxGap) {
          prev += maxGap + 1;
          bits.write(maxGap, bestIndexBits);
          valueStream.write(zeroCode(l, coding, prev), vb);
          entries++;
        }
        bits.write(i - prev - 1, bestIndexBits);
        valueStream.write(codes[i], vb);
        entries++;
        prev = i;
      }
      out.writeInt(entries);
      byte[] idx = bits.toByteArray();
      byte[] val = valueStream.toByteArray();
      out.writeInt(idx.length + val.length);
      out.write(idx);
      out.write(val);
      writeBias(out, l);
      return;
    }
    out.writeInt(entries);
    byte[] payload = bits.toByteArray();
    out.writeInt(payload.length);
    out.write(payload);
    writeBias(out, l);
  }

  private static void writeBias(DataOutputStream out, LayerWeights l) throws IOException {
    out.writeInt(l.bias().length);
    for (float b : l.bias()) {
      out.writeFloat(b);
    }
  }

  /** Positions that must be stored: every weight whose bit pattern is not +0.0. */
  private static boolean[] storedPositions(LayerWeights l) {
    float[] w = l.weights();
    boolean[] s = new boolean[w.length];
    for (int i = 0; i < w.length; i++) {
      s[i] = Float.floatToRawIntBits(w[i]) != 0;
    }
    return s;
  }

  private static long bytes(long bits) {
    return (bits + 7) / 8;
  }

  /** Gaps between consecutive stored positions (the first counted from position −1). */
  private static int[] gaps(boolean[] stored, int nnz) {
    int[] gaps = new int[nnz];
    int k = 0;
    int prev = -1;
    for (int i = 0; i < stored.length; i++) {
      if (stored[i]) {
        gaps[k++] = i - prev - 1;
        prev = i;
      }
    }
    return gaps;
  }

  /** Entries (stored values plus padding entries) of a relative index with {@code indexBits}-bit gaps. */
  static long relativeEntries(int[] gaps, int indexBits) {
    int shift = indexBits;
    long entries = gaps.length;
    for (int g : gaps) {
      entries += g >>> shift; // a gap of g needs g / 2^indexBits padding entries
    }
    return entries;
  }

  static long relativeEntries(boolean[] stored, int indexBits) {
    int nnz = 0;
    for (boolean b : stored) {
      if (b) {
        nnz++;
      }
    }
    return relativeEntries(gaps(stored, nnz), indexBits);
  }

  private static int[] valueCodes(LayerWeights l, ValueCoding coding) {
    float[] w = l.weights();
    int[] codes = new int[w.length];
    if (coding instanceof ValueCoding.Uniform u) {
      int[] channel = u.perChannel() ? l.channels() : new int[w.length];
      for (int i = 0; i < w.length; i++) {
        int c = channel[i];
        int code = u.codes()[i];
        float back = ValueCoding.Uniform.dequantize(u.scales()[c], code, u.zeroPoints()[c]);
        if (Float.floatToRawIntBits(back) != Float.floatToRawIntBits(w[i])) {
          throw new IllegalStateException("layer '" + l.name() + "' weight " + i + " is " + w[i]
              + " but its code decodes to " + back);
        }
        codes[i] = code;
      }
    } else if (coding instanceof ValueCoding.Codebook cb) {
      for (int i = 0; i < w.length; i++) {
        if (Float.floatToRawIntBits(cb.codebook()[cb.codes()[i]]) != Float.floatToRawIntBits(w[i])) {
          throw new IllegalStateException("layer '" + l.name() + "' weight " + i + " is not its codebook entry");
        }
        codes[i] = cb.codes()[i];
      }
    } else if (coding instanceof ValueCoding.Fp16) {
      for (int i = 0; i < w.length; i++) {
        codes[i] = HalfFloat.fromFloat(w[i]) & 0xffff;
      }
    } else {
      for (int i = 0; i < w.length; i++) {
        codes[i] = Float.floatToRawIntBits(w[i]);
      }
    }
    return codes;
  }

  private static int zeroCode(LayerWeights l, ValueCoding coding, int position) {
    if (coding instanceof ValueCoding.Uniform u) {
      return u.zeroPoints()[u.perChannel() ? l.channelOf(position) : 0]; // padding entries only: rare
    }
    return 0;
  }
}
