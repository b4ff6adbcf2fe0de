package io.modelpress.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.encode.ArtifactReader;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.SweepPlanner;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrainSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.spec.TrialSpecs;
import io.modelpress.sweep.TrialEvaluator;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code modelpress export}: re-runs one trial of a finished run from its row (the run's resolved config,
 * the trial's {@code spec_json} and seed) and writes its {@code .mpz} artifact, and on request the
 * restored DL4J network. Nothing is written unless the re-run reproduces the row's accuracy and encoded
 * size exactly, and the model and test data still have the run's fingerprints.
 */
final class ExportJob {

  static final Set<String> OPTIONS = Set.of("--run-id", "--trial-id", "--out", "--results", "--dl4j", "--master");
  private static final java.util.regex.Pattern TRIAL_ID = java.util.regex.Pattern.compile("[0-9a-f]{16}");

  private ExportJob() {}

  static int run(String[] argv, PrintStream out) {
    Args args = Args.parse("export", argv, 0, OPTIONS, Set.of());
    String runId = args.require("--run-id", "ID: the run to export from (see the runs table)");
    String trialId = args.require("--trial-id", "ID: the trial_id of the row to export (16 hex digits)");
    String outFile = args.require("--out", "FILE: where to write the .mpz artifact");
    String results = args.get("--results").orElse(SweepSpec.DEFAULT_OUTPUT);
    if (!SweepJob.RUN_ID.matcher(runId).matches()) {
      throw new UserError("'--run-id' is set to \"" + Cli.oneLine(runId) + "\" which is not a run id");
    }
    if (!TRIAL_ID.matcher(trialId).matches()) {
      throw new UserError("'--trial-id' is set to \"" + Cli.oneLine(trialId) + "\" but trial ids are 16 hex digits");
    }
    SparkSession spark = SparkSessions.create("modelpress export", args.get("--master").orElse("local[1]"));
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      Row run = one(spark, results, ResultTables.RUNS, functions.col("run_id").equalTo(runId),
          "run '" + runId + "' has no row in " + results + "/runs; list runs with the runs table or pass --results DIR");
      Row trial = one(spark, results, ResultTables.TRIALS,
          functions.col("run_id").equalTo(runId).and(functions.col("trial_id").equalTo(trialId)),
          "run '" + runId + "' has no trial '" + trialId + "' in " + results + "/trials");
      if (!"ok".equals(trial.getAs("status"))) {
        throw new UserError("trial " + trialId + " of run " + runId + " failed (" + trial.getAs("error_message")
            + "); there is nothing to export");
      }
      JsonNode config = new ObjectMapper().readTree((String) run.getAs("config_json"));
      DatasetSpec dataset = new DatasetSpec(config.at("/dataset/name").asText(), config.at("/dataset/dir").asText(""),
          config.at("/dataset/trainLimit").asInt(0), config.at("/dataset/testLimit").asInt(0));
      LabeledImages test = Datasets.test(dataset, hadoop);
      String dataFp = run.getAs("dataset_fingerprint");
      if (!test.fingerprintHex().equals(dataFp)) {
        throw new UserError("the test data of dataset '" + dataset.name() + "' changed since run " + runId
            + " (sha256 " + test.fingerprintHex() + ", run used " + dataFp + ")");
      }
      byte[] modelBytes = SweepJob.modelBytes(model(config.path("model")), dataset, hadoop, out);
      String modelFp = ModelStore.hex(ModelStore.sha256(modelBytes));
      if (!modelFp.equals(run.getAs("model_fingerprint"))) {
        throw new UserError("the model of run " + runId + " (" + run.getAs("model") + ") changed since the run: sha256 "
            + modelFp + ", the run used " + run.getAs("model_fingerprint"));
      }
      String specJson = trial.getAs("spec_json");
      if (!SweepPlanner.trialId(specJson, modelFp, dataFp).equals(trialId)) {
        throw new IllegalStateException("trial " + trialId + "'s spec_json does not hash to its id");
      }
      TrialSpec spec = TrialSpecs.fromCanonicalJson(specJson);
      if (!spec.canonicalJson().equals(specJson)) {
        throw new IllegalStateException("trial " + trialId + "'s spec_json does not read back into the same trial "
            + "(written by another modelpress version?): " + specJson);
      }
      PlannedTrial planned = new PlannedTrial(trialId, trial.getAs("trial_index"), trial.getAs("block"),
          trial.getAs("seed"), spec);
      Network model = Backends.dl4j().restore(modelBytes);
      LabeledImages train = spec.needsTrainingData() ? Datasets.train(dataset, hadoop) : null;
      int evalBatch = config.path("evalBatchSize").asInt(SweepSpec.DEFAULT_EVAL_BATCH_SIZE);
      TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), model, model.weights(), test, train, ModelStore.sha256(modelBytes), evalBatch);
      TrialEvaluator.Evaluated e = ev.measure(planned);
      double rowAccuracy = trial.getAs("accuracy");
      long rowBytes = trial.getAs("encoded_bytes");
      if (e.measurements().accuracy() != rowAccuracy || e.artifact().length != rowBytes) {
        throw new IllegalStateException(String.format(Locale.ROOT, "re-running trial %s gave accuracy %.4f and %d bytes "
            + "but its row says %.4f and %d; nothing exported", trialId, e.measurements().accuracy(), e.artifact().length,
            rowAccuracy, rowBytes));
      }
      // the reader restores a network that predicts exactly as the evaluated one did
      Network restored = ArtifactReader.restore(Backends.dl4j(), e.artifact(), modelBytes);
      double restoredAccuracy = ClassificationMetrics.of(test.labels(),
          restored.predict(restored.inputs(test), evalBatch), Datasets.CLASSES).accuracy();
      if (restoredAccuracy != rowAccuracy) {
        throw new IllegalStateException("the network restored from the artifact scores " + restoredAccuracy
            + ", the trial " + rowAccuracy + "; nothing exported");
      }
      ModelStore.write(e.artifact(), outFile, hadoop);
      out.printf(Locale.ROOT, "exported trial %s of run %s (%s): accuracy %.2f %% (as in its row), %d bytes -> %s%n",
          trialId, runId, spec.method(), 100 * rowAccuracy, e.artifact().length, outFile);
      if (args.get("--dl4j").isPresent()) {
        ModelStore.write(restored.save(), args.get("--dl4j").get(), hadoop);
        out.printf(Locale.ROOT, "restored DL4J network (%d parameters) -> %s%n", restored.numParams(),
            args.get("--dl4j").get());
      }
      return 0;
    } catch (IOException e) {
      throw new IllegalStateException("runs row of " + runId + " has an unreadable config_json: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    } finally {
      spark.stop();
    }
  }

  private static ModelSpec model(JsonNode m) {
    if (m.has("path")) {
      return new ModelSpec.Saved(m.path("path").asText());
    }
    JsonNode t = m.path("train");
    return new ModelSpec.Zoo(m.path("name").asText(), new TrainSpec(t.path("epochs").asInt(), t.path("batchSize").asInt(),
        t.path("learningRate").asDouble(), t.path("seed").asLong()));
  }

  private static Row one(SparkSession spark, String results, String table, org.apache.spark.sql.Column where,
      String missing) {
    String path = results + "/" + table;
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
        throw new UserError("no " + table + " table at " + path + "; pass --results DIR (the sweep's --out)");
      }
    } catch (IOException e) {
      throw new UserError("cannot read " + path + ": " + e.getMessage());
    }
    List<Row> rows = spark.read().parquet(path).where(where).limit(2).collectAsList();
    if (rows.isEmpty()) {
      throw new UserError(missing);
    }
    if (rows.size() > 1) {
      throw new IllegalStateException(path + " has more than one row for " + where + "; the table is damaged");
    }
    return rows.get(0);
  }
}
