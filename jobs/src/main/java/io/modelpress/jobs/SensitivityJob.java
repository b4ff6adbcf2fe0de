package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.JobFailed;
import io.modelpress.cli.Options;
import io.modelpress.cli.Progress;
import io.modelpress.cli.RunIds;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.config.ConfigWriter;
import io.modelpress.config.SensitivityConfigParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.Backend;
import io.modelpress.model.Backends;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Network;
import io.modelpress.plan.SensitivityPlanner;
import io.modelpress.plan.SweepPlan;
import io.modelpress.report.SensitivityReport;
import io.modelpress.spark.DataReader;
import io.modelpress.spark.TrainingPieces;
import io.modelpress.spark.ResultSchemas;
import io.modelpress.spark.ResultTables;
import io.modelpress.spark.SparkSweepRunner;
import io.modelpress.spec.LatencySpec;
import io.modelpress.spec.SensitivitySpec;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.Sensitivity;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code modelpress sensitivity}: one layer changed at a time (and sampled pairs changed together),
 * evaluated on Spark, written to {@code sensitivity/} and {@code sensitivity_summary/} with a runs row, then
 * its report (curves per method and a page) from those tables, as a sweep writes its own.
 */
@Command(name = "sensitivity", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Per-layer sensitivity: each layer x method x level alone, on bootstrap seeds with 95%% CIs, plus "
        + "layer pairs changed together (additivity check); tables sensitivity/ and sensitivity_summary/."})
final class SensitivityJob implements Callable<Integer> {

  /** The {@code objectives} of a sensitivity run's row: it ranks nothing. */
  static final String OBJECTIVES = "sensitivity";

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "the sensitivity YAML config, any Hadoop path (e.g. conf/sensitivity/mnist-mlp.yaml)")
  String config;

  @Mixin
  Options.Run run;

  @Mixin
  Options.Master master;

  private final PrintStream out;

  SensitivityJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    String runIdArg = RunIds.check(run.runId);
    String text = ConfigFiles.readLocalOrNull(config, "--config");
    SensitivitySpec parsed = text == null ? null : SensitivityConfigParser.parse(text, config);
    Instant started = Instant.now();
    SparkSession spark = SparkSessions.create("modelpress sensitivity", master.master);
    TrainingSplit[] stored = new TrainingSplit[1]; // a training split in pieces, deleted at the end
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      SensitivitySpec spec = parsed != null ? parsed
          : SensitivityConfigParser.parse(ConfigFiles.readHadoop(config, hadoop), config);
      String outDir = run.out != null ? run.out : spec.output();
      String runId = runIdArg != null ? runIdArg : RunIds.defaultRunId(spec.name(), started);
      Backend backend = Backends.dl4j();
      SweepPlan plan;
      byte[] modelBytes;
      LabeledImages test;
      DataReader.Split split;
      TrainingSplit train;
      try {
        ResultTables.checkWritable(outDir, hadoop);
        if (!run.overwrite && ResultTables.runExists(outDir, runId, hadoop)) {
          throw new UserError("run id '" + runId + "' already has results in " + outDir
              + "; pass --overwrite to replace them or choose another --run-id");
        }
        split = DataReader.testSplit(spark, spec.dataset(), spec.broadcastLimitMb());
        test = split.images();
        if (split.sharded()) {
          out.println(split.describe(spec.broadcastLimitMb()));
        }
        modelBytes = ModelFiles.bytes(spec.model(), spec.dataset(), backend, spark, out);
        Network model = ModelFiles.restore(spec.model(), backend, modelBytes);
        SweepInputs.fits(model, test, spec.dataset(), "the model");
        plan = SensitivityPlanner.plan(spec, model.weights(), ModelStore.hex(ModelStore.sha256(modelBytes)),
            test.fingerprintHex());
        if (plan.trials().stream().anyMatch(t -> t.spec().needsTrainingData())) {
          TrainingPieces.Read read = TrainingPieces.read(spark, spec.dataset(), spec.broadcastLimitMb(),
              TrainingPieces.scratch(outDir, runId));
          if (read.described() != null) {
            out.println(read.described());
          }
          train = stored[0] = read.split();
        } else {
          train = null;
        }
      } catch (UserError e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      if (run.overwrite) {
        ResultTables.deleteRun(outDir, runId, hadoop);
      }
      long t0 = System.nanoTime();
      long rootSeed = spec.seed();
      int seeds = spec.seeds();
      List<Sensitivity.Outcome> outcomes;
      try (SparkSweepRunner.Session session = SparkSweepRunner.open(spark, plan, new SparkSweepRunner.Inputs(modelBytes,
          ModelStore.sha256(modelBytes), test, train, spec.evalBatchSize(), LatencySpec.OFF, null, null,
          split.shards(), io.modelpress.spec.EvalEngine.DL4J))) {
        Progress progress = Progress.start(plan.size(), 0, session::trialsDone);
        spark.sparkContext().addSparkListener(progress);
        try {
          outcomes = new ArrayList<>(session.sensitivity(plan.trials(), rootSeed, seeds));
        } finally {
          progress.close();
          spark.sparkContext().removeSparkListener(progress);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      outcomes.sort(java.util.Comparator.comparingInt(o -> o.trial().index()));
      Sensitivity.Outcome base = outcomes.get(0);
      if (!base.isOk()) {
        throw new JobFailed("the base model could not be evaluated: " + base.errorClass() + ": " + base.errorMessage());
      }
      List<Row> rows = new ArrayList<>();
      for (Sensitivity.Outcome o : outcomes) {
        rows.addAll(ResultSchemas.sensitivityRows(runId, o, base.accuracy()));
      }
      List<Sensitivity.Summary> summaries = Sensitivity.summarize(base, outcomes);
      List<Row> summaryRows = summaries.stream().map(s -> ResultSchemas.summaryRow(runId, s)).toList();
      int ok = (int) outcomes.stream().filter(Sensitivity.Outcome::isOk).count();
      RunInfo info = new RunInfo(runId, spec.name(), started, Instant.now(),
          new RunInfo.Trials(outcomes.size(), ok, outcomes.size() - ok), Sensitivity.baseAccuracy(base),
          OBJECTIVES, Double.NaN, new RunInfo.Inputs(ConfigWriter.json(spec),
              ModelFiles.describe(spec.model()), ModelStore.hex(ModelStore.sha256(modelBytes)), DataReader.describe(spark, spec.dataset()),
              test.fingerprintHex()), RunInfo.Provenance.of(spark.sparkContext().master(), spark.version()));
      ResultTables.writeSensitivity(spark, outDir, info, rows, summaryRows);
      print(out, spec, info, summaries, outcomes, seconds, outDir);
      ReportWriter.afterRun(runId, outDir, out, () -> ReportWriter.write(hadoop, outDir,
          new SensitivityReport(info, summaries)));
      return 0;
    } finally {
      try {
        TrainingPieces.delete(stored[0], spark.sparkContext().hadoopConfiguration());
      } finally {
        spark.stop();
      }
    }
  }

  private static void print(PrintStream out, SensitivitySpec spec, RunInfo run, List<Sensitivity.Summary> summaries,
      List<Sensitivity.Outcome> outcomes, double seconds, String outDir) {
    out.printf(Locale.ROOT, "%nmodelpress sensitivity '%s' finished: run %s%n", spec.name(), run.runId());
    out.printf(Locale.ROOT, "  model     %s (sha256 %s…), base accuracy %.2f %% on the test set, %.2f %% mean over %d "
        + "bootstrap resamples%n", run.inputs().model(), run.inputs().modelFingerprint().substring(0, 12),
        100 * run.baseAccuracy(), 100 * Sensitivity.mean(outcomes.get(0).accuracy()), spec.seeds());
    out.printf(Locale.ROOT, "  trials    %d ok, %d failed, evaluated in %.1f s (%.1f trials/s) on %s%n", run.trials().ok(),
        run.trials().failed(), seconds, outcomes.size() / seconds, run.provenance().master());
    // per layer and method: the drop (points, full test set [95 % bootstrap CI]) at each level
    Map<String, List<Sensitivity.Summary>> byRow = new LinkedHashMap<>();
    for (Sensitivity.Summary s : summaries) {
      if (s.cell().kind().equals("single")) {
        byRow.computeIfAbsent(s.cell().layer() + "  " + s.cell().method(), k -> new ArrayList<>()).add(s);
      }
    }
    out.printf(Locale.ROOT, "%n  accuracy drop in points on the full test set [95 %% bootstrap CI], per level (sparsity or bits)%n");
    for (Map.Entry<String, List<Sensitivity.Summary>> e : byRow.entrySet()) {
      StringBuilder b = new StringBuilder();
      for (Sensitivity.Summary s : e.getValue()) {
        b.append(String.format(Locale.ROOT, "  %s: %.2f [%.2f, %.2f]", fmt(s.cell().level()), 100 * s.meanDrop(),
            100 * s.ciLow(), 100 * s.ciHigh()));
      }
      out.printf(Locale.ROOT, "  %-28s%s%n", e.getKey(), b);
    }
    List<Sensitivity.Summary> pairs = summaries.stream()
        .filter(s -> s.cell().kind().equals("pair") && !Double.isNaN(s.additivityError())).toList();
    if (!pairs.isEmpty()) {
      double meanAbs = pairs.stream().mapToDouble(s -> Math.abs(s.additivityError())).average().orElse(0);
      // where allocation decisions are made: both single drops small
      List<Sensitivity.Summary> small = pairs.stream().filter(s -> s.predictedDrop() <= 0.02).toList();
      double meanAbsSmall = small.stream().mapToDouble(s -> Math.abs(s.additivityError())).average().orElse(Double.NaN);
      Sensitivity.Summary worst = pairs.stream()
          .max(java.util.Comparator.comparingDouble(s -> Math.abs(s.additivityError()))).orElseThrow();
      out.printf(Locale.ROOT, "%n  interactions  %d joint trials over %d layer pairs: joint drop − (sum of single drops)"
          + " has mean |error| %.2f points; largest %.2f points (%s, %s %s)%n", pairs.size(),
          pairs.stream().map(s -> s.cell().layer()).distinct().count(), 100 * meanAbs, 100 * worst.additivityError(),
          worst.cell().layer(), worst.cell().method(), fmt(worst.cell().level()));
      out.printf(Locale.ROOT, "                where the predicted drop is <= 2 points (%d joint trials): mean |error| %.2f "
          + "points%n", small.size(), 100 * meanAbsSmall);
    }
    for (Sensitivity.Outcome o : outcomes) {
      if (!o.isOk()) {
        out.printf(Locale.ROOT, "  failed: %s %s: %s%n", o.trial().trialId(), o.errorClass(), o.errorMessage());
      }
    }
    out.printf(Locale.ROOT, "%n  tables    %s/{sensitivity,sensitivity_summary,runs}/run_id=%s (Parquet)%n", outDir,
        run.runId());
  }

  private static String fmt(double level) {
    return level == Math.rint(level) ? String.valueOf((long) level) : String.valueOf(level);
  }
}
