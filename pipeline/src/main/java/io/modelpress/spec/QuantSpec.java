package io.modelpress.spec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Weight quantization of the selected layers. With {@code bits} 2–8: {@link Algorithm#UNIFORM} integer
 * quantization (symmetric or affine, per tensor or per output channel), {@link Algorithm#KMEANS} weight
 * sharing, or {@link Algorithm#POWER_OF_TWO}; 16 is IEEE half precision; 32 keeps fp32 (a control point in
 * a grid). Scheme, granularity and {@code clipPercentile} apply to uniform quantization only: ranges are
 * min/max at 100, else the {@code clipPercentile}-th percentile of |w| (symmetric) or the matching lower
 * and upper percentiles (affine), larger weights clipped. Evaluation always runs on the dequantized
 * weights.
 *
 * <p>{@code trainEpochs} &gt; 0 trains after quantizing, with the pruning masks kept: uniform and
 * power-of-two by quantization-aware training with a straight-through estimator, k-means by codebook
 * fine-tuning (the gradients of the weights that share a centroid are summed to update it).
 */
public record QuantSpec(int bits, Scheme scheme, Granularity granularity, LayerSelector layers, Algorithm algorithm,
    double clipPercentile, int trainEpochs, double trainLearningRate, Map<String, Integer> layerBits)
    implements CompressionStep {

  public QuantSpec(int bits, Scheme scheme, Granularity granularity, LayerSelector layers, Algorithm algorithm,
      double clipPercentile, int trainEpochs, double trainLearningRate) {
    this(bits, scheme, granularity, layers, algorithm, clipPercentile, trainEpochs, trainLearningRate, Map.of());
  }

  /**
   * Integer quantization with a bit width per layer (the layers are exactly the map's keys), as a budget
   * allocation produces. {@code bits} is the largest width.
   */
  public static QuantSpec perLayer(Map<String, Integer> bits, Algorithm algorithm) {
    if (bits.isEmpty()) {
      throw new IllegalArgumentException("per-layer quantization needs at least one layer");
    }
    int max = bits.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    return new QuantSpec(max, Scheme.SYMMETRIC, Granularity.PER_CHANNEL,
        new LayerSelector(List.copyOf(new TreeMap<>(bits).keySet()), "", List.of(), List.of()), algorithm, 100.0, 0,
        Defaults.QUANT_TRAIN_LEARNING_RATE, bits);
  }

  /** This spec for one layer: its own width with per-layer bits. */
  public QuantSpec forLayer(String layer) {
    if (layerBits.isEmpty()) {
      return this;
    }
    return new QuantSpec(layerBits.getOrDefault(layer, bits), scheme, granularity, layers, algorithm, clipPercentile,
        trainEpochs, trainLearningRate, Map.of());
  }


  /** Without clipping or training. */
  public QuantSpec(int bits, Scheme scheme, Granularity granularity, LayerSelector layers, Algorithm algorithm) {
    this(bits, scheme, granularity, layers, algorithm, 100.0, 0, Defaults.QUANT_TRAIN_LEARNING_RATE);
  }

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
    layerBits = java.util.Collections.unmodifiableMap(new TreeMap<>(layerBits));
    for (Map.Entry<String, Integer> e : layerBits.entrySet()) {
      if (e.getValue() < 2 || e.getValue() > 8) {
        throw new IllegalArgumentException("bits of layer '" + e.getKey() + "' are " + e.getValue() + " but must be in 2..8");
      }
    }
    if (!layerBits.isEmpty() && !layers.names().equals(List.copyOf(layerBits.keySet()))) {
      throw new IllegalArgumentException("per-layer bits need a selector naming exactly their layers");
    }
    if (bits > 8 && algorithm != Algorithm.UNIFORM) {
      throw new IllegalArgumentException("'bits' is set to " + bits + " but " + algorithm.id() + " takes 2..8 bits");
    }
    if (!isValidBits(bits)) {
      throw new IllegalArgumentException("'bits' is set to " + bits + " but must be in 2..8, 16 or 32");
    }
    if (!(clipPercentile > 50 && clipPercentile <= 100)) {
      throw new IllegalArgumentException("'clip-percentile' is set to " + clipPercentile + " but must be in (50, 100]");
    }
    if (clipPercentile < 100 && (algorithm != Algorithm.UNIFORM || bits > 8)) {
      throw new IllegalArgumentException("'clip-percentile' applies to uniform quantization with 2..8 bits only");
    }
    // settings a trial does not use are normalised, so equal canonical JSON means equal records
    if (bits > 8 || algorithm != Algorithm.UNIFORM) {
      scheme = Scheme.SYMMETRIC;
      granularity = Granularity.PER_TENSOR;
    }
    if (trainEpochs == 0) {
      trainLearningRate = Defaults.QUANT_TRAIN_LEARNING_RATE;
    }
    if (trainEpochs < 0 || trainEpochs > 1000) {
      throw new IllegalArgumentException("'train.epochs' is set to " + trainEpochs + " but must be in 0..1000");
    }
    if (trainEpochs > 0 && bits > 8) {
      throw new IllegalArgumentException("'train' needs integer quantization (2..8 bits); fp" + bits + " has nothing to train");
    }
    if (!(trainLearningRate > 0 && trainLearningRate < 10)) {
      throw new IllegalArgumentException("'train.learning-rate' is set to " + trainLearningRate + " but must be in (0, 10)");
    }
  }

  public boolean trains() {
    return trainEpochs > 0;
  }

  public static boolean isValidBits(int bits) {
    return (bits >= 2 && bits <= 8) || bits == 16 || bits == 32;
  }

  public boolean isInteger() {
    return bits <= 8;
  }

  @Override
  public String method() {
    if (bits > 8) {
      return "fp" + bits;
    }
    return algorithm.id() + (trains() ? (algorithm == Algorithm.KMEANS ? "+codebook-ft" : "+qat") : "");
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> m = new TreeMap<>();
    m.put("step", "quantize");
    m.put("method", bits > 8 ? "fp" + bits : algorithm.id());
    m.put("bits", layerBits.isEmpty() ? bits : layerBits);
    if (isInteger() && algorithm == Algorithm.UNIFORM) {
      m.put("scheme", scheme.id());
      m.put("granularity", granularity.id());
      if (clipPercentile < 100) {
        m.put("clip-percentile", clipPercentile);
      }
    }
    m.put("layers", layers.canonical());
    if (trains()) {
      m.put("train", Map.of("epochs", trainEpochs, "learning-rate", trainLearningRate));
    }
    return m;
  }
}
