package io.modelpress.spec;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Weight quantization of the selected layers. With {@code bits} 2–8: {@link Algorithm#UNIFORM} integer
 * quantization (symmetric or affine, per tensor or per output channel), {@link Algorithm#KMEANS} weight
 * sharing, or {@link Algorithm#POWER_OF_TWO}; 16 is IEEE half precision; 32 keeps fp32 (a control point in
 * a grid). Scheme and granularity apply to uniform quantization only. Evaluation always runs on the
 * dequantized weights.
 */
public record QuantSpec(int bits, Scheme scheme, Granularity granularity, LayerSelector layers, Algorithm algorithm)
    implements CompressionStep {

  public enum Algorithm {
    UNIFORM, KMEANS, POWER_OF_TWO;

    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Uniform quantization. */
  public QuantSpec(int bits, Scheme scheme, Granularity granularity, LayerSelector layers) {
    this(bits, scheme, granularity, layers, Algorithm.UNIFORM);
  }

  public enum Scheme {
    SYMMETRIC, AFFINE;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public enum Granularity {
    PER_TENSOR, PER_CHANNEL;

    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  public QuantSpec {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(granularity, "granularity");
    Objects.requireNonNull(layers, "layers");
    Objects.requireNonNull(algorithm, "algorithm");
    if (bits > 8 && algorithm != Algorithm.UNIFORM) {
      throw new IllegalArgumentException("'bits' is set to " + bits + " but " + algorithm.id() + " takes 2..8 bits");
    }
    if (!isValidBits(bits)) {
      throw new IllegalArgumentException("'bits' is set to " + bits + " but must be in 2..8, 16 or 32");
    }
  }

  public static boolean isValidBits(int bits) {
    return (bits >= 2 && bits <= 8) || bits == 16 || bits == 32;
  }

  public boolean isInteger() {
    return bits <= 8;
  }

  @Override
  public String method() {
    return bits <= 8 ? algorithm.id() : "fp" + bits;
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> m = new TreeMap<>();
    m.put("step", "quantize");
    m.put("method", method());
    m.put("bits", bits);
    if (isInteger() && algorithm == Algorithm.UNIFORM) {
      m.put("scheme", scheme.id());
      m.put("granularity", granularity.id());
    }
    m.put("layers", layers.canonical());
    return m;
  }
}
