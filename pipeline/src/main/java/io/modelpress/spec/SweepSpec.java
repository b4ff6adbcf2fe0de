package io.modelpress.spec;

import io.modelpress.pareto.Objective;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A sweep as configured: base model, dataset, search space, objectives, output root and seed. The
 * search space is expanded into trials by {@link io.modelpress.plan.SweepPlanner} once the model's
 * layers are known. Objectives left out of the config stay empty here: {@link #objectives()} then gives
 * the defaults for this sweep, and the resolver can still tell an explicit choice from a default.
 */
public record SweepSpec(
    String name,
    long seed,
    ModelSpec model,
    DatasetSpec dataset,
    List<SearchBlock> search,
    Optional<List<Objective>> explicitObjectives,
    String output,
    int evalBatchSize,
    int sample,
    LatencySpec latency,
    Optional<String> devices,
    double broadcastLimitMb,
    EvalEngine evalEngine) {

  /** Evaluated by DL4J. */
  public SweepSpec(String name, long seed, ModelSpec model, DatasetSpec dataset, List<SearchBlock> search,
      Optional<List<Objective>> explicitObjectives, String output, int evalBatchSize, int sample, LatencySpec latency,
      Optional<String> devices, double broadcastLimitMb) {
    this(name, seed, model, dataset, search, explicitObjectives, output, evalBatchSize, sample, latency, devices,
        broadcastLimitMb, EvalEngine.DL4J);
  }

  /** Every trial of the search space (no random sampling), latency not measured, explicit objectives. */
  public SweepSpec(String name, long seed, ModelSpec model, DatasetSpec dataset, List<SearchBlock> search,
      List<Objective> objectives, String output, int evalBatchSize) {
    this(name, seed, model, dataset, search, Optional.of(objectives), output, evalBatchSize, Defaults.SAMPLE,
        LatencySpec.OFF, Optional.empty(), Defaults.BROADCAST_LIMIT_MB, EvalEngine.DL4J);
  }

  public SweepSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataset, "dataset");
    search = List.copyOf(search);
    explicitObjectives = explicitObjectives.map(List::copyOf);
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(devices, "devices");
    Objects.requireNonNull(evalEngine, "evalEngine");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new SpecException("name", "is set to \"" + name + "\" but must be letters, digits, '.', '_' or '-'");
    }
    if (search.isEmpty()) {
      throw new SpecException("search", "is empty; add at least one block with 'prune', 'quantize' or 'distill'");
    }
    if (explicitObjectives.map(List::isEmpty).orElse(false)) {
      throw new SpecException("objectives", "is empty; name at least one metric to optimise");
    }
    SpecException.require(sample >= 0, "sample", sample, ">= 0 (0: every trial)");
    SpecException.require(evalBatchSize >= 1, "eval-batch-size", evalBatchSize, ">= 1");
    SpecException.require(broadcastLimitMb > 0 && Double.isFinite(broadcastLimitMb), "evaluation.broadcast-limit-mb",
        broadcastLimitMb, "a number of MiB > 0");
    boolean evolves = search.stream().anyMatch(b -> b instanceof SearchBlock.Evolve);
    for (Objective o : explicitObjectives.orElse(List.of())) {
      if (o.metric().startsWith("latency_") && !latency.enabled()) {
        throw new IllegalArgumentException("objective '" + o.metric() + "' needs latency measurement, which is off ("
            + "'latency.enabled: false'); turn it on or choose another objective");
      }
      if (o.metric().startsWith("latency_") && latency.enabled() && !latency.engine().runtime()) {
        throw new IllegalArgumentException("objective '" + o.metric() + "' is the pure-Java runtime's latency, which "
            + "'latency.engine: onnxruntime' does not measure; use engine runtime or both, or another objective");
      }
      if (o.metric().startsWith("latency_") && evolves) {
        throw new IllegalArgumentException("an 'evolve' block breeds from the objectives, and measured latency ("
            + o.metric() + ") differs from run to run, so a resumed run would breed other children; give "
            + "'objectives' without latency (e.g. macs) for sweeps with evolve blocks");
      }
    }
  }

  /**
   * The objectives: as configured, or by default ({@link Defaults#OBJECTIVES}) accuracy vs encoded size vs
   * the estimated batch-1 latency on the target device. An estimate is bound to its device profile by
   * {@link io.modelpress.sweep.SpecResolver}.
   */
  public List<Objective> objectives() {
    return explicitObjectives.orElse(Defaults.OBJECTIVES);
  }

  /** This sweep with other search blocks (allocations resolved). */
  public SweepSpec withSearch(List<SearchBlock> blocks) {
    return new SweepSpec(name, seed, model, dataset, blocks, explicitObjectives, output, evalBatchSize, sample, latency,
        devices, broadcastLimitMb, evalEngine);
  }

  /** This sweep with these objectives, as if configured. */
  public SweepSpec withObjectives(List<Objective> o) {
    return new SweepSpec(name, seed, model, dataset, search, Optional.of(o), output, evalBatchSize, sample, latency,
        devices, broadcastLimitMb, evalEngine);
  }

  /** This sweep with other latency settings. */
  public SweepSpec withLatency(LatencySpec l) {
    return new SweepSpec(name, seed, model, dataset, search, explicitObjectives, output, evalBatchSize, sample, l,
        devices, broadcastLimitMb, evalEngine);
  }

  /** This sweep on another dataset. */
  public SweepSpec withDataset(DatasetSpec d) {
    return new SweepSpec(name, seed, model, d, search, explicitObjectives, output, evalBatchSize, sample, latency,
        devices, broadcastLimitMb, evalEngine);
  }

  /**
   * Students × temperatures × alphas × replicas of a distillation block, each student also trained on hard
   * labels alone ({@code α = 1}) per replica when {@code baselines} is on, so the benefit is measured.
   */
  public record DistillGrid(List<String> students, List<Double> temperatures, List<Double> alphas, int seeds,
      int epochs, double learningRate, int batchSize, DistillSpec.Parallelism parallelism, int averagingFrequency,
      boolean baselines, int validation) {
    /**
     * {@code averagingFrequency} is the mini-batches between parameter averages of students trained
     * data-parallel, and must be 0 for task-parallel students (they average nothing).
     */
    public DistillGrid {
      students = List.copyOf(students);
      temperatures = List.copyOf(temperatures);
      alphas = List.copyOf(alphas);
      Objects.requireNonNull(parallelism, "parallelism");
      if (students.isEmpty()) {
        throw new SpecException("students", "is empty; list at least one, e.g. [mlp-32]");
      }
      SpecException.require(seeds >= 1 && seeds <= 1000, "seeds", seeds, "in 1..1000");
      if (temperatures.isEmpty() || alphas.isEmpty()) {
        throw new SpecException("", "needs 'temperatures' and 'alphas' (e.g. [2, 4] and [0.5])");
      }
      if (parallelism == DistillSpec.Parallelism.TASK && averagingFrequency != 0) {
        throw new SpecException("averaging-frequency", "is set to " + averagingFrequency + " but parallelism is task; "
            + "it applies to students trained data-parallel only (parallelism: data)");
      }
      expand(students, temperatures, alphas, seeds, epochs, learningRate, batchSize, parallelism, averagingFrequency,
          baselines, validation); // every student, temperature and alpha is a valid DistillSpec
    }

    /** Every student step of the grid: per student and replica, the baseline first, then T × α. */
    public List<DistillSpec> expand() {
      return expand(students, temperatures, alphas, seeds, epochs, learningRate, batchSize, parallelism,
          averagingFrequency, baselines, validation);
    }

    private static List<DistillSpec> expand(List<String> students, List<Double> temperatures, List<Double> alphas,
        int seeds, int epochs, double learningRate, int batchSize, DistillSpec.Parallelism parallelism,
        int averagingFrequency, boolean baselines, int validation) {
      List<DistillSpec> out = new java.util.ArrayList<>();
      for (String s : students) {
        for (int seed = 0; seed < seeds; seed++) {
          if (baselines) {
            out.add(new DistillSpec(s, 1, 1, epochs, learningRate, batchSize, seed, parallelism, averagingFrequency,
                validation));
          }
          for (double t : temperatures) {
            for (double a : alphas) {
              DistillSpec d = new DistillSpec(s, t, a, epochs, learningRate, batchSize, seed, parallelism,
                  averagingFrequency, validation);
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
      PruneSpec.Structure structure, int calibrationBatches) {
    /** Unstructured magnitude pruning. */
    public PruneGrid(GridScope scope, List<Double> levels, LayerSelector layers) {
      this(scope, levels, layers, List.of(PruneSpec.Criterion.MAGNITUDE), PruneSpec.Structure.UNSTRUCTURED,
          Defaults.CALIBRATION_BATCHES);
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
      for (PruneSpec.Criterion c : criteria) {
        if (structure == PruneSpec.Structure.UNSTRUCTURED && c.scoresNeuronsOnly()) {
          throw new SpecException("method", c.id() + " scores neurons, not weights; add 'structure: structured' or "
              + "use magnitude, gradient or taylor");
        }
      }
      SpecException.require(calibrationBatches >= 1 && calibrationBatches <= 10_000, "calibration-batches",
          calibrationBatches, "in 1..10000");
      for (int i = 0; i < levels.size(); i++) {
        double v = levels.get(i);
        if (scope == GridScope.THRESHOLD) {
          SpecException.require(Double.isFinite(v) && v >= 0, "thresholds[" + i + "]", v, "a finite number >= 0");
        } else {
          SpecException.require(v >= 0 && v < 1, "sparsities[" + i + "]", v, "in [0, 1)");
        }
      }
      if (structure == PruneSpec.Structure.STRUCTURED && scope != GridScope.LAYER && scope != GridScope.SINGLE_LAYER) {
        throw new SpecException("scope", "is " + scope.id() + " but structured pruning ranks the neurons of each layer "
            + "separately; use scope layer or single-layer");
      }
    }
  }

  /**
   * Methods × bit widths × schemes × granularities × clip percentiles over a layer selection, each
   * optionally trained after quantizing ({@code training}: quantization-aware training for uniform codes,
   * codebook fine-tuning for k-means).
   */
  public record QuantGrid(
      List<Integer> bits, List<QuantSpec.Scheme> schemes, List<QuantSpec.Granularity> granularities, LayerSelector layers,
      List<QuantSpec.Algorithm> algorithms, List<Double> clipPercentiles, Optional<Training> training) {

    /** Training after quantizing: epochs and learning rate. */
    public record Training(int epochs, double learningRate) {
      public Training {
        SpecException.require(epochs >= 1 && epochs <= 1000, "train.epochs", epochs, "in 1..1000");
        SpecException.require(learningRate > 0 && learningRate < 10, "train.learning-rate", learningRate, "in (0, 10)");
      }
    }

    /** Without clipping or training. */
    public QuantGrid(List<Integer> bits, List<QuantSpec.Scheme> schemes, List<QuantSpec.Granularity> granularities,
        LayerSelector layers, List<QuantSpec.Algorithm> algorithms) {
      this(bits, schemes, granularities, layers, algorithms, List.of(Defaults.CLIP_PERCENTILE), Optional.empty());
    }

    /** A uniform-quantization grid. */
    public QuantGrid(List<Integer> bits, List<QuantSpec.Scheme> schemes, List<QuantSpec.Granularity> granularities,
        LayerSelector layers) {
      this(bits, schemes, granularities, layers, List.of(QuantSpec.Algorithm.UNIFORM));
    }

    public QuantGrid {
      algorithms = List.copyOf(algorithms);
      clipPercentiles = List.copyOf(clipPercentiles);
      bits = List.copyOf(bits);
      schemes = List.copyOf(schemes);
      granularities = List.copyOf(granularities);
      Objects.requireNonNull(layers, "layers");
      Objects.requireNonNull(training, "training");
      if (clipPercentiles.isEmpty() || algorithms.isEmpty() || bits.isEmpty() || schemes.isEmpty()
          || granularities.isEmpty()) {
        throw new IllegalArgumentException("a quantize grid needs at least one method, bit width, scheme, granularity "
            + "and clip percentile");
      }
      for (int i = 0; i < bits.size(); i++) {
        SpecException.require(QuantSpec.isValidBits(bits.get(i)), "bits[" + i + "]", bits.get(i), "in 2..8, 16 or 32");
      }
      if (algorithms.size() == 1 && algorithms.get(0) != QuantSpec.Algorithm.UNIFORM && bits.stream().anyMatch(b -> b > 8)) {
        throw new SpecException("bits", "has 16 or 32 but 'method' is " + algorithms.get(0).id()
            + ", which takes 2..8 bits");
      }
      for (int i = 0; i < clipPercentiles.size(); i++) {
        double v = clipPercentiles.get(i);
        SpecException.require(v > 50 && v <= 100, "clip-percentile[" + i + "]", v, "in (50, 100]; 100 means min/max");
      }
      if (clipPercentiles.stream().anyMatch(c -> c < 100) && !algorithms.contains(QuantSpec.Algorithm.UNIFORM)) {
        throw new SpecException("clip-percentile", "applies to method uniform only; add it to 'method' or remove the key");
      }
      if (training.isPresent() && bits.stream().anyMatch(b -> b > 8)) {
        throw new SpecException("train", "trains integer quantizers; remove 16 and 32 from 'bits'");
      }
    }

    /** Epochs of training after quantizing; 0 without training. */
    public int trainEpochs() {
      return training.map(Training::epochs).orElse(0);
    }

    public double trainLearningRate() {
      return training.map(Training::learningRate).orElse(Defaults.QUANT_TRAIN_LEARNING_RATE);
    }
  }
}
