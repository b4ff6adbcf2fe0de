package io.modelpress.encode;

/**
 * Constants of the compressed-model artifact, format 1 (file extension {@code .mpz}). Big-endian.
 *
 * <pre>
 * magic        4 bytes  "MPZ1"
 * version      u8       2
 * fingerprint  32 bytes SHA-256 of the original model file (zeros if unknown)
 * layers       u16
 * per layer:
 *   name       modified UTF-8 (DataOutput.writeUTF)
 *   kind       u8       0 dense, 1 conv, 2 output
 *   rank       u8, then rank × i32 shape; outAxis u8; positions i32
 *   values     u8       0 fp32, 1 fp16, 2 uniform, 3 codebook
 *     uniform:  bits u8, perChannel u8, channels i32, channels × (scale f32, zeroPoint u8)
 *     codebook: bits u8, entries u16, entries × f32 (entry 0 is the exact zero when the layer has zeros)
 *   index      u8       0 dense (every position stored), 1 bitmap (1 bit per position),
 *                       2 relative (gap to the previous stored position, indexBits each)
 *     relative: indexBits u8
 *   entries    i32      number of stored values (relative: including padding entries)
 *   streams    dense: [values]; bitmap: [presence bits], [values]; relative: [gaps], [values]
 *     stream:  coding u8 (0 fixed width, 1 canonical Huffman);
 *              Huffman: alphabet u16, then one code length u8 per symbol (0 = unused);
 *              then byte length i32 and the bit-packed symbols (MSB first, last byte zero-padded)
 *   bias       i32 count, count × f32
 * </pre>
 *
 * Relative indices follow Deep Compression (Han et al. 2016): a gap larger than 2^indexBits − 1 is
 * bridged by a padding entry that stores the value zero. Streams of up to 12-bit symbols are
 * Huffman-coded when that is smaller (Deep Compression's third stage). The encoder computes the exact
 * size of every index coding, each stream at its better coding, and keeps the smallest.
 */
public final class ArtifactFormat {

  private ArtifactFormat() {}

  static final byte[] MAGIC = {'M', 'P', 'Z', '1'};
  static final int VERSION = 2;
  static final int FINGERPRINT_BYTES = 32;

  static final int VALUES_FP32 = 0;
  static final int VALUES_FP16 = 1;
  static final int VALUES_UNIFORM = 2;
  static final int VALUES_CODEBOOK = 3;

  static final int INDEX_DENSE = 0;
  static final int INDEX_BITMAP = 1;
  static final int INDEX_RELATIVE = 2;

  /** Relative index widths the encoder tries. */
  static final int[] RELATIVE_INDEX_BITS = {2, 3, 4, 5, 6, 8, 10, 12};
}
