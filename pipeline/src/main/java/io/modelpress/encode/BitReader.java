package io.modelpress.encode;

/** Reads what {@link BitWriter} wrote. */
final class BitReader {

  private final byte[] bytes;
  private long bitPos;

  BitReader(byte[] bytes) {
    this.bytes = bytes;
  }

  int read(int bits) {
    long v = 0;
    for (int i = 0; i < bits; i++) {
      int byteIndex = (int) (bitPos >>> 3);
      if (byteIndex >= bytes.length) {
        throw new IllegalArgumentException("artifact truncated: bit payload ended early");
      }
      int bit = (bytes[byteIndex] >>> (7 - (bitPos & 7))) & 1;
      v = (v << 1) | bit;
      bitPos++;
    }
    return (int) v;
  }
}
