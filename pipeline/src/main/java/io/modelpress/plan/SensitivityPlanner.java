package io.modelpress.plan;

import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SensitivitySpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Expands a {@link SensitivitySpec}: the base model first (block {@code base}), then one trial per
 * layer × method × level changing that layer only (block {@code single}), then the joint trials of the
 * sampled layer pairs (block {@code pair}), every method × level. Trial ids are the sweep's ids, so a
 * sensitivity trial and the equal sweep trial share one.
 */
public final class SensitivityPlanner {

  private SensitivityPlanner() {}

  public static SweepPlan plan(SensitivitySpec spec, ModelWeights model, String modelFp, String dataFp) {
    List<String> layers = spec.layers().resolve(model);
    Map<String, PlannedTrial> trials = new LinkedHashMap<>();
    add(trials, "base", TrialSpec.BASE, spec.seed(), modelFp, dataFp);
    for (String layer : layers) {
      for (TrialSpec t : changes(spec, model, List.of(layer))) {
        add(trials, "single", t, spec.seed(), modelFp, dataFp);
      }
    }
    for (List<String> pair : pairs(layers, spec.pairs(), spec.seed())) {
      for (TrialSpec t : changes(spec, model, pair)) {
        add(trials, "pair", t, spec.seed(), modelFp, dataFp);
      }
    }
    return new SweepPlan(modelFp, dataFp, new ArrayList<>(trials.values()));
  }

  /** Up to {@code n} distinct layer pairs, in layer order, sampled with {@code seed} when there are more. */
  static List<List<String>> pairs(List<String> layers, int n, long seed) {
    List<List<String>> all = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      for (int j = i + 1; j < layers.size(); j++) {
        all.add(List.of(layers.get(i), layers.get(j)));
      }
    }
    if (all.size() <= n) {
      return all;
    }
    java.util.Collections.shuffle(all, new Random(seed));
    List<List<String>> out = new ArrayList<>(all.subList(0, n));
    out.sort(java.util.Comparator.comparing((List<String> p) -> layers.indexOf(p.get(0)))
        .thenComparing(p -> layers.indexOf(p.get(1))));
    return out;
  }

  /** Every method × level applied to {@code layers} (together), the others untouched. */
  private static List<TrialSpec> changes(SensitivitySpec spec, ModelWeights model, List<String> layers) {
    LayerSelector sel = new LayerSelector(layers, "", List.of(), List.of());
    boolean hasOutput = layers.stream().anyMatch(l -> model.layer(l).kind() == LayerKind.OUTPUT);
    List<TrialSpec> out = new ArrayList<>();
    for (SensitivitySpec.PruneMethod m : spec.pruneMethods()) {
      if (m.structure() == PruneSpec.Structure.STRUCTURED && hasOutput) {
        continue; // an output layer's neurons are its classes
      }
      for (double s : spec.sparsities()) {
        PruneSpec p = new PruneSpec(PruneSpec.Scope.LAYER, s, sel, m.criterion(), m.structure(), spec.calibrationBatches());
        if (p.structured()) {
          StructuredPruner.layers(model, p); // fails before any work if a level would empty a layer
        }
        out.add(new TrialSpec(List.<CompressionStep>of(p)));
      }
    }
    for (QuantSpec.Algorithm a : spec.quantMethods()) {
      SweepPlanner.expand(new SweepSpec.QuantGrid(spec.bits(), List.of(QuantSpec.Scheme.SYMMETRIC),
          List.of(QuantSpec.Granularity.PER_CHANNEL), sel, List.of(a)), model)
          .forEach(q -> out.add(new TrialSpec(List.<CompressionStep>of(q))));
    }
    return out;
  }

  private static void add(Map<String, PlannedTrial> trials, String block, TrialSpec spec, long rootSeed, String modelFp,
      String dataFp) {
    String json = spec.canonicalJson();
    String id = SweepPlanner.trialId(json, modelFp, dataFp);
    trials.putIfAbsent(id, new PlannedTrial(id, trials.size(), block, SweepPlanner.seed(rootSeed, json), spec));
  }
}
