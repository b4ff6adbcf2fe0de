package io.modelpress.spec;

import io.modelpress.pareto.Objective;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A sweep as configured: base model, dataset, search space, objectives, output root and seed. The
 * search space is expanded into trials by {@link io.modelpress.plan.SweepPlanner} once the model's
 * layers are known.
 */
public record SweepSpec(
    String name,
    long seed,
    ModelSpec model,
    DatasetSpec dataset,
    List<SearchBlock> search,
    List<Objective> objectives,
    String output,
    int evalBatchSize,
    int sample,
    LatencySpec latency,
    String devices) implements Serializable {

  /** Every trial of the search space (no random sampling), latency not measured. */
  public SweepSpec(String name, long seed, ModelSpec model, DatasetSpec dataset, List<SearchBlock> search,
      List<Objective> objectives, String output, int evalBatchSize) {
    this(name, seed, model, dataset, search, objectives, output, evalBatchSize, 0, LatencySpec.OFF, null);
  }

  /** This sweep with other search blocks (allocations resolved). */
  public SweepSpec withSearch(List<SearchBlock> blocks) {
    return new SweepSpec(name, seed, model, dataset, blocks, objectives, output, evalBatchSize, sample, latency, devices);
  }

  /** This sweep with other objectives. */
  public SweepSpec withObjectives(List<Objective> o) {
    return new SweepSpec(name, seed, model, dataset, search, o, output, evalBatchSize, sample, latency, devices);
  }

  /** This sweep with other latency settings. */
  public SweepSpec withLatency(LatencySpec l) {
    return new SweepSpec(name, seed, model, dataset, search, objectives, output, evalBatchSize, sample, l, devices);
  }

  /** This sweep on another dataset. */
  public SweepSpec withDataset(DatasetSpec d) {
    return new SweepSpec(name, seed, model, d, search, objectives, output, evalBatchSize, sample, latency, devices);
  }

  public static final String DEFAULT_OUTPUT = "./modelpress-out";
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_EVAL_BATCH_SIZE = 10_000;
  public static final List<Objective> DEFAULT_OBJECTIVES = List.of(
      new Objective("accuracy", true), new Objective("encoded_bytes", false), new Objective("macs", false));
  /** The default objectives when latency is measured: accuracy vs size vs measured batch-1 latency. */
  public static final List<Objective> DEFAULT_OBJECTIVES_WITH_LATENCY = List.of(
      new Objective("accuracy", true), new Objective("encoded_bytes", false),
      new Objective("latency_b1_p50_ms", false));

  public SweepSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataset, "dataset");
    search = List.copyOf(search);
    objectives = List.copyOf(objectives);
    Objects.requireNonNull(output, "output");
    if (search.isEmpty()) {
      throw new IllegalArgumentException("'search' is empty; add at least one block with 'prune', 'quantize' or 'distill'");
    }
    if (objectives.isEmpty()) {
      throw new IllegalArgumentException("'objectives' is empty; name at least one metric to optimise");
    }
    if (sample < 0) {
      throw new IllegalArgumentException("'sample' is set to " + sample + " but must be >= 0 (0: every trial)");
    }
    Objects.requireNonNull(latency, "latency");
    if (!latency.enabled()) {
      for (Objective o : objectives) {
        if (o.metric().startsWith("latency_")) {
          throw new IllegalArgumentException("objective '" + o.metric() + "' needs latency measurement, which is off ("
              + "'latency.enabled: false'); turn it on or choose another objective");
        }
      }
    }
    if (search.stream().anyMatch(b -> b.evolve() != null)) {
      for (Objective o : objectives) {
        if (o.metric().startsWith("latency_")) {
          throw new IllegalArgumentException("an 'evolve' block breeds from the objectives, and measured latency ("
              + o.metric() + ") differs from run to run, so a resumed run would breed other children; give "
              + "'objectives' without latency (e.g. macs) for sweeps with evolve blocks");
        }
      }
    }
    if (evalBatchSize < 1) {
      throw new IllegalArgumentException("'eval-batch-size' is set to " + evalBatchSize + " but must be >= 1");
    }
  }

  /**
   * One block of the search space: the cartesian product of its prune and quantize grids, each trial
   * fine-tuned with {@code finetune} between the two when it is given.
   */
  public record SearchBlock(String name, List<PruneGrid> prune, List<FineTuneSpec> finetune, List<QuantGrid> quantize,
      AllocateSpec allocate, List<TrialSpec> allocated, EvolveSpec evolve, DistillGrid distill) implements Serializable {
    public SearchBlock(String name, List<PruneGrid> prune, List<FineTuneSpec> finetune, List<QuantGrid> quantize,
        AllocateSpec allocate, List<TrialSpec> allocated, EvolveSpec evolve) {
      this(name, prune, finetune, quantize, allocate, allocated, evolve, null);
    }

    public SearchBlock(String name, List<PruneGrid> prune, List<FineTuneSpec> finetune, List<QuantGrid> quantize,
        AllocateSpec allocate, List<TrialSpec> allocated) {
      this(name, prune, finetune, quantize, allocate, allocated, null, null);
    }

    public SearchBlock(String name, List<PruneGrid> prune, List<QuantGrid> quantize) {
      this(name, prune, List.of(), quantize);
    }

    public SearchBlock(String name, List<PruneGrid> prune, List<FineTuneSpec> finetune, List<QuantGrid> quantize) {
      this(name, prune, finetune, quantize, null, List.of());
    }

    /** This block with the trials its allocation produced (read from the sensitivity run by the job). */
    public SearchBlock withAllocated(List<TrialSpec> trials) {
      return new SearchBlock(name, prune, finetune, quantize, allocate, trials, evolve, distill);
    }

    public SearchBlock {
      Objects.requireNonNull(name, "name");
      prune = List.copyOf(prune);
      finetune = List.copyOf(finetune);
      quantize = List.copyOf(quantize);
      allocated = List.copyOf(allocated);
      if (distill != null && (allocate != null || evolve != null)) {
        throw new IllegalArgumentException("search block '" + name + "' has 'distill' with 'allocate' or 'evolve'; "
            + "a distillation block may chain 'prune', 'finetune' and 'quantize' only");
      }
      if (allocate != null || evolve != null) {
        if (allocate != null && evolve != null) {
          throw new IllegalArgumentException("search block '" + name + "' has both 'allocate' and 'evolve'");
        }
        if (!prune.isEmpty() || !quantize.isEmpty()) {
          throw new IllegalArgumentException("search block '" + name + "' has 'allocate' and 'prune'/'quantize'; "
              + "an allocation block takes its levels from the sensitivity run");
        }
      }
      if (finetune.size() > 1) {
        throw new IllegalArgumentException("search block '" + name + "' has more than one finetune");
      }
      if (prune.size() > 1 || quantize.size() > 1) {
        throw new IllegalArgumentException("search block '" + name + "' has more than one prune or quantize grid");
      }
      if (allocate == null && evolve == null && distill == null && prune.isEmpty() && quantize.isEmpty()) {
        throw new IllegalArgumentException("search block '" + name + "' has none of 'prune', 'quantize' and 'distill'");
      }
    }
  }

  /**
   * Students × temperatures × alphas × replicas of a distillation block, each student also trained on hard
   * labels alone ({@code α = 1}) per replica when {@code baselines} is on, so the benefit is measured.
   */
  public record DistillGrid(List<String> students, List<Double> temperatures, List<Double> alphas, int seeds,
      int epochs, double learningRate, int batchSize, DistillSpec.Parallelism parallelism, int averagingFrequency,
      boolean baselines) implements Serializable {
    public DistillGrid {
      students = List.copyOf(students);
      temperatures = List.copyOf(temperatures);
      alphas = List.copyOf(alphas);
      Objects.requireNonNull(parallelism, "parallelism");
      if (students.isEmpty()) {
        throw new IllegalArgumentException("'distill.students' is empty; list at least one, e.g. [mlp-32]");
      }
      if (seeds < 1 || seeds > 1000) {
        throw new IllegalArgumentException("'distill.seeds' is set to " + seeds + " but must be in 1..1000");
      }
      if (temperatures.isEmpty() || alphas.isEmpty()) {
        throw new IllegalArgumentException("'distill' needs 'temperatures' and 'alphas' (e.g. [2, 4] and [0.5])");
      }
    }

    /** Every student step of the grid: per student and replica, the baseline first, then T × α. */
    public List<DistillSpec> expand() {
      List<DistillSpec> out = new java.util.ArrayList<>();
      for (String s : students) {
        for (int seed = 0; seed < seeds; seed++) {
          if (baselines) {
            out.add(new DistillSpec(s, 1, 1, epochs, learningRate, batchSize, seed, parallelism, averagingFrequency));
          }
          for (double t : temperatures) {
            for (double a : alphas) {
              DistillSpec d = new DistillSpec(s, t, a, epochs, learningRate, batchSize, seed, parallelism,
                  averagingFrequency);
              if (!out.contains(d)) {
                out.add(d);
              }
            }
          }
        }
      }
      return out;
    }
  }

  /** Scopes of a prune grid: the three {@link PruneSpec.Scope}s plus {@code single-layer} (one trial per layer). */
  public enum GridScope {
    LAYER, GLOBAL, THRESHOLD, SINGLE_LAYER;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * Prune criteria × levels (sparsities, or thresholds for {@code threshold}) over a layer selection,
   * unstructured or structured.
   */
  public record PruneGrid(GridScope scope, List<Double> levels, LayerSelector layers, List<PruneSpec.Criterion> criteria,
      PruneSpec.Structure structure, int calibrationBatches) implements Serializable {
    /** Unstructured magnitude pruning. */
    public PruneGrid(GridScope scope, List<Double> levels, LayerSelector layers) {
      this(scope, levels, layers, List.of(PruneSpec.Criterion.MAGNITUDE), PruneSpec.Structure.UNSTRUCTURED,
          PruneSpec.DEFAULT_CALIBRATION_BATCHES);
    }

    public PruneGrid {
      Objects.requireNonNull(scope, "scope");
      levels = List.copyOf(levels);
      Objects.requireNonNull(layers, "layers");
      criteria = List.copyOf(criteria);
      Objects.requireNonNull(structure, "structure");
      if (levels.isEmpty() || criteria.isEmpty()) {
        throw new IllegalArgumentException("a prune grid needs at least one level and one method");
      }
    }
  }

  /**
   * Methods × bit widths × schemes × granularities × clip percentiles over a layer selection, each
   * optionally trained after quantizing for {@code trainEpochs}.
   */
  public record QuantGrid(
      List<Integer> bits, List<QuantSpec.Scheme> schemes, List<QuantSpec.Granularity> granularities, LayerSelector layers,
      List<QuantSpec.Algorithm> algorithms, List<Double> clipPercentiles, int trainEpochs, double trainLearningRate)
      implements Serializable {
    /** Without clipping or training. */
    public QuantGrid(List<Integer> bits, List<QuantSpec.Scheme> schemes, List<QuantSpec.Granularity> granularities,
        LayerSelector layers, List<QuantSpec.Algorithm> algorithms) {
      this(bits, schemes, granularities, layers, algorithms, List.of(100.0), 0, QuantSpec.DEFAULT_TRAIN_LEARNING_RATE);
    }

    /** A uniform-quantization grid. */
    public QuantGrid(List<Integer> bits, List<QuantSpec.Scheme> schemes, List<QuantSpec.Granularity> granularities,
        LayerSelector layers) {
      this(bits, schemes, granularities, layers, List.of(QuantSpec.Algorithm.UNIFORM));
    }

    public QuantGrid {
      algorithms = List.copyOf(algorithms);
      clipPercentiles = List.copyOf(clipPercentiles);
      if (clipPercentiles.isEmpty()) {
        throw new IllegalArgumentException("a quantize grid needs at least one clip percentile");
      }
      if (algorithms.isEmpty()) {
        throw new IllegalArgumentException("a quantize grid needs at least one method");
      }
      bits = List.copyOf(bits);
      schemes = List.copyOf(schemes);
      granularities = List.copyOf(granularities);
      Objects.requireNonNull(layers, "layers");
      if (bits.isEmpty() || schemes.isEmpty() || granularities.isEmpty()) {
        throw new IllegalArgumentException("a quantize grid needs at least one bit width, scheme and granularity");
      }
    }
  }
}
