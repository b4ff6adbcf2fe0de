package io.modelpress.plan;

import io.modelpress.spec.Defaults;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Non-uniform per-layer configurations from a sensitivity analysis, by equal-drop allocation (in the
 * spirit of AIMET's greedy compression-ratio selection): for a drop threshold t, every layer gets the most
 * aggressive level whose measured single-layer accuracy drop, and that of every milder level, is at
 * most t: the highest sparsity of the prune method and the fewest bits of the quantize method. A layer
 * whose mildest level already costs more than t is left alone. The predicted drop of a configuration is
 * the sum of its single-layer drops: the additivity the sensitivity job's interaction check measures.
 */
public final class Allocator {

  private Allocator() {}

  /** Single-layer mean accuracy drop by level (sparsity or bits) for one layer and method. */
  public record Curve(String layer, String method, NavigableMap<Double, Double> dropByLevel) {}

  /** One allocation: per-layer sparsities and bits and the drop the single-layer measurements predict. */
  public record Allocation(double threshold, Map<String, Double> sparsity, Map<String, Integer> bits,
      double predictedDrop) {
    public TrialSpec toTrial(PruneSpec.Criterion criterion, QuantSpec.Algorithm quant) {
      List<CompressionStep> steps = new ArrayList<>();
      if (!sparsity.isEmpty()) {
        steps.add(PruneSpec.perLayer(sparsity, criterion, PruneSpec.Structure.UNSTRUCTURED,
            Defaults.CALIBRATION_BATCHES));
      }
      if (!bits.isEmpty()) {
        steps.add(QuantSpec.perLayer(bits, quant));
      }
      return new TrialSpec(steps);
    }
  }

  /**
   * One allocation per threshold (duplicates and empty ones dropped), in threshold order.
   *
   * @param curves single-layer curves; those of {@code pruneMethod} give sparsities, those of
   *     {@code quantMethod} bits (either method may be null)
   */
  public static List<Allocation> equalDrop(List<Curve> curves, String pruneMethod, String quantMethod,
      List<Double> thresholds) {
    Map<String, Curve> prune = new TreeMap<>();
    Map<String, Curve> quant = new TreeMap<>();
    for (Curve c : curves) {
      if (c.method().equals(pruneMethod)) {
        prune.put(c.layer(), c);
      } else if (c.method().equals(quantMethod)) {
        quant.put(c.layer(), c);
      }
    }
    if (prune.isEmpty() && quant.isEmpty()) {
      throw new IllegalArgumentException("the sensitivity run has no single-layer results for methods "
          + pruneMethod + " / " + quantMethod);
    }
    List<Allocation> out = new ArrayList<>();
    for (double t : thresholds.stream().sorted().toList()) {
      Map<String, Double> sparsity = new LinkedHashMap<>();
      Map<String, Integer> bits = new LinkedHashMap<>();
      double predicted = 0;
      for (Curve c : prune.values()) {
        Map.Entry<Double, Double> e = mostAggressive(c.dropByLevel(), t, false);
        if (e != null) {
          sparsity.put(c.layer(), e.getKey());
          predicted += e.getValue();
        }
      }
      for (Curve c : quant.values()) {
        Map.Entry<Double, Double> e = mostAggressive(c.dropByLevel(), t, true);
        if (e != null) {
          bits.put(c.layer(), (int) Math.round(e.getKey()));
          predicted += e.getValue();
        }
      }
      if (sparsity.isEmpty() && bits.isEmpty()) {
        continue;
      }
      Allocation a = new Allocation(t, sparsity, bits, predicted);
      if (out.isEmpty() || !out.get(out.size() - 1).sparsity().equals(sparsity)
          || !out.get(out.size() - 1).bits().equals(bits)) {
        out.add(a);
      }
    }
    return out;
  }

  /**
   * Walking from the mildest level (lowest sparsity, or most bits when {@code fewerIsMore}), the last
   * level reached while every drop so far is ≤ t; null if the mildest one already exceeds it.
   */
  static Map.Entry<Double, Double> mostAggressive(NavigableMap<Double, Double> drops, double t, boolean fewerIsMore) {
    Map.Entry<Double, Double> best = null;
    for (Map.Entry<Double, Double> e : (fewerIsMore ? drops.descendingMap() : drops).entrySet()) {
      if (e.getValue() > t) {
        break;
      }
      best = e;
    }
    return best;
  }
}
