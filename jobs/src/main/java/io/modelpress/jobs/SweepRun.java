package io.modelpress.jobs;

import io.modelpress.cli.Progress;
import io.modelpress.cli.UserError;
import io.modelpress.config.ConfigWriter;
import io.modelpress.config.RunIdentity;
import io.modelpress.data.Datasets;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.Backend;
import io.modelpress.model.Backends;
import io.modelpress.model.Versions;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.SweepPlan;
import io.modelpress.plan.SweepPlanner;
import io.modelpress.spark.DataReader;
import io.modelpress.spark.TrainingPieces;
import io.modelpress.spark.ResultReader;
import io.modelpress.spark.ResultTables;
import io.modelpress.spark.RunLease;
import io.modelpress.spark.SparkSweepRunner;
import io.modelpress.spark.SweepLoop;
import io.modelpress.spec.EvalEngine;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.ResumeState;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.RunOutcome;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * One sweep run, start to finish: inputs loaded and checked ({@link SweepInputs}), the plan, what earlier
 * attempts of the run id committed ({@link ResumeState}), the evaluation in committed batches
 * ({@link SweepLoop}), the outcome ({@link RunOutcome}) and its tables. Everything that can be checked is
 * checked before the first trial runs, and nothing is written under the output root before the tables.
 */
public final class SweepRun {

  private SweepRun() {}

  /**
   * How to run: where the tables go, under which run id, whether to replace a finished run, the first
   * {@code maxTrials} trials only (0: all), trials per commit (0: a tenth of the plan, at least 8 per task
   * slot), and whether trials that earlier finished runs measured are taken over (nightly).
   */
  public record Options(String out, String runId, boolean overwrite, Instant started, int maxTrials, int commitEvery,
      boolean reuseEarlier, boolean keepFailed) {

    /** Failed trials of earlier attempts are evaluated again. */
    public Options(String out, String runId, boolean overwrite, Instant started, int maxTrials, int commitEvery,
        boolean reuseEarlier) {
      this(out, runId, overwrite, started, maxTrials, commitEvery, reuseEarlier, false);
    }
  }

  /** A run's outcome with where its time went (seconds): loading and planning, evaluating, writing the tables. */
  public record Result(RunOutcome outcome, double prepareSeconds, double evalSeconds, double writeSeconds) {}

  public static Result execute(SparkSession spark, SweepSpec spec, Options o, PrintStream log) {
    long t0 = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    ResultReader reader = new ResultReader(spark, o.out());
    try {
      ResultTables.checkWritable(o.out(), hadoop);
      if (!o.overwrite() && reader.finished(o.runId())) {
        throw new UserError("run id '" + o.runId() + "' already has results in " + o.out()
            + "; pass --overwrite to replace them or choose another --run-id");
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    Backend backend = Backends.dl4j();
    SweepInputs in = SweepInputs.load(spark, spec, backend, log);
    SweepSpec resolved = in.spec();
    SweepPlan plan;
    TrainingSplit train;
    try {
      plan = SweepPlanner.plan(resolved, in.weights(), in.modelFingerprint(), in.test().fingerprintHex(),
          in.test().features());
      if (o.maxTrials() > 0 && o.maxTrials() < plan.size()) {
        plan = new SweepPlan(plan.modelFingerprint(), plan.datasetFingerprint(), plan.trials().subList(0, o.maxTrials()));
      }
      boolean trains = plan.trials().stream().anyMatch(t -> t.spec().needsTrainingData())
          || resolved.search().stream().anyMatch(b -> b instanceof SearchBlock.Evolve e
              && e.evolve().pruneMethod().needsCalibration());
      train = trains ? training(spark, resolved, o, log) : null;
      if (resolved.evalEngine() == EvalEngine.ONNXRUNTIME) {
        if (in.split().sharded()) {
          throw new UserError("evaluation.engine onnxruntime does not yet evaluate a test split in shards (above "
              + "evaluation.broadcast-limit-mb); use engine dl4j, or raise the limit");
        }
        if (train == null) { // int8 forms calibrate their activations on training images, as export does
          train = TrainingSplit.of(ExportJob.calibrationImages(spark, resolved.dataset()));
        }
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    String configJson = ConfigWriter.json(spec);
    RunIdentity identity = new RunIdentity(configJson, Versions.content());
    try {
      RunLease lease;
      try {
        lease = RunLease.acquire(o.out(), o.runId(), hadoop);
      } catch (RunLease.Held e) {
        throw new UserError(e.getMessage());
      }
      try (lease) {
        return attempt(spark, o, log, t0, hadoop, reader, in, resolved, plan, train, identity, lease);
      }
    } finally {
      TrainingPieces.delete(train, hadoop);
    }
  }

  /** The training split: whole, or above the broadcast limit in pieces in a scratch folder under the results path. */
  private static TrainingSplit training(SparkSession spark, SweepSpec spec, Options o, PrintStream log) {
    TrainingPieces.Read read = TrainingPieces.read(spark, spec.dataset(), spec.broadcastLimitMb(),
        TrainingPieces.scratch(o.out(), o.runId()));
    if (read.described() != null) {
      log.println(read.described());
    }
    return read.split();
  }

  /** The run under its lease: the earlier attempts' rows checked and taken over, the rest evaluated, the run finished. */
  private static Result attempt(SparkSession spark, Options o, PrintStream log, long t0, Configuration hadoop,
      ResultReader reader, SweepInputs in, SweepSpec resolved, SweepPlan plan, TrainingSplit train,
      RunIdentity identity, RunLease lease) {
    String fingerprint = identity.fingerprint();
    if (!o.overwrite() && reader.finished(o.runId())) { // finished while this attempt waited for the lease
      throw new UserError("run id '" + o.runId() + "' already has results in " + o.out()
          + "; pass --overwrite to replace them or choose another --run-id");
    }
    if (o.overwrite()) {
      ResultTables.deleteRun(o.out(), o.runId(), hadoop);
    }
    ResultTables.clearStaging(o.out(), o.runId(), hadoop);
    Set<String> committed = reader.committedFingerprints(o.runId());
    if (!committed.isEmpty() && !committed.equals(Set.of(fingerprint))) {
      String why = reader.identity(o.runId()).flatMap(identity::firstDifference)
          .orElse("its rows have run fingerprint " + String.join(", ", committed) + ", this config " + fingerprint);
      throw new UserError("run id '" + o.runId() + "' in " + o.out() + " was started with another config or code: "
          + why + "; resume it with the config it started with, use another --run-id, or --overwrite to start it again");
    }
    if (committed.isEmpty()) {
      ResultTables.writeIdentity(o.out(), o.runId(), identity, hadoop);
    }
    if (!o.keepFailed()) {
      int dropped = ResultTables.dropFailed(o.out(), o.runId(), hadoop);
      if (dropped > 0) {
        log.printf(Locale.ROOT, "resuming run %s: evaluating its failed trials again (--keep-failed keeps them)%n",
            o.runId());
      }
    }
    Set<String> evolving = resolved.search().stream().filter(b -> b instanceof SearchBlock.Evolve)
        .map(SearchBlock::name).collect(Collectors.toSet());
    ResumeState state = ResumeState.of(plan, reader.trials(o.runId()), evolving);
    if (state.foreignTrial().isPresent()) {
      throw new UserError("run id '" + o.runId() + "' has rows in " + o.out() + "/trials from another config (trial "
          + state.foreignTrial().get() + " is not in this plan); use another --run-id, or --overwrite to start it again");
    }
    if (state.done() > 0) {
      log.printf(Locale.ROOT, "resuming run %s: %d of %d trials already have rows; evaluating the other %d%n",
          o.runId(), state.done(), plan.size(), state.todo().size());
    }
    SweepLoop.Target target = new SweepLoop.Target(o.out(), o.runId(), fingerprint, in.modelFingerprint(), lease);
    String configJson = identity.configJson();
    if (o.reuseEarlier() && !state.todo().isEmpty()) {
      Map<String, TrialResult> earlier = reader.earlierResults(o.runId(),
          state.todo().stream().map(PlannedTrial::trialId).collect(Collectors.toSet()), fingerprint);
      ResumeState reused = state.reusing(earlier);
      int taken = reused.done() - state.done();
      if (taken > 0) {
        log.printf(Locale.ROOT, "reusing %d trials measured by earlier runs (same config, code, model and data); "
            + "evaluating the other %d%n", taken, reused.todo().size());
        Set<String> had = state.restored().stream().map(r -> r.trial().trialId()).collect(Collectors.toSet());
        target.commit(spark, reused.restored().stream().filter(r -> !had.contains(r.trial().trialId())).toList());
      }
      state = reused;
    }
    int batch = o.commitEvery() > 0 ? o.commitEvery()
        : Math.max(8 * spark.sparkContext().defaultParallelism(), (plan.size() + 9) / 10);
    long t1 = System.nanoTime();
    SparkSweepRunner.Inputs inputs = new SparkSweepRunner.Inputs(in.modelBytes(), in.fingerprint(), in.test(), train,
        resolved.evalBatchSize(), resolved.latency(), in.architecture(), null, in.split().shards(), resolved.evalEngine());
    List<TrialResult> results = SweepLoop.run(spark, resolved, plan, state, inputs, in.weights().names(),
        in.weights().macs(), batch, target, Progress.sweep(spark, plan.size(), state.done()), log);
    double evalSeconds = (System.nanoTime() - t1) / 1e9;
    RunOutcome outcome = RunOutcome.of(new RunOutcome.Header(o.runId(), resolved.name(), o.started(),
            new RunInfo.Inputs(configJson, ModelFiles.describe(resolved.model()), in.modelFingerprint(),
                DataReader.describe(spark, resolved.dataset()), in.test().fingerprintHex()),
            RunInfo.Provenance.of(spark.sparkContext().master(), spark.version())),
        resolved.objectives(), results, in.devices(), evalSeconds);
    long t2 = System.nanoTime();
    lease.check();
    ResultTables.write(spark, o.out(), outcome, fingerprint);
    return new Result(outcome, (t1 - t0) / 1e9, evalSeconds, (System.nanoTime() - t2) / 1e9);
  }
}
