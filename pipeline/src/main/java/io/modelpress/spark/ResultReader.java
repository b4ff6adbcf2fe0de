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
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
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

  /** Whether {@code runId} finished: it has its runs row (written last). */
  public boolean finished(String runId) {
    return exists(partitionPath(ResultTables.RUNS, runId));
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
      byId.putIfAbsent(r.getAs(ResultSchemas.TRIAL_ID), r); // a batch committed twice by a dying attempt counts once
    }
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
   * The successful results of trials {@code ids} in finished runs other than {@code runId} that ran the same
   * resolved config with the same code (its {@code config_json} and {@code code_version}: a trial id covers
   * the trial spec, model and test data, not the root seed, the training split, the latency settings or a
   * code fix), each from the latest such run (by {@code started_at}); each result names the run that
   * measured it ({@link TrialResult#measuredIn}).
   */
  public Map<String, TrialResult> earlierResults(String runId, Set<String> ids, String configJson, String codeVersion) {
    Path trials = new Path(out, ResultTables.TRIALS);
    if (ids.isEmpty() || !exists(trials)) {
      return Map.of();
    }
    Map<String, Instant> finished = new HashMap<>();
    for (RunInfo r : runs()) {
      if (configJson.equals(r.inputs().configJson()) && codeVersion.equals(r.provenance().codeVersion())) {
        finished.put(r.runId(), r.startedAt());
      }
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
