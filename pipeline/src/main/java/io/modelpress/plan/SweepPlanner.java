package io.modelpress.plan;

import io.modelpress.compress.prune.StructuredPruner;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.SweepSpec.PruneGrid;
import io.modelpress.spec.SweepSpec.QuantGrid;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.TrialSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expands a sweep's search space into an ordered plan: the base model first, then each block in config
 * order, prune levels outermost. Layer selectors are resolved against the model (an unknown layer is an
 * error before any work starts). Equal trials are kept once, at their first position.
 *
 * <p>Trial id = first 16 hex digits of SHA-256(canonical trial JSON | model fingerprint | dataset
 * fingerprint): the same trial of the same model on the same data has the same id in every run.
 * Seeds derive from the root seed and the trial's canonical JSON, so adding blocks does not change the
 * seeds of existing trials.
 */
public final class SweepPlanner {

  private SweepPlanner() {}

  public static SweepPlan plan(SweepSpec sweep, ModelWeights model, String modelFingerprint, String datasetFingerprint) {
    LayerWeights first = model.layers().get(0);
    return plan(sweep, model, modelFingerprint, datasetFingerprint, first.kind() == LayerKind.CONV ? -1 : first.shape()[0]);
  }

  /**
   * As above; {@code features} (inputs per example) shapes the students of distillation blocks, whose
   * prune and quantize steps are resolved against the student's layers, not the teacher's.
   */
  public static SweepPlan plan(SweepSpec sweep, ModelWeights model, String modelFingerprint, String datasetFingerprint,
      int features) {
    Map<String, PlannedTrial> trials = new LinkedHashMap<>();
    add(trials, "base", TrialSpec.BASE, sweep.seed(), modelFingerprint, datasetFingerprint);
    for (SearchBlock block : sweep.search()) {
      if (block instanceof SearchBlock.Distill b) {
        if (features < 1) {
          throw new IllegalArgumentException("distillation block '" + b.name() + "' needs the dataset's feature count");
        }
        int classes = model.layers().get(model.layers().size() - 1).shape()[1];
        for (DistillSpec d : b.distill().expand()) {
          ModelWeights student = studentShapes(d, features, classes);
          // the student itself, then the block's prune × quantize grid applied to it
          List<TrialSpec> chains = new ArrayList<>(List.of(TrialSpec.BASE));
          chains.addAll(grid(b.prune(), b.finetune(), b.quantize(), student));
          for (TrialSpec chained : chains) {
            List<CompressionStep> steps = new ArrayList<>();
            steps.add(d);
            steps.addAll(chained.steps());
            add(trials, b.name(), new TrialSpec(steps), sweep.seed(), modelFingerprint, datasetFingerprint);
          }
        }
      } else if (block instanceof SearchBlock.Evolve b) {
        List<String> layers = model.names();
        for (Evolution.Genome g : Evolution.initial(b.evolve(), layers.size(), Evolution.random(sweep.seed(), b.name(),
            0))) {
          add(trials, b.name(), Evolution.toTrial(g, b.evolve(), layers), sweep.seed(), modelFingerprint,
              datasetFingerprint);
        }
      } else if (block instanceof SearchBlock.Allocate b) {
        FineTuneSpec ft = b.finetune().orElse(null);
        for (TrialSpec t : b.allocated()) {
          List<CompressionStep> steps = new ArrayList<>(t.steps());
          if (ft != null && t.prune().isPresent()) {
            steps.add(1, ft);
          }
          TrialSpec spec = new TrialSpec(steps);
          spec.prune().ifPresent(p -> p.layers().resolve(model));
          spec.quant().ifPresent(q -> q.layers().resolve(model));
          add(trials, b.name(), spec, sweep.seed(), modelFingerprint, datasetFingerprint);
        }
      } else if (block instanceof SearchBlock.Grid b) {
        for (TrialSpec spec : grid(b.prune(), b.finetune(), b.quantize(), model)) {
          add(trials, b.name(), spec, sweep.seed(), modelFingerprint, datasetFingerprint);
        }
      }
    }
    List<PlannedTrial> all = new ArrayList<>(trials.values());
    if (sweep.sample() > 0 && sweep.sample() < all.size() - 1) {
      all = sample(all, sweep.sample(), sweep.seed());
    }
    return new SweepPlan(modelFingerprint, datasetFingerprint, all);
  }

  /**
   * The prune × quantize grid of a block over {@code model}'s layers, fine-tuning between the two when
   * the block has it; a block with neither (a distillation block alone) gives the empty trial.
   */
  private static List<TrialSpec> grid(java.util.Optional<PruneGrid> prune, java.util.Optional<FineTuneSpec> finetune,
      java.util.Optional<QuantGrid> quantize, ModelWeights model) {
    List<TrialSpec> out = new ArrayList<>();
    List<PruneSpec> prunes = prune.map(g -> expand(g, model)).orElse(List.of());
    List<QuantSpec> quants = quantize.map(g -> expand(g, model)).orElse(List.of());
    List<PruneSpec> ps = new ArrayList<>(prunes);
    if (ps.isEmpty()) {
      ps.add(null);
    }
    List<QuantSpec> qs = new ArrayList<>(quants);
    if (qs.isEmpty()) {
      qs.add(null);
    }
    FineTuneSpec ft = finetune.orElse(null);
    for (PruneSpec p : ps) {
      for (QuantSpec q : qs) {
        List<CompressionStep> steps = new ArrayList<>();
        if (p != null) {
          steps.add(p);
        }
        if (ft != null) {
          steps.add(ft);
        }
        if (q != null) {
          steps.add(q);
        }
        out.add(new TrialSpec(steps));
      }
    }
    return out;
  }

  /**
   * The layers of a student as zero weights of the right shapes ({@code fc1..fcN}, {@code out}, as
   * the backend's students are built): what its prune and quantize steps resolve against.
   */
  static ModelWeights studentShapes(DistillSpec d, int features, int classes) {
    List<LayerWeights> layers = new ArrayList<>();
    int in = features;
    int[] hidden = d.hidden();
    for (int i = 0; i <= hidden.length; i++) {
      boolean out = i == hidden.length;
      int n = out ? classes : hidden[i];
      layers.add(new LayerWeights(out ? "out" : "fc" + (i + 1), out ? LayerKind.OUTPUT : LayerKind.DENSE,
          new int[] {in, n}, 1, 1, new float[in * n], new float[n]));
      in = n;
    }
    return new ModelWeights(layers);
  }

  /**
   * Random search: the base trial and {@code n} others drawn uniformly without replacement (seeded), in
   * plan order and re-indexed. Ids and per-trial seeds do not change: a sampled trial is the grid's trial.
   */
  static List<PlannedTrial> sample(List<PlannedTrial> all, int n, long seed) {
    List<PlannedTrial> rest = new ArrayList<>(all.subList(1, all.size()));
    java.util.Collections.shuffle(rest, new java.util.Random(seed));
    List<PlannedTrial> chosen = new ArrayList<>(rest.subList(0, n));
    chosen.sort(java.util.Comparator.comparingInt(PlannedTrial::index));
    chosen.add(0, all.get(0));
    List<PlannedTrial> out = new ArrayList<>();
    for (PlannedTrial t : chosen) {
      out.add(new PlannedTrial(t.trialId(), out.size(), t.block(), t.seed(), t.spec()));
    }
    return out;
  }

  static List<PruneSpec> expand(PruneGrid g, ModelWeights model) {
    List<String> layers = g.layers().resolve(model);
    List<PruneSpec> out = new ArrayList<>();
    for (PruneSpec.Criterion c : g.criteria()) {
      switch (g.scope()) {
        case SINGLE_LAYER -> {
          for (String layer : layers) {
            if (g.structure() == PruneSpec.Structure.STRUCTURED && model.layer(layer).kind() == LayerKind.OUTPUT) {
              continue; // an output layer's neurons are the classes
            }
            for (double level : g.levels()) {
              out.add(spec(g, c, PruneSpec.Scope.LAYER, level, LayerSelector.named(layer)));
            }
          }
        }
        case LAYER -> g.levels().forEach(l -> out.add(spec(g, c, PruneSpec.Scope.LAYER, l, g.layers())));
        case GLOBAL -> g.levels().forEach(l -> out.add(spec(g, c, PruneSpec.Scope.GLOBAL, l, g.layers())));
        case THRESHOLD -> g.levels().forEach(l -> out.add(spec(g, c, PruneSpec.Scope.THRESHOLD, l, g.layers())));
      }
    }
    for (PruneSpec p : out) {
      if (p.structured()) {
        StructuredPruner.layers(model, p); // would it empty a layer, or cut the output layer? fail before any work
      }
    }
    return out;
  }

  private static PruneSpec spec(PruneGrid g, PruneSpec.Criterion c, PruneSpec.Scope scope, double level, LayerSelector l) {
    return new PruneSpec(scope, level, l, c, g.structure(), g.calibrationBatches());
  }

  static List<QuantSpec> expand(QuantGrid g, ModelWeights model) {
    List<String> selected = g.layers().resolve(model);
    if (g.algorithms().contains(QuantSpec.Algorithm.KMEANS)) {
      for (String name : selected) {
        for (int bits : g.bits()) {
          if (bits <= 8 && model.layer(name).size() < (1 << bits)) {
            throw new IllegalArgumentException("k-means with " + bits + " bits needs " + (1 << bits) + " centroids but layer '"
                + name + "' has only " + model.layer(name).size() + " weights; use fewer bits or exclude the layer");
          }
        }
      }
    }
    List<QuantSpec> out = new ArrayList<>();
    for (QuantSpec.Algorithm method : g.algorithms()) {
      for (int bits : g.bits()) {
        if (bits > 8) {
          // fp16 / fp32 have no method, scheme or granularity: one trial per width (added once)
          QuantSpec fp = new QuantSpec(bits, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, g.layers());
          if (!out.contains(fp)) {
            out.add(fp);
          }
          continue;
        }
        if (method != QuantSpec.Algorithm.UNIFORM) {
          out.add(new QuantSpec(bits, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, g.layers(), method,
              100.0, g.trainEpochs(), g.trainLearningRate()));
          continue;
        }
        for (QuantSpec.Scheme s : g.schemes()) {
          for (QuantSpec.Granularity gr : g.granularities()) {
            for (double clip : g.clipPercentiles()) {
              out.add(new QuantSpec(bits, s, gr, g.layers(), method, clip, g.trainEpochs(), g.trainLearningRate()));
            }
          }
        }
      }
    }
    return out;
  }

  private static void add(Map<String, PlannedTrial> trials, String block, TrialSpec spec, long rootSeed,
      String modelFp, String dataFp) {
    String json = spec.canonicalJson();
    String id = trialId(json, modelFp, dataFp);
    if (!trials.containsKey(id)) {
      trials.put(id, new PlannedTrial(id, trials.size(), block, seed(rootSeed, json), spec));
    }
  }

  public static String trialId(String canonicalJson, String modelFp, String dataFp) {
    byte[] h = sha256(canonicalJson + "|" + modelFp + "|" + dataFp);
    return HexFormat.of().formatHex(h, 0, 8);
  }

  public static long seed(long root, String canonicalJson) {
    return ByteBuffer.wrap(sha256(root + "|" + canonicalJson)).getLong();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
