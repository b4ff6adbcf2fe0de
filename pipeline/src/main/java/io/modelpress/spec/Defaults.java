package io.modelpress.spec;

import io.modelpress.pareto.Objective;
import java.util.List;

/**
 * Every default of the configuration files, in one place: what a key left out of a sweep, sensitivity,
 * distillation or nightly config means. The parsers read them from here and nowhere else;
 * {@code docs/config.md} lists them.
 */
public final class Defaults {

  private Defaults() {}

  // sweep
  public static final String SWEEP_NAME = "sweep";
  public static final String OUTPUT = "./modelpress-out";
  public static final long SEED = 42;
  public static final int EVAL_BATCH_SIZE = 10_000;
  /** 0: every trial of the search space; n > 0: the base and n others drawn at random. */
  public static final int SAMPLE = 0;

  /** A test split larger than this (MiB, as held in memory) is evaluated in shards instead of broadcast. */
  public static final double BROADCAST_LIMIT_MB = 256;
  /**
   * The objectives: accuracy vs encoded size vs the estimated batch-1 latency on the first device profile
   * (the target). All three are exact, so one config gives one frontier; measured latency, which moves by
   * tens of percent between runs on a shared machine, is an objective only when a config names it.
   */
  public static final List<Objective> OBJECTIVES = List.of(
      new Objective("accuracy", true), new Objective("encoded_bytes", false),
      new Objective(Objective.ESTIMATED, false));

  // model.train
  public static final int TRAIN_EPOCHS = 3;
  public static final int TRAIN_BATCH_SIZE = 128;
  public static final double TRAIN_LEARNING_RATE = 1e-3;

  // prune
  public static final SweepSpec.GridScope PRUNE_SCOPE = SweepSpec.GridScope.LAYER;
  public static final PruneSpec.Criterion PRUNE_METHOD = PruneSpec.Criterion.MAGNITUDE;
  public static final PruneSpec.Structure PRUNE_STRUCTURE = PruneSpec.Structure.UNSTRUCTURED;
  public static final int CALIBRATION_BATCHES = 16;

  // finetune
  public static final int FINETUNE_EPOCHS = 1;
  public static final double FINETUNE_LEARNING_RATE = 1e-4;
  public static final int FINETUNE_BATCH_SIZE = 128;
  public static final FineTuneSpec.Schedule FINETUNE_SCHEDULE = FineTuneSpec.Schedule.ONE_SHOT;
  public static final int PRUNE_STEPS = 10;

  // quantize
  public static final QuantSpec.Algorithm QUANT_METHOD = QuantSpec.Algorithm.UNIFORM;
  public static final QuantSpec.Scheme QUANT_SCHEME = QuantSpec.Scheme.SYMMETRIC;
  public static final QuantSpec.Granularity QUANT_GRANULARITY = QuantSpec.Granularity.PER_CHANNEL;
  public static final double CLIP_PERCENTILE = 100.0;
  public static final int QUANT_TRAIN_EPOCHS = 1;
  public static final double QUANT_TRAIN_LEARNING_RATE = 1e-4;

  // distill
  public static final List<Double> DISTILL_TEMPERATURES = List.of(4.0);
  public static final List<Double> DISTILL_ALPHAS = List.of(0.5);
  public static final int DISTILL_SEEDS = 1;
  public static final int DISTILL_EPOCHS = 3;
  public static final double DISTILL_LEARNING_RATE = 1e-3;
  public static final int DISTILL_BATCH_SIZE = 128;
  public static final DistillSpec.Parallelism DISTILL_PARALLELISM = DistillSpec.Parallelism.TASK;
  public static final int AVERAGING_FREQUENCY = 32;
  public static final boolean DISTILL_BASELINES = true;
  /**
   * Training examples held out to choose each student's T and α: the last 5,000 (of MNIST's 60,000, as
   * in the usual 55,000/5,000 split), or a twelfth of a training split limited below 60,000.
   */
  public static final int DISTILL_VALIDATION = 5_000;

  // evolve
  public static final PruneSpec.Criterion EVOLVE_PRUNE_METHOD = PruneSpec.Criterion.MAGNITUDE;
  public static final QuantSpec.Algorithm EVOLVE_QUANT_METHOD = QuantSpec.Algorithm.KMEANS;
  public static final int EVOLVE_POPULATION = 16;
  public static final int EVOLVE_GENERATIONS = 4;

  // latency
  public static final LatencySpec LATENCY = new LatencySpec(true, 50, 200, 20, 500, 0.25, 2, 8);

  // nightly
  public static final NightlySpec NIGHTLY = new NightlySpec(0.005, 0.02, 0.01);

  // sensitivity
  public static final String SENSITIVITY_NAME = "sensitivity";
  public static final int SENSITIVITY_SEEDS = 3;
  public static final int SENSITIVITY_PAIRS = 3;
}
