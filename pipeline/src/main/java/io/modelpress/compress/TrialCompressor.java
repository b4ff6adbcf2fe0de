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

/** Applies a {@link TrialSpec} to base weights: prune (if any), then quantize (if any). Pure function. */
public final class TrialCompressor {

  private TrialCompressor() {}

  public static CompressedModel apply(ModelWeights base, TrialSpec trial) {
    ModelWeights w = base;
    double sparsity = Double.NaN;
    if (trial.prune().isPresent()) {
      PruneSpec p = trial.prune().get();
      Map<String, boolean[]> masks = MagnitudePruner.masks(w, p);
      long kept = 0;
      long total = 0;
      for (boolean[] m : masks.values()) {
        kept += Masks.kept(m);
        total += m.length;
      }
      sparsity = total == 0 ? 0 : 1.0 - (double) kept / total;
      w = MagnitudePruner.apply(w, masks);
    }
    Map<String, ValueCoding> codings = new HashMap<>();
    if (trial.quant().isPresent()) {
      QuantSpec q = trial.quant().get();
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
    return new CompressedModel(w, codings, sparsity);
  }
}
