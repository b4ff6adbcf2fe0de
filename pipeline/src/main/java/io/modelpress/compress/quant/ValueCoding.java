package io.modelpress.compress.quant;

import java.io.Serializable;
import java.util.Objects;

/**
 * How the values of one layer are represented in the compressed artifact. The evaluated weights of a
 * trial are exactly the values this coding decodes to, so the artifact reproduces them bit for bit.
 */
public sealed interface ValueCoding extends Serializable
    permits ValueCoding.Fp32, ValueCoding.Fp16, ValueCoding.Codebook, ValueCoding.Uniform {

  /** Bits per stored value. */
  int valueBits();

  /** Raw 32-bit floats. */
  record Fp32() implements ValueCoding {
    @Override
    public int valueBits() {
      return 32;
    }
  }

  /** IEEE half precision ({@link HalfFloat}). */
  record Fp16() implements ValueCoding {
    @Override
    public int valueBits() {
      return 16;
    }
  }

  /**
   * A codebook of at most 2^bits values (k-means centroids, or powers of two) and one code per weight:
   * {@code w = codebook[code]}. When the codebook holds the exact 0 it is entry 0.
   */
  record Codebook(int bits, float[] codebook, int[] codes) implements ValueCoding {
    public Codebook {
      Objects.requireNonNull(codebook, "codebook");
      Objects.requireNonNull(codes, "codes");
      if (bits < 1 || bits > 8) {
        throw new IllegalArgumentException("codebook bits " + bits + " outside 1..8");
      }
      if (codebook.length > (1 << bits)) {
        throw new IllegalArgumentException(codebook.length + " codebook entries do not fit in " + bits + " bits");
      }
    }

    @Override
    public int valueBits() {
      return bits;
    }

    /** Whether entry 0 is the exact zero (so sparse index codings can skip zero weights). */
    public boolean hasZero() {
      return codebook.length > 0 && Float.floatToRawIntBits(codebook[0]) == 0;
    }
  }

  /**
   * Uniform integer codes {@code u ∈ [0, 2^bits)} with {@code w = scale[c] · (u − zeroPoint[c])} where
   * {@code c} is the output channel (per-channel) or 0 (per-tensor). {@code codes} covers every weight.
   */
  record Uniform(int bits, boolean perChannel, float[] scales, int[] zeroPoints, int[] codes) implements ValueCoding {
    public Uniform {
      Objects.requireNonNull(scales, "scales");
      Objects.requireNonNull(zeroPoints, "zeroPoints");
      Objects.requireNonNull(codes, "codes");
      if (bits < 1 || bits > 8) {
        throw new IllegalArgumentException("uniform coding bits " + bits + " outside 1..8");
      }
      if (scales.length != zeroPoints.length || scales.length == 0) {
        throw new IllegalArgumentException(scales.length + " scales and " + zeroPoints.length + " zero points");
      }
    }

    @Override
    public int valueBits() {
      return bits;
    }

    /** The one dequantization formula, used by the quantizer, the encoder and the decoder alike. */
    public static float dequantize(float scale, int code, int zeroPoint) {
      return scale * (float) (code - zeroPoint);
    }
  }
}
