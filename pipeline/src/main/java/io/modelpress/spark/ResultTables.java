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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.SparkSession;

/**
 * The results tables under an output root (any Hadoop path), Parquet, partitioned by {@code run_id}, and
 * how a run writes them so that no kill loses a committed row and no reader sees a row twice:
 * <ul>
 *   <li>{@code trials/run_id=R/} is append-only while the run lives: each committed batch is one file
 *       published whole ({@link Publisher}), named after its trial ids ({@code batch-<sha>.parquet};
 *       failed trials apart, in {@code failed-<sha>.parquet}, which a resume deletes to evaluate them
 *       again). Nothing rewrites or deletes a batch but {@code --overwrite}.</li>
 *   <li>What is computed from the trials ({@code trial_ranks}: Pareto rank, knee and projections;
 *       {@code frontier}; {@code device_estimates}) is written after the last batch, one file per run
 *       and table, and can be rebuilt from the trials at any time ({@code modelpress results rebuild}).</li>
 *   <li>{@code runs/run_id=R/run.parquet} is written last: the run is finished exactly when it exists.</li>
 * </ul>
 * The table {@code trials} users query ({@link ResultReader#table}, {@code modelpress.trials}) is the
 * trial files joined with {@code trial_ranks}.
 */
public final class ResultTables {

  public static final String TRIALS = "trials";
  public static final String TRIAL_RANKS = "trial_ranks";
  public static final String FRONTIER = "frontier";
  public static final String RUNS = "runs";
  public static final String DEVICE_ESTIMATES = "device_estimates";

  /** The columns of {@code trials} stored in {@code trial_ranks} (computed from all of a run's trials). */
  static final List<String> RANK_COLUMNS = List.of("pareto_rank", "knee", "frontier_projections",
      "latency_confirmed_b1_p50_ms", "latency_confirmed_b1_p95_ms", "latency_confirmed_b1_iqr_ms",
      "latency_confirmed_b32_p50_ms", "latency_confirmed_b32_p95_ms", "latency_confirmed_b32_iqr_ms",
      "latency_confirmed_rounds");

  private ResultTables() {}

  /** The file, in a run's hidden folder, holding the identity of its first attempt (config and code). */
  static final String IDENTITY = "identity.json";

  /** The file, in a run's hidden folder, holding the latencies its frontier candidates were confirmed at. */
  static final String CONFIRMED = "confirmed-latency.json";

  /**
   * Records the confirmed latencies of a run's trials ({@code trial_id → figures}), so that {@code results
   * rebuild} ranks with them even when {@code trial_ranks} (which shows them) was lost. Written before the
   * derived tables; a run killed before it confirms again when resumed.
   */
  static void writeConfirmed(String out, String runId, List<TrialResult> results, Configuration conf) {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root = json.createObjectNode();
    for (TrialResult r : results) {
      io.modelpress.runtime.Latency l = r.measurements().map(io.modelpress.sweep.Measurements::latency).orElse(null);
      if (l != null && l.confirmed() != null) {
        com.fasterxml.jackson.databind.node.ObjectNode n = root.putObject(r.trial().trialId());
        List<Object> v = ResultSchemas.confirmed(l);
        String[] keys = {"b1_p50_ms", "b1_p95_ms", "b1_iqr_ms", "b32_p50_ms", "b32_p95_ms", "b32_iqr_ms"};
        for (int i = 0; i < keys.length; i++) {
          n.put(keys[i], (Double) v.get(i));
        }
        n.put("rounds", l.confirmed().rounds());
        n.put("host", l.confirmed().host());
      }
    }
    Path p = new Path(Publisher.runDir(out, runId), CONFIRMED);
    try (var o = p.getFileSystem(conf).create(p, true)) {
      o.write(json.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + show(p) + ": " + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  /** Records the identity of a run's attempt, against which later attempts of the run id are checked. */
  public static void writeIdentity(String out, String runId, io.modelpress.config.RunIdentity id, Configuration conf) {
    Path p = new Path(Publisher.runDir(out, runId), IDENTITY);
    try (var o = p.getFileSystem(conf).create(p, true)) {
      o.write(id.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + show(p) + ": " + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  /** The partition folder of {@code runId} in {@code table}. */
  static Path partition(String out, String table, String runId) {
    return new Path(new Path(out, table), ResultSchemas.RUN_ID + "=" + runId);
  }

  /**
   * Commits a batch of finished trials of a running sweep: its successful trials as one new file, its
   * failed ones as another; published whole, never rewritten. A batch published before (the same trial
   * ids: an attempt killed after publishing it) is not written twice.
   *
   * @param fingerprint the run's fingerprint ({@link io.modelpress.config.RunIdentity}), on every row
   * @param modelFingerprint the run's model (the teacher of distillation trials)
   */
  public static void appendTrials(SparkSession spark, String out, String runId, String fingerprint,
      String modelFingerprint, List<TrialResult> batch) {
    for (boolean ok : new boolean[] {true, false}) {
      List<TrialResult> part = batch.stream().filter(r -> r.isOk() == ok).toList();
      if (part.isEmpty()) {
        continue;
      }
      List<Row> rows = new ArrayList<>();
      for (TrialResult r : part) {
        rows.add(ResultSchemas.trialRow(runId, r, null, null, null, modelFingerprint));
      }
      String name = (ok ? "batch-" : "failed-") + digest(part.stream().map(r -> r.trial().trialId()).sorted().toList())
          + ".parquet";
      Dataset<Row> df = stored(spark.createDataFrame(rows, ResultSchemas.TRIALS), fingerprint);
      Publisher.publishNew(df, out, runId, new Path(partition(out, TRIALS, runId), name));
      io.modelpress.sweep.CrashPoint.at("trials.batch.published");
    }
  }

  /** The trial files' columns: the trials schema without the partition and rank columns, the fingerprint set. */
  private static Dataset<Row> stored(Dataset<Row> trials, String fingerprint) {
    Dataset<Row> d = trials.withColumn(ResultSchemas.RUN_FINGERPRINT, functions.lit(fingerprint)).drop(ResultSchemas.RUN_ID);
    for (String c : RANK_COLUMNS) {
      d = d.drop(c);
    }
    return d;
  }

  /**
   * Deletes the failed trials' files of {@code runId} (a resume evaluates those trials again). Returns how
   * many files it deleted.
   */
  public static int dropFailed(String out, String runId, Configuration conf) {
    return Publisher.deleteFiles(partition(out, TRIALS, runId), List.of("failed-"), conf);
  }

  /** Deletes what killed attempts of {@code runId} left half-written (staging files, committer folders). */
  public static void clearStaging(String out, String runId, Configuration conf) {
    Publisher.clearStaging(out, runId, conf);
    for (String table : List.of(TRIALS, TRIAL_RANKS, FRONTIER, DEVICE_ESTIMATES, RUNS)) {
      Publisher.deleteFiles(partition(out, table, runId), List.of("_temporary", "__magic", ".spark-staging"), conf);
    }
  }

  /** Whether any table under {@code out} already holds rows of {@code runId}. */
  public static boolean runExists(String out, String runId, Configuration conf) {
    try {
      for (String table : List.of(TRIALS, FRONTIER, RUNS, DEVICE_ESTIMATES, SENSITIVITY, SENSITIVITY_SUMMARY)) {
        Path p = partition(out, table, runId);
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
   * Finishes a sweep run whose trials are all committed ({@link #appendTrials}): writes what is derived
   * from them (trial_ranks, frontier, device_estimates), then its runs row, the commit marker. Every
   * table's partition of the run is replaced by one file; other runs, even concurrent ones, are never touched.
   */
  public static void write(SparkSession spark, String out, io.modelpress.sweep.RunOutcome o, String fingerprint) {
    writeDerived(spark, out, o, fingerprint);
    io.modelpress.sweep.CrashPoint.at("runs.beforePublish");
    replace(spark, List.of(runRow(o.run(), fingerprint)), ResultSchemas.RUNS, out, RUNS, "run");
    io.modelpress.sweep.CrashPoint.at("runs.published");
  }

  /** The tables computed from a run's trials: written by {@link #write} and by {@code results rebuild}. */
  public static void writeDerived(SparkSession spark, String out, io.modelpress.sweep.RunOutcome o, String fingerprint) {
    RunInfo run = o.run();
    writeConfirmed(out, run.runId(), o.results(), spark.sparkContext().hadoopConfiguration());
    String knee = o.knee();
    List<Row> ranks = new ArrayList<>();
    for (TrialResult r : o.results()) {
      String id = r.trial().trialId();
      List<Object> v = new ArrayList<>(java.util.Arrays.asList(run.runId(), id, o.ranks().get(id),
          r.isOk() ? id.equals(knee) : null, o.projections().get(id)));
      v.addAll(ResultSchemas.confirmed(r.measurements().map(io.modelpress.sweep.Measurements::latency).orElse(null)));
      ranks.add(RowFactory.create(v.toArray()));
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
    replace(spark, ranks, ResultSchemas.TRIAL_RANKS, out, TRIAL_RANKS, "ranks");
    io.modelpress.sweep.CrashPoint.at("derived.trial_ranks.published");
    replace(spark, frontier.stream().map(r -> withFingerprint(r, fingerprint)).toList(), ResultSchemas.TRIALS, out,
        FRONTIER, "frontier");
    io.modelpress.sweep.CrashPoint.at("derived.frontier.published");
    replace(spark, o.devices().stream().map(d -> ResultSchemas.deviceRow(run.runId(), d)).toList(),
        ResultSchemas.DEVICE_ESTIMATES, out, DEVICE_ESTIMATES, "estimates");
    io.modelpress.sweep.CrashPoint.at("derived.device_estimates.published");
  }

  private static Row withFingerprint(Row r, String fingerprint) {
    Object[] v = new Object[r.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.get(i);
    }
    v[ResultSchemas.TRIALS.fieldIndex(ResultSchemas.RUN_FINGERPRINT)] = fingerprint;
    return RowFactory.create(v);
  }

  static String digest(List<String> ids) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      for (String id : ids) {
        md.update(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) '\n');
      }
      return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 24);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static final String SENSITIVITY = "sensitivity";
  public static final String SENSITIVITY_SUMMARY = "sensitivity_summary";
  public static final String SOFT_TARGETS = "soft_targets";
  public static final String NIGHTLY_DIFF = "nightly_diff";

  /** Writes a sensitivity run: per-seed rows, summaries, then its runs row (last, as for sweeps). */
  public static void writeSensitivity(SparkSession spark, String out, RunInfo run, List<Row> rows, List<Row> summary) {
    replace(spark, rows, ResultSchemas.SENSITIVITY, out, SENSITIVITY, "sensitivity");
    replace(spark, summary, ResultSchemas.SENSITIVITY_SUMMARY, out, SENSITIVITY_SUMMARY, "summary");
    io.modelpress.sweep.CrashPoint.at("runs.beforePublish");
    replace(spark, List.of(runRow(run, null)), ResultSchemas.RUNS, out, RUNS, "run");
    io.modelpress.sweep.CrashPoint.at("runs.published");
  }

  /**
   * Writes a nightly run's diff against the previous night into {@code nightly_diff/run_id=R}, replacing
   * what an earlier attempt of the same night wrote (a first night has no rows and clears the partition).
   */
  public static void writeNightlyDiff(SparkSession spark, String out, io.modelpress.report.NightlyDiff.Result diff) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Row> rows = ResultSchemas.nightlyRows(diff);
    if (rows.isEmpty()) {
      Publisher.deleteIfExists(partition(out, NIGHTLY_DIFF, diff.runId()), conf);
    }
    replace(spark, rows, ResultSchemas.NIGHTLY_DIFF, out, NIGHTLY_DIFF, "diff");
  }

  /** Every table, in the order users meet them. */
  public static final List<String> TABLES = List.of(RUNS, TRIALS, TRIAL_RANKS, FRONTIER, DEVICE_ESTIMATES, SENSITIVITY,
      SENSITIVITY_SUMMARY, SOFT_TARGETS, NIGHTLY_DIFF);

  /**
   * Registers the tables under {@code out} for Spark SQL as global temporary views in the session's
   * global temporary database ({@code modelpress} in sessions modelpress opens, where queries name them
   * {@code modelpress.<table>}): nothing is created in, or dropped from, the session's catalog, so a
   * metastore's tables are never touched. Tables without data are skipped. Returns the registered names.
   */
  public static List<String> register(SparkSession spark, String out) {
    String db = spark.conf().get("spark.sql.globalTempDatabase", "global_temp");
    if (!"modelpress".equals(db)) {
      throw new IllegalStateException("the tables are registered as modelpress.<table> in the session's global "
          + "temporary database, which is '" + db + "' here; start the session with spark.sql.globalTempDatabase=modelpress");
    }
    List<String> done = new ArrayList<>();
    for (String t : TABLES) {
      Dataset<Row> d = ResultReader.table(spark, out, t);
      if (d != null) {
        d.createOrReplaceGlobalTempView(t);
        done.add(t);
      }
    }
    return done;
  }

  static org.apache.spark.sql.types.StructType schemaOf(String table) {
    return switch (table) {
      case RUNS -> ResultSchemas.RUNS;
      case TRIALS, FRONTIER -> ResultSchemas.TRIALS;
      case TRIAL_RANKS -> ResultSchemas.TRIAL_RANKS;
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
    for (String table : List.of(io.modelpress.report.ReportFiles.REPORTS, RUNS, TRIALS, TRIAL_RANKS, FRONTIER,
        DEVICE_ESTIMATES, SENSITIVITY, SENSITIVITY_SUMMARY, NIGHTLY_DIFF)) {
      Publisher.deleteIfExists(partition(out, table, runId), conf);
    }
    Publisher.deleteIfExists(new Path(Publisher.runDir(out, runId), IDENTITY), conf);
    Publisher.deleteIfExists(new Path(Publisher.runDir(out, runId), CONFIRMED), conf);
  }


  /**
   * Replaces one run's partition of {@code table} with {@code rows} (all of that run) as one file
   * {@code <name>.parquet}: the partition's old files are deleted, then the new file is published whole
   * ({@link Publisher}). A reader between the two sees the run without these rows, never twice.
   */
  private static void replace(SparkSession spark, List<Row> rows, org.apache.spark.sql.types.StructType schema,
      String out, String table, String name) {
    if (rows.isEmpty()) {
      return; // nothing to add; an empty write would still create files
    }
    String runId = rows.get(0).getString(schema.fieldIndex(ResultSchemas.RUN_ID));
    if (rows.stream().anyMatch(r -> !runId.equals(r.getString(schema.fieldIndex(ResultSchemas.RUN_ID))))) {
      throw new IllegalArgumentException("rows of several runs written as one run's partition");
    }
    Path partition = partition(out, table, runId);
    Publisher.deleteFiles(partition, List.of(), spark.sparkContext().hadoopConfiguration());
    Publisher.publishReplacing(spark.createDataFrame(rows, schema).drop(ResultSchemas.RUN_ID), out, runId,
        new Path(partition, name + ".parquet"));
  }

  static Row runRow(RunInfo r, String fingerprint) {
    return RowFactory.create(r.runId(), r.name(), Timestamp.from(r.startedAt()), Timestamp.from(r.finishedAt()),
        r.wallSeconds(), r.trials().total(), r.trials().ok(), r.trials().failed(), r.baseAccuracy(), r.objectives(),
        r.inputs().configJson(), r.inputs().model(), r.inputs().modelFingerprint(), r.inputs().dataset(), r.inputs().datasetFingerprint(), r.provenance().master(),
        r.provenance().codeVersion(), r.provenance().sparkVersion(), r.provenance().dl4jVersion(), r.provenance().javaVersion(), r.provenance().osArch(),
        Double.isNaN(r.hypervolume()) ? null : r.hypervolume(), fingerprint);
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
