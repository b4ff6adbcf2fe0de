package io.modelpress.spark;

import io.modelpress.data.StorageErrors;
import io.modelpress.plan.Allocator;
import io.modelpress.report.NightlyDiff;
import io.modelpress.report.RunReport;
import io.modelpress.report.SensitivityReport;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.Sensitivity;
import io.modelpress.sweep.SpecResolver;
import io.modelpress.sweep.TrialResult;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the results tables under an output root back into the records they were written from: one
 * method per table ({@link #runs}, {@link #trials}, {@link #deviceEstimates}, {@link #sensitivitySummary},
 * {@link #nightlyDiff}), each row mapped once ({@link ResultSchemas}). What a report shows of a finished
 * run ({@link #runReport}, {@link #sensitivityReport}) is built from them, so {@code modelpress report}
 * renders exactly what the run rendered from memory.
 */
public final class ResultReader {

  private final SparkSession spark;
  private final String out;
  private final Configuration conf;

  public ResultReader(SparkSession spark, String out) {
    this.spark = spark;
    this.out = out;
    this.conf = spark.sparkContext().hadoopConfiguration();
  }

  /** The output root this reader reads. */
  public String out() {
    return out;
  }

  /** Every run's row, in no particular order (none when there is no runs table). */
  public List<RunInfo> runs() {
    Path runs = new Path(out, ResultTables.RUNS);
    if (!exists(runs)) {
      return List.of();
    }
    return spark.read().schema(ResultSchemas.RUNS).parquet(runs.toString()).collectAsList().stream()
        .map(ResultSchemas::runInfo).toList();
  }

  /** The row of run {@code runId}: the run finished (its runs row is written last). */
  public Optional<RunInfo> run(String runId) {
    return partition(ResultTables.RUNS, runId, ResultSchemas.RUNS).stream().map(ResultSchemas::runInfo).findFirst();
  }

  /**
   * Whether {@code runId} finished: its runs row (written last, as one file published whole) exists. An
   * empty runs folder left by a kill is not a finished run.
   */
  public boolean finished(String runId) {
    Path p = partitionPath(ResultTables.RUNS, runId);
    try {
      if (!exists(p)) {
        return false;
      }
      for (var s : p.getFileSystem(conf).listStatus(p)) {
        if (s.isFile() && s.getPath().getName().endsWith(".parquet") && !s.getPath().getName().startsWith("_")
            && !s.getPath().getName().startsWith(".")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + ResultTables.show(p) + ": " + StorageErrors.explain(e), e);
    }
  }

  /** The identity (config and code) the first attempt of {@code runId} recorded, if any. */
  public Optional<io.modelpress.config.RunIdentity> identity(String runId) {
    Path p = new Path(Publisher.runDir(out, runId), ResultTables.IDENTITY);
    if (!exists(p)) {
      return Optional.empty();
    }
    try (var in = p.getFileSystem(conf).open(p)) {
      return Optional.of(io.modelpress.config.RunIdentity.fromJson(new String(in.readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + ResultTables.show(p) + ": " + StorageErrors.explain(e), e);
    }
  }

  /**
   * The confirmed latencies a run recorded ({@link ResultTables#writeConfirmed}), by trial id; empty without
   * the file or when it cannot be read (then {@code trial_ranks}' columns are used).
   */
  Map<String, io.modelpress.runtime.Latency.Confirmed> confirmed(String runId) {
    Path p = new Path(Publisher.runDir(out, runId), ResultTables.CONFIRMED);
    Map<String, io.modelpress.runtime.Latency.Confirmed> m = new HashMap<>();
    if (!exists(p)) {
      return m;
    }
    try (var in = p.getFileSystem(conf).open(p)) {
      var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
      root.fields().forEachRemaining(e -> {
        var n = e.getValue();
        int rounds = n.path("rounds").asInt();
        m.put(e.getKey(), new io.modelpress.runtime.Latency.Confirmed(
            new io.modelpress.runtime.Latency.Stats(n.path("b1_p50_ms").asDouble(), n.path("b1_p95_ms").asDouble(),
                n.path("b1_iqr_ms").asDouble(), rounds),
            new io.modelpress.runtime.Latency.Stats(n.path("b32_p50_ms").asDouble(), n.path("b32_p95_ms").asDouble(),
                n.path("b32_iqr_ms").asDouble(), rounds),
            rounds, n.path("host").asText()));
      });
      return m;
    } catch (IOException | RuntimeException e) {
      // a file cut short by a kill: the figures are also in trial_ranks, and a resume confirms afresh
      return new HashMap<>();
    }
  }

  /** The run fingerprints on {@code runId}'s committed trial rows ("" for rows written without one). */
  public Set<String> committedFingerprints(String runId) {
    Set<String> f = new TreeSet<>();
    for (Row r : partition(ResultTables.TRIALS, runId, ResultSchemas.TRIALS)) {
      String v = r.getAs(ResultSchemas.RUN_FINGERPRINT);
      f.add(v == null ? "" : v);
    }
    return f;
  }

  /**
   * A table under {@code out} as users query it, or null when it has no data: {@code trials} is the trial
   * files joined with {@code trial_ranks} (rank, knee, projections); the others are read as written. The
   * schema is {@link ResultSchemas}'s, with {@code run_id} from the partition folders.
   */
  public static Dataset<Row> table(SparkSession spark, String out, String table) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path p = new Path(out, table);
    try {
      if (!p.getFileSystem(conf).exists(p)) {
        return null;
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + ResultTables.show(p) + ": " + StorageErrors.explain(e), e);
    }
    Dataset<Row> d = spark.read().schema(ResultTables.schemaOf(table)).parquet(p.toString());
    if (!table.equals(ResultTables.TRIALS)) {
      return d;
    }
    Dataset<Row> ranks = table(spark, out, ResultTables.TRIAL_RANKS);
    if (ranks == null) {
      return d;
    }
    Dataset<Row> t = d.alias("t");
    Dataset<Row> joined = t.join(ranks.alias("k"), t.col(ResultSchemas.RUN_ID).equalTo(ranks.col(ResultSchemas.RUN_ID))
        .and(t.col(ResultSchemas.TRIAL_ID).equalTo(ranks.col(ResultSchemas.TRIAL_ID))), "left");
    List<org.apache.spark.sql.Column> cols = new ArrayList<>();
    for (String c : ResultSchemas.TRIALS.fieldNames()) {
      cols.add(ResultTables.RANK_COLUMNS.contains(c)
          ? functions.coalesce(functions.col("k." + c), functions.col("t." + c)).as(c) // rows of runs written before trial_ranks
          : functions.col("t." + c).as(c));
    }
    return joined.select(cols.toArray(new org.apache.spark.sql.Column[0]));
  }

  /** The rows of {@code runId}'s trials, one per trial id, in plan order (none when it has none). */
  public List<TrialResult> trials(String runId) {
    return ranked(runId).trials();
  }

  /** A run's trials with the frontier (pareto_rank 0) and knee its final write recorded. */
  public record Ranked(List<TrialResult> trials, Set<String> frontier, String knee) {}

  /** {@link #trials} with the rank and knee columns of the final write. */
  public Ranked ranked(String runId) {
    Map<String, Row> byId = new TreeMap<>();
    for (Row r : partition(ResultTables.TRIALS, runId, ResultSchemas.TRIALS)) {
      if (byId.putIfAbsent(r.getAs(ResultSchemas.TRIAL_ID), r) != null) {
        throw new IllegalStateException("run '" + runId + "' has two rows of trial " + r.getAs(ResultSchemas.TRIAL_ID)
            + " in " + out + "/trials");
      }
    }
    Map<String, Row> ranks = new HashMap<>();
    for (Row r : partition(ResultTables.TRIAL_RANKS, runId, ResultSchemas.TRIAL_RANKS)) {
      ranks.put(r.getAs(ResultSchemas.TRIAL_ID), r);
    }
    List<TrialResult> trials = new ArrayList<>();
    Set<String> frontier = new HashSet<>();
    String knee = null;
    Map<String, io.modelpress.runtime.Latency.Confirmed> recorded = byId.isEmpty() ? Map.of() : confirmed(runId);
    for (Row r : byId.values()) {
      Row k = ranks.getOrDefault(r.<String>getAs(ResultSchemas.TRIAL_ID), r); // runs written before trial_ranks: in the row
      TrialResult t = ResultSchemas.fromRow(r);
      io.modelpress.runtime.Latency l = t.measurements().map(io.modelpress.sweep.Measurements::latency).orElse(null);
      io.modelpress.runtime.Latency.Confirmed c = l == null ? null : recorded.containsKey(t.trial().trialId())
          ? recorded.get(t.trial().trialId()) : k == r ? null : ResultSchemas.confirmed(k, l.host());
      trials.add(c == null ? t : t.withLatency(l.confirmedBy(c)));
      Integer rank = k.getAs("pareto_rank");
      if (rank != null && rank == 0) {
        frontier.add(r.getAs(ResultSchemas.TRIAL_ID));
      }
      if (Boolean.TRUE.equals(k.getAs("knee"))) {
        knee = r.getAs(ResultSchemas.TRIAL_ID);
      }
    }
    trials.sort(Comparator.comparingInt(t -> t.trial().index()));
    return new Ranked(trials, frontier, knee);
  }

  /** The frontier trial ids of {@code runId} as its frontier table holds them. */
  public Set<String> frontier(String runId) {
    Set<String> ids = new HashSet<>();
    for (Row r : partition(ResultTables.FRONTIER, runId, ResultSchemas.TRIALS)) {
      ids.add(r.getAs(ResultSchemas.TRIAL_ID));
    }
    return ids;
  }

  /** The device_estimates rows of {@code runId}, by device then trial id. */
  public List<RunReport.DeviceRow> deviceEstimates(String runId) {
    List<RunReport.DeviceRow> devices = new ArrayList<>();
    for (Row r : partition(ResultTables.DEVICE_ESTIMATES, runId, ResultSchemas.DEVICE_ESTIMATES)) {
      devices.add(new RunReport.DeviceRow(r.getAs("device"), r.getAs(ResultSchemas.TRIAL_ID),
          r.<Double>getAs("est_latency_ms"), r.<Boolean>getAs("fits"), r.<Boolean>getAs("on_device_frontier"),
          r.<Double>getAs(ResultSchemas.ACCURACY), r.<Long>getAs("encoded_bytes")));
    }
    devices.sort(Comparator.comparing(RunReport.DeviceRow::device).thenComparing(RunReport.DeviceRow::trialId));
    return devices;
  }

  /** The sensitivity_summary rows of {@code runId} (none for a sweep run). */
  public List<Sensitivity.Summary> sensitivitySummary(String runId) {
    List<Sensitivity.Summary> rows = new ArrayList<>();
    for (Row r : partition(ResultTables.SENSITIVITY_SUMMARY, runId, ResultSchemas.SENSITIVITY_SUMMARY)) {
      rows.add(ResultSchemas.summary(r));
    }
    return rows;
  }

  /** A nightly run's diff against the previous night as written, or null (not a nightly run, or a first night). */
  public NightlyDiff.Result nightlyDiff(String runId) {
    Path p = partitionPath(ResultTables.NIGHTLY_DIFF, runId);
    if (!exists(p)) {
      return null;
    }
    return ResultSchemas.nightlyDiff(runId, spark.read().schema(ResultSchemas.NIGHTLY_DIFF)
        .option("basePath", new Path(out, ResultTables.NIGHTLY_DIFF).toString()).parquet(p.toString()).collectAsList());
  }

  /** The previous run of {@code run}'s config name: the latest that started before it, with its frontier. */
  public RunReport.Previous previous(RunInfo run) {
    RunInfo prev = runs().stream()
        .filter(r -> r.name().equals(run.name()) && !r.runId().equals(run.runId())
            && r.startedAt().isBefore(run.startedAt()))
        .max(Comparator.comparing(RunInfo::startedAt).thenComparing(RunInfo::runId)).orElse(null);
    return prev == null ? null : new RunReport.Previous(prev, frontier(prev.runId()));
  }

  /** A finished sweep run's report data, read from its tables. */
  public RunReport runReport(String runId) {
    RunInfo run = run(runId).orElseThrow(() -> new IllegalArgumentException("run '" + runId + "' has no row in "
        + out + "/runs"));
    Ranked ranked = ranked(runId);
    if (ranked.trials().isEmpty()) {
      throw new IllegalArgumentException("run '" + runId + "' has no rows in " + out + "/trials (a sensitivity run?); "
          + "reports are written for sweep runs");
    }
    return new RunReport(run, ranked.trials(), ranked.frontier(), ranked.knee(), deviceEstimates(runId), previous(run),
        nightlyDiff(runId));
  }

  /** A finished sensitivity run's report data: its runs row and its summaries. */
  public SensitivityReport sensitivityReport(String runId) {
    RunInfo run = run(runId).orElseThrow(() -> new IllegalArgumentException("run '" + runId + "' has no row in "
        + out + "/runs"));
    return new SensitivityReport(run, sensitivitySummary(runId));
  }

  /**
   * The successful results of trials {@code ids} in finished runs other than {@code runId} with the same
   * run fingerprint (the same config but for its name and output, and the same code by content: a trial id
   * alone covers the trial spec, model and test data, not the root seed, the training split, the latency
   * settings or a code fix), each from the latest such run (by {@code started_at}); each result names the
   * run that measured it ({@link TrialResult#measuredIn}).
   */
  public Map<String, TrialResult> earlierResults(String runId, Set<String> ids, String fingerprint) {
    Path trials = new Path(out, ResultTables.TRIALS);
    Path runsPath = new Path(out, ResultTables.RUNS);
    if (ids.isEmpty() || !exists(trials) || !exists(runsPath)) {
      return Map.of();
    }
    Map<String, Instant> finished = new HashMap<>();
    for (Row r : spark.read().schema(ResultSchemas.RUNS).parquet(runsPath.toString())
        .where(functions.col(ResultSchemas.RUN_FINGERPRINT).equalTo(fingerprint)).collectAsList()) {
      finished.put(r.getAs(ResultSchemas.RUN_ID), ResultSchemas.runInfo(r).startedAt());
    }
    finished.remove(runId);
    Map<String, TrialResult> best = new HashMap<>();
    Map<String, Instant> when = new HashMap<>();
    for (Row r : spark.read().schema(ResultSchemas.TRIALS).parquet(trials.toString())
        .where(functions.col(ResultSchemas.STATUS).equalTo(TrialResult.OK)
            .and(functions.col(ResultSchemas.TRIAL_ID).isin(ids.toArray())))
        .collectAsList()) {
      String run = r.getAs(ResultSchemas.RUN_ID);
      Instant t = finished.get(run);
      String id = r.getAs(ResultSchemas.TRIAL_ID);
      if (t != null && (!when.containsKey(id) || t.isAfter(when.get(id)))) {
        TrialResult tr = ResultSchemas.fromRow(r);
        best.put(id, tr.reusedAs(tr.trial(), run));
        when.put(id, t);
      }
    }
    return best;
  }

  /**
   * What an allocation needs of a sensitivity run: its model and its single-layer curves (mean drop per
   * level, per layer and method). Refuses a root without a sensitivity_summary table, or without the run.
   */
  public SpecResolver.SensitivityRun sensitivityRun(String runId) {
    if (!exists(new Path(out, ResultTables.SENSITIVITY_SUMMARY))) {
      throw new IllegalArgumentException("'allocate.sensitivity.results' is " + out + " but it has no "
          + "sensitivity_summary table; run modelpress sensitivity with --out " + out + " first");
    }
    RunInfo run = run(runId).orElseThrow(() -> new IllegalArgumentException("'allocate.sensitivity.run-id' is "
        + runId + " but " + out + "/runs has no such run"));
    Map<String, NavigableMap<Double, Double>> curves = new TreeMap<>();
    for (Sensitivity.Summary s : sensitivitySummary(runId)) {
      if (s.cell().kind().equals("single")) {
        curves.computeIfAbsent(s.cell().layer() + "\u0000" + s.cell().method(), k -> new TreeMap<>())
            .put(s.cell().level(), s.meanDrop());
      }
    }
    List<Allocator.Curve> list = new ArrayList<>();
    curves.forEach((k, v) -> list.add(new Allocator.Curve(k.split("\u0000")[0], k.split("\u0000")[1], v)));
    return new SpecResolver.SensitivityRun(run.inputs().modelFingerprint(), list);
  }

  /** The rows of one run's partition of a table (none when the table or the partition does not exist). */
  private List<Row> partition(String table, String runId, StructType schema) {
    Path p = partitionPath(table, runId);
    if (!exists(p)) {
      return List.of();
    }
    return spark.read().schema(schema).option("basePath", new Path(out, table).toString()).parquet(p.toString())
        .where(functions.col(ResultSchemas.RUN_ID).equalTo(runId)).collectAsList();
  }

  private Path partitionPath(String table, String runId) {
    return new Path(new Path(out, table), ResultSchemas.RUN_ID + "=" + runId);
  }

  private boolean exists(Path p) {
    try {
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + ResultTables.show(p) + ": " + StorageErrors.explain(e), e);
    }
  }
}
