package io.modelpress.spark;

import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.TrialResult;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The results tables under an output root (any Hadoop path): {@code trials/}, {@code frontier/} and
 * {@code runs/}, Parquet, partitioned by {@code run_id}. {@code runs} is written last, so a run that has
 * a runs row has complete trials and frontier tables.
 */
public final class ResultTables {

  public static final String TRIALS = "trials";
  public static final String FRONTIER = "frontier";
  public static final String RUNS = "runs";
  public static final String DEVICE_ESTIMATES = "device_estimates";

  private ResultTables() {}

  /**
   * Commits a batch of finished trials of a running sweep: appended to the run's trials partition
   * (new files, nothing rewritten), so an interrupted run keeps them and a resumed run skips them. The
   * final {@link #write} replaces the partition with the complete, ranked rows.
   */
  public static void appendTrials(SparkSession spark, String out, String runId, List<TrialResult> batch) {
    List<Row> rows = new ArrayList<>();
    for (TrialResult r : batch) {
      rows.add(ResultSchemas.trialRow(runId, r, null));
    }
    if (rows.isEmpty()) {
      return;
    }
    // written straight into this run's partition folder (without the partition column, as partitioned
    // writes store it): the commit protocol's _temporary folder is then this run's own, so sweeps
    // appending to one output root at the same time never delete each other's staging files
    spark.createDataFrame(rows, ResultSchemas.TRIALS)
        .drop(ResultSchemas.RUN_ID)
        .coalesce(1)
        .write()
        .mode(SaveMode.Append)
        .parquet(new Path(new Path(out, TRIALS), ResultSchemas.RUN_ID + "=" + runId).toString());
  }

  /** Whether any table under {@code out} already holds rows of {@code runId}. */
  public static boolean runExists(String out, String runId, Configuration conf) {
    try {
      for (String table : List.of(TRIALS, FRONTIER, RUNS, DEVICE_ESTIMATES, SENSITIVITY, SENSITIVITY_SUMMARY)) {
        Path p = new Path(new Path(out, table), ResultSchemas.RUN_ID + "=" + runId);
        if (p.getFileSystem(conf).exists(p)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read output folder " + out + ": " + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  /**
   * Writes a finished sweep run's tables: its trials partition with ranks, knee and projections (replacing
   * the batches appended while it ran), its frontier, its device estimates, and its runs row last. Every
   * write replaces only the run's own partition folder ({@link #save}), so other runs, even concurrent
   * ones, are never touched.
   */
  public static void write(SparkSession spark, String out, io.modelpress.sweep.RunOutcome o) {
    RunInfo run = o.run();
    String knee = o.knee();
    List<Row> trials = new ArrayList<>();
    for (TrialResult r : o.results()) {
      trials.add(ResultSchemas.trialRow(run.runId(), r, o.ranks().get(r.trial().trialId()),
          r.isOk() ? r.trial().trialId().equals(knee) : null, o.projections().get(r.trial().trialId()),
          run.inputs().modelFingerprint()));
    }
    Set<String> frontierIds = o.ranks().entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
    List<Row> frontier = new ArrayList<>();
    for (TrialResult r : o.results()) {
      if (frontierIds.contains(r.trial().trialId())) {
        frontier.add(ResultSchemas.trialRow(run.runId(), r, 0, r.trial().trialId().equals(knee),
            o.projections().get(r.trial().trialId()), run.inputs().modelFingerprint()));
      }
    }
    save(spark, trials, ResultSchemas.TRIALS, new Path(out, TRIALS).toString());
    save(spark, frontier, ResultSchemas.TRIALS, new Path(out, FRONTIER).toString());
    save(spark, o.devices().stream().map(d -> ResultSchemas.deviceRow(run.runId(), d)).toList(),
        ResultSchemas.DEVICE_ESTIMATES, new Path(out, DEVICE_ESTIMATES).toString());
    save(spark, List.of(runRow(run)), ResultSchemas.RUNS, new Path(out, RUNS).toString());
  }

  public static final String SENSITIVITY = "sensitivity";
  public static final String SENSITIVITY_SUMMARY = "sensitivity_summary";
  public static final String SOFT_TARGETS = "soft_targets";
  public static final String NIGHTLY_DIFF = "nightly_diff";

  /** Writes a sensitivity run: per-seed rows, summaries, then its runs row (last, as for sweeps). */
  public static void writeSensitivity(SparkSession spark, String out, RunInfo run, List<Row> rows, List<Row> summary) {
    save(spark, rows, ResultSchemas.SENSITIVITY, new Path(out, SENSITIVITY).toString());
    save(spark, summary, ResultSchemas.SENSITIVITY_SUMMARY, new Path(out, SENSITIVITY_SUMMARY).toString());
    save(spark, List.of(runRow(run)), ResultSchemas.RUNS, new Path(out, RUNS).toString());
  }

  /**
   * Writes a nightly run's diff against the previous night into {@code nightly_diff/run_id=R}, replacing
   * what an earlier attempt of the same night wrote (a first night has no rows and clears the partition).
   */
  public static void writeNightlyDiff(SparkSession spark, String out, io.modelpress.report.NightlyDiff.Result diff) {
    Path p = new Path(new Path(out, NIGHTLY_DIFF), ResultSchemas.RUN_ID + "=" + diff.runId());
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(p) && !fs.delete(p, true)) {
        throw new IOException("could not delete " + p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + p + ": " + e.getMessage(), e);
    }
    save(spark, ResultSchemas.nightlyRows(diff), ResultSchemas.NIGHTLY_DIFF, new Path(out, NIGHTLY_DIFF).toString());
  }

  /** Every table, in the order users meet them. */
  public static final List<String> TABLES = List.of(RUNS, TRIALS, FRONTIER, DEVICE_ESTIMATES, SENSITIVITY,
      SENSITIVITY_SUMMARY, SOFT_TARGETS, NIGHTLY_DIFF);

  /**
   * Registers the tables under {@code out} for Spark SQL as {@code modelpress.<table>} (database
   * {@code modelpress} in the session catalog, external Parquet tables over the run_id=... folders,
   * schemas from {@link ResultSchemas}); tables without data are skipped. Returns the registered names.
   */
  public static List<String> register(SparkSession spark, String out) {
    spark.sql("create database if not exists modelpress");
    for (String t : TABLES) { // a table of another root must not survive under the same name
      spark.sql("drop table if exists modelpress." + t);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<String> done = new ArrayList<>();
    for (String t : TABLES) {
      Path p = new Path(out, t);
      try {
        if (!p.getFileSystem(conf).exists(p)) {
          continue;
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage(), e);
      }
      String location;
      try {
        location = p.getFileSystem(conf).makeQualified(p).toString();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage(), e);
      }
      spark.sql("drop table if exists modelpress." + t);
      // external (a path): dropping the table never deletes the data. Not partitioned in the catalog: the
      // file index finds the run_id=... folders at every query, so runs written later show up at once.
      spark.catalog().createTable("modelpress." + t, "parquet", schemaOf(t), java.util.Map.of("path", location));
      done.add(t);
    }
    return done;
  }

  private static org.apache.spark.sql.types.StructType schemaOf(String table) {
    return switch (table) {
      case RUNS -> ResultSchemas.RUNS;
      case TRIALS, FRONTIER -> ResultSchemas.TRIALS;
      case SENSITIVITY -> ResultSchemas.SENSITIVITY;
      case SENSITIVITY_SUMMARY -> ResultSchemas.SENSITIVITY_SUMMARY;
      case DEVICE_ESTIMATES -> ResultSchemas.DEVICE_ESTIMATES;
      case SOFT_TARGETS -> ResultSchemas.SOFT_TARGETS;
      case NIGHTLY_DIFF -> ResultSchemas.NIGHTLY_DIFF;
      default -> throw new IllegalArgumentException("unknown table " + table);
    };
  }

  /** Deletes every partition of {@code runId}: its report first, then runs, then the others. */
  public static void deleteRun(String out, String runId, Configuration conf) {
    try {
      for (String table : List.of(io.modelpress.report.ReportFiles.REPORTS, RUNS, TRIALS, FRONTIER, DEVICE_ESTIMATES, SENSITIVITY,
          SENSITIVITY_SUMMARY, NIGHTLY_DIFF)) {
        Path p = new Path(new Path(out, table), ResultSchemas.RUN_ID + "=" + runId);
        FileSystem fs = p.getFileSystem(conf);
        if (fs.exists(p) && !fs.delete(p, true)) {
          throw new IOException("could not delete " + p);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot replace run " + runId + " in " + out + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces one run's partition of a table with {@code rows} (all of that run). Written straight into
   * {@code path/run_id=R} (without the partition column, as partitioned writes store it), so the job's
   * staging is that folder's own and other runs, even concurrent ones, are never touched; and it works
   * with committers that cannot overwrite partitions dynamically (the S3A magic committer).
   */
  private static void save(SparkSession spark, List<Row> rows, org.apache.spark.sql.types.StructType schema,
      String path) {
    if (rows.isEmpty()) {
      return; // nothing to add; an empty write would still create files
    }
    String runId = rows.get(0).getString(schema.fieldIndex(ResultSchemas.RUN_ID));
    if (rows.stream().anyMatch(r -> !runId.equals(r.getString(schema.fieldIndex(ResultSchemas.RUN_ID))))) {
      throw new IllegalArgumentException("rows of several runs written as one run's partition");
    }
    spark.createDataFrame(rows, schema)
        .drop(ResultSchemas.RUN_ID)
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(new Path(path, ResultSchemas.RUN_ID + "=" + runId).toString());
  }

  static Row runRow(RunInfo r) {
    return RowFactory.create(r.runId(), r.name(), Timestamp.from(r.startedAt()), Timestamp.from(r.finishedAt()),
        r.wallSeconds(), r.trials().total(), r.trials().ok(), r.trials().failed(), r.baseAccuracy(), r.objectives(),
        r.inputs().configJson(), r.inputs().model(), r.inputs().modelFingerprint(), r.inputs().dataset(), r.inputs().datasetFingerprint(), r.provenance().master(),
        r.provenance().codeVersion(), r.provenance().sparkVersion(), r.provenance().dl4jVersion(), r.provenance().javaVersion(), r.provenance().osArch(),
        Double.isNaN(r.hypervolume()) ? null : r.hypervolume());
  }

  /** A path as users wrote it: local paths without the {@code file:} scheme. */
  static String show(Path p) {
    return "file".equals(p.toUri().getScheme()) ? p.toUri().getPath() : p.toString();
  }

  /**
   * Checks, before any work starts, that {@code out} and its table folders are folders or can be created,
   * and (for local paths) that the nearest existing folder is writable.
   */
  public static void checkWritable(String out, Configuration conf) {
    try {
      Path given = new Path(out);
      FileSystem fs = given.getFileSystem(conf);
      Path root = fs.makeQualified(given); // a relative path walks up to the working directory, not to ""
      for (Path p : List.of(root, new Path(root, TRIALS), new Path(root, FRONTIER), new Path(root, RUNS))) {
        if (fs.exists(p) && !fs.getFileStatus(p).isDirectory()) {
          throw new IllegalArgumentException("'--out' is set to " + out + " but " + show(p) + " is a file, not a folder; "
              + "choose another --out");
        }
      }
      Path probe = root;
      while (probe != null && !fs.exists(probe)) {
        probe = probe.getParent();
      }
      if (probe != null && !fs.getFileStatus(probe).isDirectory()) {
        throw new IllegalArgumentException("'--out' is set to " + out + " but " + show(probe) + " is a file, not a folder; "
            + "choose another --out");
      }
      if (probe != null && "file".equals(fs.getUri().getScheme())) {
        java.io.File f = new java.io.File(probe.toUri().getPath());
        boolean writable = f.canWrite();
        if (writable) { // canWrite says yes to root everywhere, /proc included: create (and remove) a folder to know
          try {
            java.nio.file.Files.delete(java.nio.file.Files.createTempDirectory(f.toPath(), ".modelpress-probe"));
          } catch (IOException | UnsupportedOperationException e) {
            writable = false;
          }
        }
        if (!writable) {
          throw new IllegalArgumentException("'--out' is set to " + out + " but " + f + " is not writable; "
              + "choose another --out");
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("'--out' is set to " + out + " which cannot be reached: "
          + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }
}
