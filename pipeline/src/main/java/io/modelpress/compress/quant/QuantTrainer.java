package io.modelpress.compress.quant;

import io.modelpress.compress.Adam;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.compress.GradientStep;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.QuantSpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Training after quantization, one {@link GradientStep} per mini-batch; only the quantized layers'
 * weights change (biases and other layers stay), with Adam at the spec's learning rate.
 *
 * <ul>
 *   <li>Uniform and power-of-two: quantization-aware training with a straight-through estimator
 *       (Bengio et al. 2013; Jacob et al. 2018). Full-precision shadow weights are kept; the forward pass
 *       and the gradient use the quantized weights Q(w), and ∂L/∂Q(w) updates w as if Q were the
 *       identity. Ranges and scales are recomputed from the shadow weights at every step.
 *   <li>K-means: codebook fine-tuning (Han et al. 2016, §3.3): the codes stay, the gradients of all
 *       weights that share a centroid are summed, and that sum updates the centroid. The exact-zero entry
 *       of a pruned layer is never moved.
 * </ul>
 * Pruned weights stay exactly zero: the shadow weights are masked after every update, and Q(0) = 0.
 */
public final class QuantTrainer implements GradientStep {

  private final QuantSpec spec;
  private final List<String> layers;
  private final Map<String, boolean[]> masks;
  private final Map<String, Adam> adam = new HashMap<>();
  private final Map<String, float[]> shadow = new HashMap<>();          // straight-through
  private final Map<String, ValueCoding.Codebook> books = new HashMap<>(); // codebook fine-tuning
  private final double prunedSparsity;
  private ModelWeights latest;

  /**
   * @param pruned the (pruned, fine-tuned) full-precision weights to start from
   * @param masks the pruning masks to keep (none for an unpruned or structurally pruned trial)
   */
  public QuantTrainer(ModelWeights pruned, QuantSpec spec, Map<String, boolean[]> masks, double prunedSparsity) {
    if (!spec.trains() || !spec.isInteger()) {
      throw new IllegalArgumentException("quantization training needs 2..8 bits and train.epochs > 0");
    }
    this.spec = spec;
    this.layers = spec.layers().resolve(pruned);
    this.masks = Map.copyOf(masks);
    this.prunedSparsity = prunedSparsity;
    Map<String, LayerWeights> start = new LinkedHashMap<>();
    for (String n : layers) {
      LayerWeights l = pruned.layer(n);
      if (spec.algorithm() == QuantSpec.Algorithm.KMEANS) {
        ValueCoding.Codebook c = KMeansQuantizer.quantize(l, spec.forLayer(n).bits());
        books.put(n, c);
        adam.put(n, new Adam(spec.trainLearningRate(), c.codebook().length));
        start.put(n, l.withWeights(KMeansQuantizer.dequantize(c)));
      } else {
        shadow.put(n, l.weights().clone());
        adam.put(n, new Adam(spec.trainLearningRate(), l.size()));
        start.put(n, TrialCompressor.quantizeLayer(l, spec).weights());
      }
    }
    latest = pruned.with(start);
  }

  /** The quantized weights training starts from. */
  public ModelWeights initial() {
    return latest;
  }

  @Override
  public ModelWeights next(ModelWeights current, Map<String, float[]> gradients) {
    Map<String, LayerWeights> replaced = new LinkedHashMap<>();
    for (String n : layers) {
      LayerWeights l = current.layer(n);
      float[] g = gradients.get(n);
      if (spec.algorithm() == QuantSpec.Algorithm.KMEANS) {
        ValueCoding.Codebook c = books.get(n);
        double[] sums = new double[c.codebook().length];
        int[] codes = c.codes();
        for (int i = 0; i < codes.length; i++) {
          sums[codes[i]] += g[i];
        }
        if (c.hasZero()) {
          sums[0] = 0; // Adam moves nothing whose gradient is always zero
        }
        float[] book = c.codebook();
        adam.get(n).step(book, sums);
        if (c.hasZero()) {
          book[0] = 0f;
        }
        replaced.put(n, l.withWeights(KMeansQuantizer.dequantize(c)));
      } else {
        float[] w = shadow.get(n);
        double[] gd = new double[g.length];
        for (int i = 0; i < g.length; i++) {
          gd[i] = g[i];
        }
        adam.get(n).step(w, gd);
        boolean[] m = masks.get(n);
        if (m != null) {
          for (int i = 0; i < w.length; i++) {
            if (!m[i]) {
              w[i] = 0f;
            }
          }
        }
        replaced.put(n, TrialCompressor.quantizeLayer(l.withWeights(w.clone()), spec).weights());
      }
    }
    latest = current.with(replaced);
    return latest;
  }

  /** The trained model with its codings, as every trial reports it. */
  public CompressedModel result(ModelWeights trained) {
    if (spec.algorithm() == QuantSpec.Algorithm.KMEANS) {
      Map<String, ValueCoding> codings = new HashMap<>(books);
      return new CompressedModel(trained, codings, prunedSparsity);
    }
    Map<String, LayerWeights> full = new LinkedHashMap<>();
    for (String n : layers) {
      full.put(n, trained.layer(n).withWeights(shadow.get(n).clone()));
    }
    return TrialCompressor.quantize(trained.with(full), Optional.of(spec), prunedSparsity);
  }
}
