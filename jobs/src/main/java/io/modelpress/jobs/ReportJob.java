package io.modelpress.jobs;

import io.modelpress.report.ReportFiles;
import io.modelpress.report.RunReport;
import io.modelpress.report.SensitivityReport;
import io.modelpress.spark.ResultSchemas;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.Sensitivity;
import io.modelpress.sweep.TrialResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code modelpress report}: the plots and the HTML page of a finished sweep or sensitivity run, rendered from
 * its tables
 * ({@link ReportFiles}) into {@code <results>/reports/run_id=<R>/}. The sweep calls {@link #write} once its
 * tables are written (and so does the sensitivity job), so {@code report} regenerates exactly what the run wrote.
 */
final class ReportJob {

  static final Set<String> OPTIONS = Set.of("--run-id", "--results", "--master");

  private ReportJob() {}

  static int run(String[] argv, PrintStream out) {
    Args args = Args.parse("report", argv, 0, OPTIONS, Set.of());
    String runId = args.require("--run-id", "ID: the sweep or sensitivity run to report on (see modelpress results runs)");
    if (!SweepJob.RUN_ID.matcher(runId).matches()) {
      throw new UserError("'--run-id' is set to \"" + Cli.oneLine(runId) + "\" which is not a run id");
    }
    String results = args.get("--results").orElse(SweepSpec.DEFAULT_OUTPUT);
    SparkSession spark = SparkSessions.create("modelpress report", args.get("--master").orElse("local[1]"));
    try {
      Written w = write(spark, results, runId);
      out.printf(Locale.ROOT, "report of run %s: %s (%s)%n", runId, w.folder() + "/" + ReportFiles.HTML,
          String.join(", ", w.files()));
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** The files written and their folder. */
  record Written(String folder, List<String> files) {}

  /**
   * Reads run {@code runId}'s tables under {@code results}, renders its report and writes it, replacing an
   * earlier report of the run. A run with sensitivity_summary rows gets the report of a sensitivity run
   * (its curves per method), any other the report of a sweep. A run without a runs row (unknown or
   * unfinished), or a sweep run without trials rows, is a {@link UserError}, and nothing is written.
   */
  static Written write(SparkSession spark, String results, String runId) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!ResultTables.runComplete(results, runId, hadoop)) {
      throw new UserError("run '" + runId + "' has no row in " + results + "/runs (unknown or unfinished); list runs "
          + "with modelpress results runs --results DIR");
    }
    List<Row> summary = partition(spark, results, ResultTables.SENSITIVITY_SUMMARY, runId,
        ResultSchemas.SENSITIVITY_SUMMARY, hadoop);
    Map<String, byte[]> files = summary.isEmpty() ? ReportFiles.render(read(spark, results, runId))
        : ReportFiles.render(readSensitivity(spark, results, runId, summary));
    String folder = ReportFiles.folder(results, runId);
    try {
      Path dir = new Path(folder);
      FileSystem fs = dir.getFileSystem(hadoop);
      if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
        fs = local.getRawFileSystem(); // no .crc files next to the report: it is read by browsers, not by Hadoop
      }
      if (fs.exists(dir) && !fs.delete(dir, true)) {
        throw new IOException("could not delete the old report " + dir);
      }
      for (var f : files.entrySet()) {
        try (OutputStream o = fs.create(new Path(dir, f.getKey()), true)) {
          o.write(f.getValue());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the report into " + folder + ": " + e.getMessage(), e);
    }
    return new Written(folder, List.copyOf(files.keySet()));
  }

  /** A finished run's report data, read from its tables. */
  static RunReport read(SparkSession spark, String results, String runId) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    List<Row> runs = spark.read().schema(ResultSchemas.RUNS).parquet(results + "/" + ResultTables.RUNS)
        .collectAsList();
    RunInfo run = runs.stream().filter(r -> runId.equals(r.getAs(ResultSchemas.RUN_ID))).map(ReportJob::runInfo)
        .findFirst().orElseThrow(() -> new UserError("run '" + runId + "' has no row in " + results + "/runs"));
    List<Row> trialRows = partition(spark, results, ResultTables.TRIALS, runId, ResultSchemas.TRIALS, hadoop);
    if (trialRows.isEmpty()) {
      throw new UserError("run '" + runId + "' has no rows in " + results + "/trials (a sensitivity run?); reports "
          + "are written for sweep runs");
    }
    Map<String, Row> byId = new TreeMap<>();
    trialRows.forEach(r -> byId.putIfAbsent(r.getAs(ResultSchemas.TRIAL_ID), r));
    List<TrialResult> trials = new ArrayList<>();
    Set<String> frontier = new HashSet<>();
    String knee = null;
    for (Row r : byId.values()) {
      trials.add(ResultSchemas.fromRow(r));
      Integer rank = r.getAs("pareto_rank");
      if (rank != null && rank == 0) {
        frontier.add(r.getAs(ResultSchemas.TRIAL_ID));
      }
      if (Boolean.TRUE.equals(r.getAs("knee"))) {
        knee = r.getAs(ResultSchemas.TRIAL_ID);
      }
    }
    trials.sort(java.util.Comparator.comparingInt(t -> t.trial().index()));
    List<RunReport.DeviceRow> devices = new ArrayList<>();
    for (Row r : partition(spark, results, ResultTables.DEVICE_ESTIMATES, runId, ResultSchemas.DEVICE_ESTIMATES,
        hadoop)) {
      devices.add(new RunReport.DeviceRow(r.getAs("device"), r.getAs(ResultSchemas.TRIAL_ID),
          r.<Double>getAs("est_latency_ms"), r.<Boolean>getAs("fits"), r.<Boolean>getAs("on_device_frontier"),
          r.<Double>getAs(ResultSchemas.ACCURACY), r.<Long>getAs("encoded_bytes")));
    }
    devices.sort(java.util.Comparator.comparing(RunReport.DeviceRow::device)
        .thenComparing(RunReport.DeviceRow::trialId));
    // the previous run of the same config name: the latest that started before this one
    RunInfo prev = runs.stream().map(ReportJob::runInfo)
        .filter(r -> r.name().equals(run.name()) && !r.runId().equals(runId) && r.startedAt().isBefore(run.startedAt()))
        .max(java.util.Comparator.comparing(RunInfo::startedAt).thenComparing(RunInfo::runId)).orElse(null);
    RunReport.Previous previous = null;
    if (prev != null) {
      Set<String> prevFrontier = new HashSet<>();
      for (Row r : partition(spark, results, ResultTables.FRONTIER, prev.runId(), ResultSchemas.TRIALS, hadoop)) {
        prevFrontier.add(r.getAs(ResultSchemas.TRIAL_ID));
      }
      previous = new RunReport.Previous(prev, prevFrontier);
    }
    return new RunReport(run, trials, frontier, knee, devices, previous,
        ResultTables.nightlyDiff(spark, results, runId));
  }

  /** A finished sensitivity run's report data: its runs row and its sensitivity_summary rows. */
  static SensitivityReport readSensitivity(SparkSession spark, String results, String runId, List<Row> summary) {
    RunInfo run = spark.read().schema(ResultSchemas.RUNS).parquet(results + "/" + ResultTables.RUNS)
        .where(functions.col(ResultSchemas.RUN_ID).equalTo(runId)).collectAsList().stream().map(ReportJob::runInfo)
        .findFirst().orElseThrow(() -> new UserError("run '" + runId + "' has no row in " + results + "/runs"));
    List<Sensitivity.Summary> rows = new ArrayList<>();
    for (Row r : summary) {
      Double predicted = r.getAs("predicted_drop");
      Double error = r.getAs("additivity_error");
      rows.add(new Sensitivity.Summary(new Sensitivity.Cell(r.getAs("kind"), r.getAs("layer"), r.getAs("method"),
          r.<Double>getAs("level")), r.<Integer>getAs("seeds"), r.<Double>getAs("mean_accuracy"),
          r.<Double>getAs("mean_loss"), r.<Double>getAs("mean_drop"), r.<Double>getAs("ci95_low"),
          r.<Double>getAs("ci95_high"), r.<Long>getAs("encoded_bytes"), predicted == null ? Double.NaN : predicted,
          error == null ? Double.NaN : error));
    }
    return new SensitivityReport(run, rows);
  }

  /** The rows of one run's partition of a table (none when the table or the partition does not exist). */
  private static List<Row> partition(SparkSession spark, String results, String table, String runId,
      org.apache.spark.sql.types.StructType schema, Configuration hadoop) {
    Path p = new Path(new Path(results, table), ResultSchemas.RUN_ID + "=" + runId);
    try {
      if (!p.getFileSystem(hadoop).exists(p)) {
        return List.of();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage(), e);
    }
    return spark.read().schema(schema).option("basePath", new Path(results, table).toString()).parquet(p.toString())
        .where(functions.col(ResultSchemas.RUN_ID).equalTo(runId)).collectAsList();
  }

  /** A runs row as the run's provenance record. */
  static RunInfo runInfo(Row r) {
    Double hv = r.getAs("hypervolume");
    return new RunInfo(r.getAs(ResultSchemas.RUN_ID), r.getAs("name"), instant(r.getAs("started_at")),
        instant(r.getAs("finished_at")), r.<Integer>getAs("trials_total"), r.<Integer>getAs("trials_ok"),
        r.<Integer>getAs("trials_failed"), r.<Double>getAs("base_accuracy"), r.getAs("objectives"),
        r.getAs("config_json"), r.getAs("model"), r.getAs("model_fingerprint"), r.getAs("dataset"),
        r.getAs("dataset_fingerprint"), r.getAs("master"), r.getAs("code_version"), r.getAs("spark_version"),
        r.getAs("dl4j_version"), r.getAs("java_version"), r.getAs("os_arch"), hv == null ? Double.NaN : hv);
  }

  private static Instant instant(Object v) {
    return v instanceof java.sql.Timestamp t ? t.toInstant() : (Instant) v;
  }
}
