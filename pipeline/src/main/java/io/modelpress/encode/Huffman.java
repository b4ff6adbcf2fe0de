package io.modelpress.encode;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Canonical Huffman coding of small alphabets (symbols 0..n−1), the last stage of Deep Compression
 * (Han et al. 2016, §4). Code lengths come from the usual merge of the two rarest subtrees; codes are
 * assigned canonically (by length, then symbol), so a table of lengths is all a decoder needs. Lengths
 * are capped at {@link #MAX_LENGTH}: when the optimal code would be deeper, {@link #lengths} returns null
 * and the caller keeps fixed-width codes.
 */
final class Huffman {

  static final int MAX_LENGTH = 24;

  private Huffman() {}

  /** Optimal code lengths for the symbol counts (0 for absent symbols), or null if deeper than the cap. */
  static int[] lengths(long[] counts) {
    int n = counts.length;
    int[] len = new int[n];
    int present = 0;
    for (long c : counts) {
      if (c > 0) {
        present++;
      }
    }
    if (present == 0) {
      return len;
    }
    if (present == 1) {
      for (int s = 0; s < n; s++) {
        if (counts[s] > 0) {
          len[s] = 1;
        }
      }
      return len;
    }
    // nodes 0..n−1 are leaves; internal nodes follow; parent[] gives depth by walking up
    int[] parent = new int[2 * n];
    Arrays.fill(parent, -1);
    PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    for (int s = 0; s < n; s++) {
      if (counts[s] > 0) {
        heap.add(new long[] {counts[s], s});
      }
    }
    int next = n;
    while (heap.size() > 1) {
      long[] a = heap.poll();
      long[] b = heap.poll();
      parent[(int) a[1]] = next;
      parent[(int) b[1]] = next;
      heap.add(new long[] {a[0] + b[0], next});
      next++;
    }
    for (int s = 0; s < n; s++) {
      if (counts[s] > 0) {
        int d = 0;
        for (int v = s; parent[v] >= 0; v = parent[v]) {
          d++;
        }
        if (d > MAX_LENGTH) {
          return null;
        }
        len[s] = d;
      }
    }
    return len;
  }

  /** Canonical codes for the lengths: shorter codes first, equal lengths in symbol order. */
  static int[] codes(int[] lengths) {
    int[] codes = new int[lengths.length];
    Integer[] order = new Integer[lengths.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> lengths[a] != lengths[b] ? Integer.compare(lengths[a], lengths[b]) : Integer.compare(a, b));
    int code = 0;
    int prevLen = 0;
    for (int s : order) {
      if (lengths[s] == 0) {
        continue;
      }
      code <<= (lengths[s] - prevLen);
      codes[s] = code;
      code++;
      prevLen = lengths[s];
    }
    return codes;
  }

  /** Size in bits of the symbols under {@code lengths}. */
  static long bits(long[] counts, int[] lengths) {
    long b = 0;
    for (int s = 0; s < counts.length; s++) {
      b += counts[s] * lengths[s];
    }
    return b;
  }

  /** A decoder for canonical codes with the given lengths. */
  static final class Decoder {
    private final int[] firstCode = new int[MAX_LENGTH + 2];
    private final int[] firstIndex = new int[MAX_LENGTH + 2];
    private final int[] count = new int[MAX_LENGTH + 2];
    private final int[] symbols;

    Decoder(int[] lengths) {
      Integer[] order = new Integer[lengths.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> lengths[a] != lengths[b] ? Integer.compare(lengths[a], lengths[b]) : Integer.compare(a, b));
      int used = 0;
      for (int l : lengths) {
        if (l > MAX_LENGTH) {
          throw new IllegalArgumentException("artifact damaged: Huffman code length " + l);
        }
        if (l > 0) {
          count[l]++;
          used++;
        }
      }
      symbols = new int[used];
      int k = 0;
      for (int s : order) {
        if (lengths[s] > 0) {
          symbols[k++] = s;
        }
      }
      int code = 0;
      int index = 0;
      for (int l = 1; l <= MAX_LENGTH; l++) {
        code = (code + count[l - 1]) << 1;
        firstCode[l] = code;
        firstIndex[l] = index;
        index += count[l];
      }
    }

    int read(BitReader in) {
      int code = 0;
      for (int l = 1; l <= MAX_LENGTH; l++) {
        code = (code << 1) | in.read(1);
        int offset = code - firstCode[l];
        if (offset >= 0 && offset < count[l]) {
          return symbols[firstIndex[l] + offset];
        }
      }
      throw new IllegalArgumentException("artifact damaged: no Huffman code matches");
    }
  }
}
