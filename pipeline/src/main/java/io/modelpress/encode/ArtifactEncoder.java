package io.modelpress.encode;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
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
    // Every index coding is sized exactly (each stream fixed-width or Huffman, whichever is smaller) and
    // the smallest is written.
    int[] gaps = gaps(stored, nnz);
    int[] denseValues = codes;
    int[] storedValues = new int[nnz];
    for (int i = 0, k = 0; i < n; i++) {
      if (stored[i]) {
        storedValues[k++] = codes[i];
      }
    }
    int kind = ArtifactFormat.INDEX_DENSE;
    int bestIndexBits = 0;
    long best = Stream.of(denseValues, vb).bytes();
    long bitmap = bytes(n) + 5 + Stream.of(storedValues, vb).bytes();
    if (bitmap < best) {
      best = bitmap;
      kind = ArtifactFormat.INDEX_BITMAP;
    }
    int[][] relative = null;
    for (int ib : ArtifactFormat.RELATIVE_INDEX_BITS) {
      if (1 + gapStreamBytes(gaps, ib) + 5 + bytes(relativeEntries(gaps, ib)) >= best) {
        continue; // cannot win: the gap stream alone, plus one bit per value, is already larger
      }
      int[][] streams = relativeStreams(l, coding, stored, codes, ib);
      long cost = 1 + Stream.of(streams[0], ib).bytes() + Stream.of(streams[1], vb).bytes();
      if (cost < best) {
        best = cost;
        kind = ArtifactFormat.INDEX_RELATIVE;
        bestIndexBits = ib;
        relative = streams;
      }
    }
    out.writeByte(kind);
    if (kind == ArtifactFormat.INDEX_DENSE) {
      out.writeInt(n);
      Stream.of(denseValues, vb).write(out);
    } else if (kind == ArtifactFormat.INDEX_BITMAP) {
      out.writeInt(nnz);
      int[] bits = new int[n];
      for (int i = 0; i < n; i++) {
        bits[i] = stored[i] ? 1 : 0;
      }
      Stream.fixed(bits, 1).write(out);
      Stream.of(storedValues, vb).write(out);
    } else {
      out.writeByte(bestIndexBits);
      out.writeInt(relative[0].length);
      Stream.of(relative[0], bestIndexBits).write(out);
      Stream.of(relative[1], vb).write(out);
    }
    writeBias(out, l);
  }

  /** Exact bytes of the gap stream for {@code ib}-bit gaps (fixed or Huffman), from a histogram. */
  private static long gapStreamBytes(int[] gaps, int ib) {
    int maxGap = (1 << ib) - 1;
    long[] counts = new long[maxGap + 1];
    long entries = 0;
    for (int g : gaps) {
      long pads = g >>> ib;
      counts[maxGap] += pads;
      counts[g & maxGap]++;
      entries += pads + 1;
    }
    long fixed = 1 + 4 + bytes(entries * ib);
    int alphabet = counts.length;
    while (alphabet > 0 && counts[alphabet - 1] == 0) {
      alphabet--; // the written table stops at the highest symbol present
    }
    int[] lengths = Huffman.lengths(java.util.Arrays.copyOf(counts, alphabet));
    if (lengths == null) {
      return fixed;
    }
    return Math.min(fixed, 1 + 2 + alphabet + 4 + bytes(Huffman.bits(java.util.Arrays.copyOf(counts, alphabet), lengths)));
  }

  /** Gap and value streams of a relative index with {@code ib}-bit gaps; padding entries store zero. */
  private static int[][] relativeStreams(LayerWeights l, ValueCoding coding, boolean[] stored, int[] codes, int ib) {
    int maxGap = (1 << ib) - 1;
    int[] gapsOut = new int[16];
    int[] valuesOut = new int[16];
    int entries = 0;
    int prev = -1;
    for (int i = 0; i < stored.length; i++) {
      if (!stored[i]) {
        continue;
      }
      while (i - prev - 1 > maxGap) {
        prev += maxGap + 1;
        if (entries == gapsOut.length) {
          gapsOut = java.util.Arrays.copyOf(gapsOut, entries * 2);
          valuesOut = java.util.Arrays.copyOf(valuesOut, entries * 2);
        }
        gapsOut[entries] = maxGap;
        valuesOut[entries++] = zeroCode(l, coding, prev);
      }
      if (entries == gapsOut.length) {
        gapsOut = java.util.Arrays.copyOf(gapsOut, entries * 2);
        valuesOut = java.util.Arrays.copyOf(valuesOut, entries * 2);
      }
      gapsOut[entries] = i - prev - 1;
      valuesOut[entries++] = codes[i];
      prev = i;
    }
    return new int[][] {java.util.Arrays.copyOf(gapsOut, entries), java.util.Arrays.copyOf(valuesOut, entries)};
  }

  /**
   * One stream of symbols of {@code width} bits: fixed-width, or canonical Huffman when that is smaller
   * (alphabets up to 2^12). Written as: coding u8 (0 fixed, 1 Huffman); Huffman: alphabet u16, alphabet ×
   * length u8; then byte length i32 and the bits.
   */
  private record Stream(int[] symbols, int width, int[] lengths, long bytes) {

    static Stream fixed(int[] symbols, int width) {
      return new Stream(symbols, width, null, 1 + 4 + ArtifactEncoder.bytes((long) symbols.length * width));
    }

    static Stream of(int[] symbols, int width) {
      Stream fixed = fixed(symbols, width);
      if (width > 12 || symbols.length == 0) {
        return fixed;
      }
      int alphabet = 0;
      for (int v : symbols) {
        alphabet = Math.max(alphabet, v + 1);
      }
      long[] counts = new long[alphabet];
      for (int v : symbols) {
        counts[v]++;
      }
      int[] lengths = Huffman.lengths(counts);
      if (lengths == null) {
        return fixed;
      }
      long huffBytes = 1 + 2 + lengths.length + 4 + ArtifactEncoder.bytes(Huffman.bits(counts, lengths));
      return huffBytes < fixed.bytes() ? new Stream(symbols, width, lengths, huffBytes) : fixed;
    }

    void write(DataOutputStream out) throws IOException {
      BitWriter bits = new BitWriter();
      if (lengths == null) {
        out.writeByte(0);
        for (int v : symbols) {
          bits.write(v, width);
        }
      } else {
        out.writeByte(1);
        out.writeShort(lengths.length);
        for (int len : lengths) {
          out.writeByte(len);
        }
        int[] codes = Huffman.codes(lengths);
        for (int v : symbols) {
          bits.write(codes[v], lengths[v]);
        }
      }
      byte[] b = bits.toByteArray();
      out.writeInt(b.length);
      out.write(b);
    }
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
