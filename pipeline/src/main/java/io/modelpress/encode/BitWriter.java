package io.modelpress.encode;

import java.util.Arrays;

/** Writes unsigned values of 1–32 bits, most significant bit first, into a growing byte array. */
final class BitWriter {

  private byte[] buf = new byte[1024];
  private int size;
  private long buffer;
  private int filled;

  void write(int value, int bits) {
    long v = value & ((1L << bits) - 1);
    buffer = (buffer << bits) | v;
    filled += bits;
    while (filled >= 8) {
      filled -= 8;
      put((byte) (buffer >>> filled));
    }
    buffer &= (1L << filled) - 1;
  }

  private void put(byte b) {
    if (size == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[size++] = b;
  }

  /** The bytes written, the last one padded with zero bits. */
  byte[] toByteArray() {
    if (filled > 0) {
      put((byte) (buffer << (8 - filled)));
      buffer = 0;
      filled = 0;
    }
    return Arrays.copyOf(buf, size);
  }
}
