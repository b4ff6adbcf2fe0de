package io.modelpress.jobs;

import io.modelpress.config.SensitivityConfigParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Versions;
import io.modelpress.plan.SensitivityPlanner;
import io.modelpress.plan.SweepPlan;
import io.modelpress.spark.ResultSchemas;
import io.modelpress.spark.ResultTables;
import io.modelpress.spark.SparkSweepRunner;
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
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code modelpress sensitivity}: one layer changed at a time (and sampled pairs changed together),
 * evaluated on Spark, written to {@code sensitivity/} and {@code sensitivity_summary/} with a runs row, then
 * its report (curves per method and a page) from those tables, as a sweep writes its own.
 */
final class SensitivityJob {

  static final Set<String> OPTIONS = Set.of("--config", "--out", "--run-id", "--master");
  static final Set<String> FLAGS = Set.of("--overwrite");

  private SensitivityJob() {}

  static int run(String[] argv, PrintStream out) {
    Args args = Args.parse("sensitivity", argv, 0, OPTIONS, FLAGS);
    String configPath = args.require("--config", "FILE: the sensitivity YAML config (e.g. conf/sensitivity/mnist-mlp.yaml)");
    String runIdArg = SweepJob.runIdArg(args);
    String text = SweepJob.readLocalOrNull(configPath);
    SensitivitySpec spec = text == null ? null : SensitivityConfigParser.parse(text, configPath);
    Instant started = Instant.now();
    SparkSession spark = SparkSessions.create("modelpress sensitivity", args.get("--master").orElse(null));
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      if (spec == null) {
        spec = SensitivityConfigParser.parse(SweepJob.readHadoop(configPath, hadoop), configPath);
      }
      String outDir = args.get("--out").orElse(spec.output());
      String runId = runIdArg != null ? runIdArg : SweepJob.defaultRunId(spec.name(), started);
      boolean overwrite = args.flag("--overwrite");
      SweepPlan plan;
      byte[] modelBytes;
      LabeledImages test;
      LabeledImages train;
      try {
        ResultTables.checkWritable(outDir, hadoop);
        if (!overwrite && ResultTables.runExists(outDir, runId, hadoop)) {
          throw new UserError("run id '" + runId + "' already has results in " + outDir
              + "; pass --overwrite to replace them or choose another --run-id");
        }
        test = Datasets.test(spec.dataset(), hadoop);
        modelBytes = SweepJob.modelBytes(spec.model(), spec.dataset(), hadoop, out);
        Network model = SweepJob.restore(spec.model(), modelBytes);
        if (model.inputSize() != test.features()) {
          throw new UserError("the model takes " + model.inputSize() + " input features but dataset '"
              + spec.dataset().name() + "' has " + test.features());
        }
        plan = SensitivityPlanner.plan(spec, model.weights(), ModelStore.hex(ModelStore.sha256(modelBytes)),
            test.fingerprintHex());
        train = plan.trials().stream().anyMatch(t -> t.spec().needsTrainingData()) ? Datasets.train(spec.dataset(), hadoop)
            : null;
      } catch (UserError e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      if (overwrite) {
        ResultTables.deleteRun(outDir, runId, hadoop);
      }
      long t0 = System.nanoTime();
      long rootSeed = spec.seed();
      int seeds = spec.seeds();
      List<Sensitivity.Outcome> outcomes;
      try (SparkSweepRunner.Session session = SparkSweepRunner.open(spark, plan, modelBytes,
          ModelStore.sha256(modelBytes), test, train, spec.evalBatchSize())) {
        Progress progress = Progress.start(plan.size(), 0, session::trialsDone);
        spark.sparkContext().addSparkListener(progress);
        try {
          outcomes = new ArrayList<>(session.map(plan.trials(), (ev, t) -> ev.examples(t, rootSeed, seeds)));
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
      RunInfo run = new RunInfo(runId, spec.name(), started, Instant.now(), outcomes.size(), ok, outcomes.size() - ok,
          Sensitivity.mean(base.accuracy()), "sensitivity", SweepJob.json(spec), SweepJob.describe(spec.model()),
          ModelStore.hex(ModelStore.sha256(modelBytes)), spec.dataset().name(), test.fingerprintHex(),
          spark.sparkContext().master(), Versions.code(), spark.version(), Versions.dl4j(),
          System.getProperty("java.version"), System.getProperty("os.arch"), Double.NaN);
      ResultTables.writeSensitivity(spark, outDir, run, rows, summaryRows);
      print(out, spec, run, summaries, outcomes, seconds, outDir);
      SweepJob.report(spark, outDir, runId, out);
      return 0;
    } finally {
      spark.stop();
    }
  }

  private static void print(PrintStream out, SensitivitySpec spec, RunInfo run, List<Sensitivity.Summary> summaries,
      List<Sensitivity.Outcome> outcomes, double seconds, String outDir) {
    out.printf(Locale.ROOT, "%nmodelpress sensitivity '%s' finished: run %s%n", spec.name(), run.runId());
    out.printf(Locale.ROOT, "  model     %s (sha256 %s…), base accuracy %.2f %% on the test set, %.2f %% mean over %d "
        + "bootstrap resamples%n", run.model(), run.modelFingerprint().substring(0, 12), 100 * outcomes.get(0).fullAccuracy(),
        100 * run.baseAccuracy(), spec.seeds());
    out.printf(Locale.ROOT, "  trials    %d ok, %d failed, evaluated in %.1f s (%.1f trials/s) on %s%n", run.trialsOk(),
        run.trialsFailed(), seconds, outcomes.size() / seconds, run.master());
    // per layer and method: the drop (points, mean [95 % CI]) at each level
    Map<String, List<Sensitivity.Summary>> byRow = new LinkedHashMap<>();
    for (Sensitivity.Summary s : summaries) {
      if (s.cell().kind().equals("single")) {
        byRow.computeIfAbsent(s.cell().layer() + "  " + s.cell().method(), k -> new ArrayList<>()).add(s);
      }
    }
    out.printf(Locale.ROOT, "%n  accuracy drop in points, mean over seeds [95 %% CI], per level (sparsity or bits)%n");
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
