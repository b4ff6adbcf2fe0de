package io.modelpress.compress;

import io.modelpress.compress.prune.MagnitudePruner;
import io.modelpress.compress.prune.Masks;
import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.KMeansQuantizer;
import io.modelpress.compress.quant.PowerOfTwoQuantizer;
import io.modelpress.compress.quant.UniformQuantizer;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.model.LayerWeights;
import io.modelpress.model.ModelWeights;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the compression steps of a {@link TrialSpec} to plain weights: prune (if any), then quantize
 * (if any). Pure functions; fine-tuning, which needs training, happens between the two in
 * {@link io.modelpress.sweep.TrialEvaluator}.
 */
public final class TrialCompressor {

  private TrialCompressor() {}

  /** Pruned weights, the masks that made them, and the sparsity reached over the masked layers. */
  public record Pruned(ModelWeights weights, Map<String, boolean[]> masks, double sparsity) {}

  /** Prune then quantize, for trials without fine-tuning. */
  public static CompressedModel apply(ModelWeights base, TrialSpec trial) {
    if (trial.fineTune().isPresent()) {
      throw new IllegalArgumentException("trial " + trial.canonicalJson() + " fine-tunes: it needs training data");
    }
    Pruned p = trial.prune().map(s -> prune(base, s)).orElse(new Pruned(base, Map.of(), Double.NaN));
    return quantize(p.weights(), trial.quant(), p.sparsity());
  }

  public static Pruned prune(ModelWeights w, PruneSpec p) {
    Map<String, boolean[]> masks = MagnitudePruner.masks(w, p);
    return new Pruned(MagnitudePruner.apply(w, masks), masks, sparsity(masks));
  }

  /** Sparsity over the layers that have masks: 1 − kept / total. */
  public static double sparsity(Map<String, boolean[]> masks) {
    long kept = 0;
    long total = 0;
    for (boolean[] m : masks.values()) {
      kept += Masks.kept(m);
      total += m.length;
    }
    return total == 0 ? Double.NaN : 1.0 - (double) kept / total;
  }

  public static CompressedModel quantize(ModelWeights w, Optional<QuantSpec> quant, double prunedSparsity) {
    Map<String, ValueCoding> codings = new HashMap<>();
    if (quant.isPresent()) {
      QuantSpec q = quant.get();
      Map<String, LayerWeights> replaced = new LinkedHashMap<>();
      for (String name : q.layers().resolve(w)) {
        LayerWeights l = w.layer(name);
        if (q.bits() == 32) {
          continue;
        }
        if (q.bits() == 16) {
          float[] h = new float[l.size()];
          for (int i = 0; i < h.length; i++) {
            h[i] = HalfFloat.round(l.weights()[i]);
          }
          replaced.put(name, l.withWeights(h));
          codings.put(name, new ValueCoding.Fp16());
        } else if (q.algorithm() == QuantSpec.Algorithm.KMEANS || q.algorithm() == QuantSpec.Algorithm.POWER_OF_TWO) {
          ValueCoding.Codebook c = q.algorithm() == QuantSpec.Algorithm.KMEANS
              ? KMeansQuantizer.quantize(l, q.bits()) : PowerOfTwoQuantizer.quantize(l, q.bits());
          replaced.put(name, l.withWeights(KMeansQuantizer.dequantize(c)));
          codings.put(name, c);
        } else {
          ValueCoding.Uniform u = UniformQuantizer.quantize(l, q);
          replaced.put(name, l.withWeights(UniformQuantizer.dequantize(l, u)));
          codings.put(name, u);
        }
      }
      w = w.with(replaced);
    }
    return new CompressedModel(w, codings, prunedSparsity);
  }
}
