package io.modelpress.jobs;

import io.modelpress.cli.Cli;
import io.modelpress.cli.JobFailed;
import io.modelpress.cli.RunIds;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.encode.ArtifactReader;
import io.modelpress.model.Backend;
import io.modelpress.model.Backends;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Network;
import io.modelpress.onnx.OnnxExport;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.SweepPlanner;
import io.modelpress.spark.DataReader;
import io.modelpress.spark.TrainingPieces;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.Defaults;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.spec.TrialSpecs;
import io.modelpress.sweep.TrialEvaluator;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelpress export}: re-runs one trial of a finished run from its row (the run's resolved config,
 * read back from {@code config_json} by the config parser, the trial's {@code spec_json} and seed) and
 * writes its {@code .mpz} artifact, and on request the restored DL4J network. Nothing is written unless the
 * re-run reproduces the row's accuracy and encoded size exactly, and the model and test data still have the
 * run's fingerprints.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Re-run one trial of a run, check it reproduces its row, write its compressed artifact (and with "
        + "--dl4j the DL4J network restored from it)."})
final class ExportJob implements Callable<Integer> {

  private static final java.util.regex.Pattern TRIAL_ID = java.util.regex.Pattern.compile("[0-9a-f]{16}");

  @Option(names = "--run-id", required = true, paramLabel = "ID", description = "the run to export from")
  String runId;

  @Option(names = "--trial-id", required = true, paramLabel = "ID", description = "the trial_id of the row to export "
      + "(16 hex digits)")
  String trialId;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the model, any Hadoop "
      + "path: FILE.onnx writes ONNX (opset 13, checked by ONNX Runtime on the test set), any other name the .mpz "
      + "artifact")
  String file;

  @Option(names = "--results", paramLabel = "DIR", defaultValue = Defaults.OUTPUT, description = "the results "
      + "tables' root (the run's --out); default: ${DEFAULT-VALUE}")
  String results;

  @Option(names = "--dl4j", paramLabel = "FILE", description = "also write the DL4J network restored from the artifact")
  String dl4j;

  @Option(names = "--tolerance", paramLabel = "POINTS", defaultValue = "0.1", description = "ONNX only: the largest "
      + "accuracy difference, in points, between ONNX Runtime on the file and the trial's row; default: ${DEFAULT-VALUE}")
  double tolerance;

  @Option(names = "--master", paramLabel = "URL", defaultValue = "local[1]", description = "Spark master; default: "
      + "${DEFAULT-VALUE}")
  String master;

  private final PrintStream out;

  ExportJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    if (!(tolerance >= 0) || tolerance > 100) {
      throw new UserError("'--tolerance' is set to " + tolerance + " but must be in [0, 100] (accuracy points)");
    }
    return export(out, runId, trialId, file, results, dl4j, master, tolerance);
  }

  /** Exports trial {@code trialId} of run {@code runId} under {@code results} to {@code file}. */
  static int export(PrintStream out, String runId, String trialId, String file, String results, String dl4j,
      String master) {
    return export(out, runId, trialId, file, results, dl4j, master, ONNX_TOLERANCE_POINTS);
  }

  static int export(PrintStream out, String runId, String trialId, String file, String results, String dl4j,
      String master, double tolerance) {
    RunIds.check(runId);
    if (!TRIAL_ID.matcher(trialId).matches()) {
      throw new UserError("'--trial-id' is set to \"" + Cli.oneLine(trialId) + "\" but trial ids are 16 hex digits");
    }
    SparkSession spark = SparkSessions.create("modelpress export", master);
    TrainingSplit train = null; // a training split in pieces is deleted at the end
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
      SweepSpec config = SweepConfigParser.parse(run.getAs("config_json"), "the config_json of run " + runId);
      DataReader.Split split = DataReader.testSplit(spark, config.dataset(), config.broadcastLimitMb());
      LabeledImages test = split.images(); // the head only, when the split is in shards
      if (split.sharded()) {
        out.println(split.describe(config.broadcastLimitMb()));
      }
      String dataFp = run.getAs("dataset_fingerprint");
      if (!test.fingerprintHex().equals(dataFp)) {
        throw new UserError("the test data of dataset '" + config.dataset().describe() + "' changed since run " + runId
            + " (sha256 " + test.fingerprintHex() + ", run used " + dataFp + ")");
      }
      Backend backend = Backends.dl4j();
      byte[] modelBytes = ModelFiles.bytes(config.model(), config.dataset(), backend, spark, out);
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
      Network model = backend.restore(modelBytes);
      if (spec.needsTrainingData()) {
        TrainingPieces.Read read = TrainingPieces.read(spark, config.dataset(), config.broadcastLimitMb(),
            TrainingPieces.scratch(results, runId + "-export"));
        if (read.described() != null) {
          out.println(read.described());
        }
        train = read.split();
      }
      int evalBatch = config.evalBatchSize();
      TrialEvaluator ev = new TrialEvaluator(backend, model, model.weights(), test, train, ModelStore.sha256(modelBytes),
          evalBatch, null);
      TrialEvaluator.Evaluated e = ev.measure(planned);
      double rowAccuracy = trial.getAs("accuracy");
      long rowBytes = trial.getAs("encoded_bytes");
      // in shards, the evaluator held the split's head only: the restored network's count below is the check. A run
      // evaluated by ONNX Runtime has that engine's accuracy in its row: the file's check below compares with it
      boolean dl4jRow = config.evalEngine() == io.modelpress.spec.EvalEngine.DL4J;
      double dl4jAccuracy = dl4jRow ? rowAccuracy : e.measurements().accuracy();
      if ((dl4jRow && !split.sharded() && e.measurements().accuracy() != rowAccuracy) || e.artifact().length != rowBytes) {
        throw new IllegalStateException(String.format(Locale.ROOT, "re-running trial %s gave accuracy %.4f and %d bytes "
            + "but its row says %.4f and %d; nothing exported", trialId, e.measurements().accuracy(), e.artifact().length,
            rowAccuracy, rowBytes));
      }
      Network restored = ArtifactReader.restore(backend, e.artifact(), modelBytes);
      boolean toOnnx = file.endsWith(".onnx");
      LabeledImages calibration = toOnnx && OnnxExport.int8(e.model()) ? calibrationImages(spark, config.dataset()) : null;
      byte[] onnx = toOnnx ? OnnxExport.write(restored.architecture(), e.model(), test.channels(), test.height(),
          test.width(), io.modelpress.model.Versions.code(), calibration) : null;
      var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
      ExportCheck check = new ExportCheck(jsc.broadcast(modelBytes), jsc.broadcast(e.artifact()),
          onnx == null ? null : jsc.broadcast(onnx), evalBatch);
      ExportCheck.Counts c;
      try {
        c = split.sharded() ? split.shards().values().map(check).reduce(ExportCheck.Counts::plus) : check.call(test);
      } catch (Exception x) {
        throw x instanceof RuntimeException r ? r : new IllegalStateException(x);
      }
      // the reader restores a network that predicts exactly as the evaluated one did
      double restoredAccuracy = (double) c.restoredCorrect() / c.examples();
      if (restoredAccuracy != dl4jAccuracy) {
        throw new IllegalStateException("the network restored from the artifact scores " + restoredAccuracy
            + ", the trial " + dl4jAccuracy + " in DL4J; nothing exported");
      }
      if (onnx != null) {
        onnx(out, onnx, c, rowAccuracy, tolerance, file, hadoop, calibration);
        out.printf(Locale.ROOT, "  trial %s of run %s (%s)%n", trialId, runId, spec.method());
      } else {
        ModelStore.write(e.artifact(), file, hadoop);
        out.printf(Locale.ROOT, "exported trial %s of run %s (%s): accuracy %.2f %% (as in its row), %d bytes -> %s%n",
            trialId, runId, spec.method(), 100 * rowAccuracy, e.artifact().length, file);
      }
      if (dl4j != null) {
        ModelStore.write(restored.save(), dl4j, hadoop);
        out.printf(Locale.ROOT, "restored DL4J network (%d parameters) -> %s%n", restored.numParams(), dl4j);
      }
      return 0;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    } finally {
      try {
        TrainingPieces.delete(train, spark.sparkContext().hadoopConfiguration());
      } finally {
        spark.stop();
      }
    }
  }

  /**
   * The images int8 activations are calibrated on: the training split's first {@link OnnxExport#CALIBRATION_IMAGES}
   * (fewer with a smaller {@code train-limit}), as the sweep's ONNX Runtime evaluation calibrates.
   */
  static LabeledImages calibrationImages(SparkSession spark, io.modelpress.spec.DatasetSpec dataset) {
    return DataReader.train(spark, dataset.withLimits(dataset.trainLimit() > 0
        ? Math.min(dataset.trainLimit(), OnnxExport.CALIBRATION_IMAGES) : OnnxExport.CALIBRATION_IMAGES, 0));
  }

  /** The default largest accuracy difference, in points, between ONNX Runtime on the file and the trial's row. */
  static final double ONNX_TOLERANCE_POINTS = 0.1;

  /**
   * Writes the trial's ONNX file after ONNX Runtime has run it on the whole test set ({@code c}): refused
   * (nothing written, exit 1) unless its accuracy is within {@code tolerance} points of the row's.
   */
  private static void onnx(PrintStream out, byte[] onnx, ExportCheck.Counts c, double rowAccuracy, double tolerance,
      String file, Configuration hadoop, LabeledImages calibration) {
    boolean int8 = calibration != null;
    double accuracy = (double) c.onnxCorrect() / c.examples();
    if (Math.abs(accuracy - rowAccuracy) * 100 > tolerance) {
      throw new JobFailed(String.format(Locale.ROOT, "ONNX Runtime scores the exported %sfile %.2f %% but the trial's "
          + "row says %.2f %% (more than --tolerance %s point apart; %d of %d predictions differ); nothing exported",
          int8 ? "int8 QDQ " : "", 100 * accuracy, 100 * rowAccuracy, tolerance, c.differ(), c.examples())
          + (int8 ? "; the row was evaluated with fp32 activations, the file quantizes them to uint8" : ""));
    }
    ModelStore.write(onnx, file, hadoop);
    out.printf(Locale.ROOT, "exported ONNX (opset %d%s): ONNX Runtime accuracy %.2f %% on %d test images (row: %.2f %%; "
        + "%d predictions differ from the trial's), %d bytes -> %s%n", OnnxExport.OPSET,
        int8 ? ", int8 QDQ calibrated on " + Math.min(OnnxExport.CALIBRATION_IMAGES, calibration.count())
            + " training images" : "", 100 * accuracy, c.examples(), 100 * rowAccuracy,
        c.differ(), onnx.length, file);
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
