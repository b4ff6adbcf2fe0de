package io.modelpress.compress;

import io.modelpress.compress.prune.Masks;
import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.compress.prune.WeightPruner;
import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.KMeansQuantizer;
import io.modelpress.compress.quant.PowerOfTwoQuantizer;
import io.modelpress.compress.quant.UniformQuantizer;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the compression steps of a {@link TrialSpec} to plain weights: prune (if any), then quantize
 * (if any). Pure functions; steps that need training (fine-tuning, quantization-aware training) happen
 * in {@link io.modelpress.sweep.TrialEvaluator}.
 */
public final class TrialCompressor {

  private TrialCompressor() {}

  /**
   * Pruned weights, the masks that made them (unstructured; empty after structured pruning, whose
   * weights are smaller instead), and the sparsity reached over the pruned layers: the fraction of
   * weights removed, or for structured pruning the fraction of neurons/filters removed.
   */
  public record Pruned(ModelWeights weights, Map<String, boolean[]> masks, double sparsity) {}

  /** Prune then quantize, for trials without training. */
  public static CompressedModel apply(ModelWeights base, TrialSpec trial, Calibration calibration) {
    if (trial.fineTune().isPresent() || trial.quant().map(QuantSpec::trains).orElse(false)) {
      throw new IllegalArgumentException("trial " + trial.canonicalJson() + " trains: it needs training data");
    }
    Pruned p = trial.prune().map(s -> prune(base, s, calibration)).orElse(new Pruned(base, Map.of(), Double.NaN));
    return quantize(p.weights(), trial.quant(), p.sparsity());
  }

  /** Prune then quantize with magnitude criteria only. */
  public static CompressedModel apply(ModelWeights base, TrialSpec trial) {
    return apply(base, trial, null);
  }

  public static Pruned prune(ModelWeights w, PruneSpec p) {
    return prune(w, p, null);
  }

  /** @param calibration statistics for data-driven criteria (null for magnitude) */
  public static Pruned prune(ModelWeights w, PruneSpec p, Calibration calibration) {
    if (p.structured()) {
      StructuredPruner.Result r = StructuredPruner.prune(w, p, calibration);
      return new Pruned(r.smaller(), Map.of(), r.removedFraction());
    }
    Map<String, boolean[]> masks = WeightPruner.masks(w, p, calibration);
    return new Pruned(WeightPruner.apply(w, masks), masks, sparsity(masks));
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
        if (q.bits() == 32) {
          continue;
        }
        Layer ql = quantizeLayer(w.layer(name), q);
        replaced.put(name, ql.weights());
        codings.put(name, ql.coding());
      }
      w = w.with(replaced);
    }
    return new CompressedModel(w, codings, prunedSparsity);
  }

  /** One quantized layer: the weights it evaluates with and how they are coded. */
  public record Layer(LayerWeights weights, ValueCoding coding) {}

  /** Quantizes one layer under {@code q} (2–8 bits or 16; not 32). */
  public static Layer quantizeLayer(LayerWeights l, QuantSpec spec) {
    QuantSpec q = spec.forLayer(l.name());
    if (q.bits() == 16) {
      float[] h = new float[l.size()];
      for (int i = 0; i < h.length; i++) {
        h[i] = HalfFloat.round(l.weights()[i]);
      }
      return new Layer(l.withWeights(h), new ValueCoding.Fp16());
    }
    if (q.algorithm() == QuantSpec.Algorithm.KMEANS || q.algorithm() == QuantSpec.Algorithm.POWER_OF_TWO) {
      ValueCoding.Codebook c = q.algorithm() == QuantSpec.Algorithm.KMEANS
          ? KMeansQuantizer.quantize(l, q.bits()) : PowerOfTwoQuantizer.quantize(l, q.bits());
      return new Layer(l.withWeights(KMeansQuantizer.dequantize(c)), c);
    }
    ValueCoding.Uniform u = UniformQuantizer.quantize(l, q);
    return new Layer(l.withWeights(UniformQuantizer.dequantize(l, u)), u);
  }
}
