package io.modelpress.encode;

import java.io.ByteArrayOutputStream;

/** Writes unsigned values of 1–32 bits, most significant bit first, into bytes. */
final class BitWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private long buffer;
  private int filled;

  void write(int value, int bits) {
    if (bits < 1 || bits > 32) {
      throw new IllegalArgumentException("bits " + bits);
    }
    long v = value & ((1L << bits) - 1);
    buffer = (buffer << bits) | v;
    filled += bits;
    while (filled >= 8) {
      out.write((int) (buffer >>> (filled - 8)) & 0xff);
      filled -= 8;
    }
    buffer &= (1L << filled) - 1;
  }

  /** The bytes written, the last one padded with zero bits. */
  byte[] toByteArray() {
    if (filled > 0) {
      out.write((int) (buffer << (8 - filled)) & 0xff);
      buffer = 0;
      filled = 0;
    }
    return out.toByteArray();
  }
}
