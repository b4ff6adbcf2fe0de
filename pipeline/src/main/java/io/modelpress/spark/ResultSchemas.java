package io.modelpress.spark;

import io.modelpress.plan.PlannedTrial;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The schemas of the results tables, defined once. {@code trials} and {@code frontier} share one schema
 * (the frontier holds the rank-0 trials); {@code runs} has one row of provenance per run. Every table is
 * partitioned by {@code run_id}. Column meanings are documented in docs/tables.md.
 *
 * <p>Kept as one file (about 590 lines) on purpose: each table's schema sits beside its row mapping in both
 * directions (trialRow/fromRow, runRow/runInfo, ...), so a column is added, and its position checked, in one
 * place; splitting by table would put the shared helpers and the TRIALS/frontier pairing in a third file.
 */
public final class ResultSchemas {

  private ResultSchemas() {}

  public static final String RUN_ID = "run_id";
  public static final String TRIAL_ID = "trial_id";
  public static final String RUN_FINGERPRINT = "run_fingerprint";
  public static final String ACCURACY = "accuracy";
  public static final String STATUS = "status";

  /** One element of {@code layer_workloads} ({@link io.modelpress.measure.LayerWorkload}). */
  public static final StructType WORKLOAD = new StructType(new StructField[] {
      f("layer", DataTypes.StringType, true),
      f("macs", DataTypes.LongType, true),
      f("executed_macs", DataTypes.LongType, true),
      f("sparse", DataTypes.BooleanType, true),
      f("value_bits", DataTypes.IntegerType, true),
      f("weight_bytes", DataTypes.LongType, true),
      // null in rows written before it existed: read back as what those rows assumed (see LayerWorkload)
      f("arithmetic", DataTypes.StringType, true),
  });

  public static final StructType TRIALS = new StructType(new StructField[] {
      f(RUN_ID, DataTypes.StringType, false),
      f(TRIAL_ID, DataTypes.StringType, false),
      f("trial_index", DataTypes.IntegerType, false),
      f("block", DataTypes.StringType, false),
      f("seed", DataTypes.LongType, false),
      f("method", DataTypes.StringType, false),
      f("spec_json", DataTypes.StringType, false),
      f("prune_method", DataTypes.StringType, true),
      f("prune_structure", DataTypes.StringType, true),
      f("prune_scope", DataTypes.StringType, true),
      f("prune_sparsity", DataTypes.DoubleType, true),
      f("prune_threshold", DataTypes.DoubleType, true),
      f("prune_layers", DataTypes.StringType, true),
      f("finetune_schedule", DataTypes.StringType, true),
      f("finetune_epochs", DataTypes.IntegerType, true),
      f("quant_method", DataTypes.StringType, true),
      f("quant_bits", DataTypes.IntegerType, true),
      f("quant_scheme", DataTypes.StringType, true),
      f("quant_granularity", DataTypes.StringType, true),
      f("quant_layers", DataTypes.StringType, true),
      f("quant_clip_percentile", DataTypes.DoubleType, true),
      f("quant_train_epochs", DataTypes.IntegerType, true),
      f(STATUS, DataTypes.StringType, false),
      f("error_class", DataTypes.StringType, true),
      f("error_message", DataTypes.StringType, true),
      f(ACCURACY, DataTypes.DoubleType, true),
      f("accuracy_drop", DataTypes.DoubleType, true),
      f("macro_precision", DataTypes.DoubleType, true),
      f("macro_recall", DataTypes.DoubleType, true),
      f("macro_f1", DataTypes.DoubleType, true),
      f("examples", DataTypes.LongType, true),
      f("params", DataTypes.LongType, true),
      f("nonzero_params", DataTypes.LongType, true),
      f("sparsity", DataTypes.DoubleType, true),
      f("pruned_sparsity", DataTypes.DoubleType, true),
      f("dense_bytes", DataTypes.LongType, true),
      f("encoded_bytes", DataTypes.LongType, true),
      f("compression_ratio", DataTypes.DoubleType, true),
      f("macs", DataTypes.LongType, true),
      f("effective_macs", DataTypes.LongType, true),
      f("energy_estimate_uj", DataTypes.DoubleType, true),
      f("compress_ms", DataTypes.DoubleType, true),
      f("eval_ms", DataTypes.DoubleType, true),
      f("encode_ms", DataTypes.DoubleType, true),
      f("pareto_rank", DataTypes.IntegerType, true),
      f("executor", DataTypes.StringType, false),
      f("knee", DataTypes.BooleanType, true),
      f("frontier_projections", DataTypes.StringType, true),
      f("layer_workloads", DataTypes.createArrayType(WORKLOAD, true), true),
      f("runtime_kinds", DataTypes.StringType, true),
      f("latency_b1_p50_ms", DataTypes.DoubleType, true),
      f("latency_b1_p95_ms", DataTypes.DoubleType, true),
      f("latency_b1_iqr_ms", DataTypes.DoubleType, true),
      f("latency_b1_runs", DataTypes.IntegerType, true),
      f("latency_b32_p50_ms", DataTypes.DoubleType, true),
      f("latency_b32_p95_ms", DataTypes.DoubleType, true),
      f("latency_b32_iqr_ms", DataTypes.DoubleType, true),
      f("latency_b32_runs", DataTypes.IntegerType, true),
      f("latency_attempts", DataTypes.IntegerType, true),
      f("latency_noisy", DataTypes.BooleanType, true),
      f("latency_host", DataTypes.StringType, true),
      f("latency_error", DataTypes.StringType, true),
      // the figure the frontier compared when the trial was a frontier candidate: re-measured together with
      // the other candidates in interleaved rounds on one executor (null otherwise; stored in trial_ranks)
      f("latency_confirmed_b1_p50_ms", DataTypes.DoubleType, true),
      f("latency_confirmed_b1_p95_ms", DataTypes.DoubleType, true),
      f("latency_confirmed_b1_iqr_ms", DataTypes.DoubleType, true),
      f("latency_confirmed_b32_p50_ms", DataTypes.DoubleType, true),
      f("latency_confirmed_b32_p95_ms", DataTypes.DoubleType, true),
      f("latency_confirmed_b32_iqr_ms", DataTypes.DoubleType, true),
      f("latency_confirmed_rounds", DataTypes.IntegerType, true),
      // the trial's ONNX form timed in ONNX Runtime (latency.engine onnxruntime or both; null otherwise)
      f("onnx_bytes", DataTypes.LongType, true),
      f("ort_latency_b1_p50_ms", DataTypes.DoubleType, true),
      f("ort_latency_b1_p95_ms", DataTypes.DoubleType, true),
      f("ort_latency_b32_p50_ms", DataTypes.DoubleType, true),
      f("ort_latency_b32_p95_ms", DataTypes.DoubleType, true),
      f("ort_latency_error", DataTypes.StringType, true),
      // distillation trials (null otherwise): the student, its loss and training, the teacher (the run's model)
      f("distill_student", DataTypes.StringType, true),
      f("distill_temperature", DataTypes.DoubleType, true),
      f("distill_alpha", DataTypes.DoubleType, true),
      f("distill_epochs", DataTypes.IntegerType, true),
      f("distill_seed", DataTypes.IntegerType, true),
      f("distill_parallelism", DataTypes.StringType, true),
      // the last training examples held out of the student's training, and its accuracy on them (T and α
      // are chosen on this, never on the test split)
      f("distill_validation", DataTypes.IntegerType, true),
      f("validation_accuracy", DataTypes.DoubleType, true),
      f("teacher_fingerprint", DataTypes.StringType, true),
      f("train_ms", DataTypes.DoubleType, true),
      // null: measured by this run; else the earlier run whose result for the same trial id this row reuses
      f("measured_in_run", DataTypes.StringType, true),
      // the run's fingerprint (config and code) on every row: a resume with another fingerprint is refused
      f(RUN_FINGERPRINT, DataTypes.StringType, true),
  });

  /**
   * {@code trial_ranks/}: what a run's final step derives per trial from all its trials (joined into {@code trials}):
   * the run and trial ids and the {@link ResultTables#RANK_COLUMNS} of {@link #TRIALS}, declared there once.
   */
  public static final StructType TRIAL_RANKS = new StructType(java.util.stream.Stream.concat(
      java.util.stream.Stream.of(f(RUN_ID, DataTypes.StringType, false), f(TRIAL_ID, DataTypes.StringType, false)),
      ResultTables.RANK_COLUMNS.stream().map(c -> TRIALS.fields()[TRIALS.fieldIndex(c)])).toArray(StructField[]::new));

  /** {@code device_estimates/}: one row per successful trial × device profile; every figure an estimate. */
  public static final StructType DEVICE_ESTIMATES = new StructType(new StructField[] {
      f(RUN_ID, DataTypes.StringType, false),
      f(TRIAL_ID, DataTypes.StringType, false),
      f("device", DataTypes.StringType, false),
      f("est_latency_ms", DataTypes.DoubleType, false),
      f("est_energy_uj", DataTypes.DoubleType, false),
      f("bound", DataTypes.StringType, false),
      f("weight_bytes", DataTypes.LongType, false),
      f("fits", DataTypes.BooleanType, false),
      f("on_device_frontier", DataTypes.BooleanType, false),
      f(ACCURACY, DataTypes.DoubleType, false),
      f("accuracy_drop", DataTypes.DoubleType, true),
      f("encoded_bytes", DataTypes.LongType, false),
  });

  public static final StructType RUNS = new StructType(new StructField[] {
      f(RUN_ID, DataTypes.StringType, false),
      f("name", DataTypes.StringType, false),
      f("started_at", DataTypes.TimestampType, false),
      f("finished_at", DataTypes.TimestampType, false),
      f("wall_seconds", DataTypes.DoubleType, false),
      f("trials_total", DataTypes.IntegerType, false),
      f("trials_ok", DataTypes.IntegerType, false),
      f("trials_failed", DataTypes.IntegerType, false),
      f("base_accuracy", DataTypes.DoubleType, false),
      f("objectives", DataTypes.StringType, false),
      f("config_json", DataTypes.StringType, false),
      f("model", DataTypes.StringType, false),
      f("model_fingerprint", DataTypes.StringType, false),
      f("dataset", DataTypes.StringType, false),
      f("dataset_fingerprint", DataTypes.StringType, false),
      f("master", DataTypes.StringType, false),
      f("code_version", DataTypes.StringType, false),
      f("spark_version", DataTypes.StringType, false),
      f("dl4j_version", DataTypes.StringType, false),
      f("java_version", DataTypes.StringType, false),
      f("os_arch", DataTypes.StringType, false),
      f("hypervolume", DataTypes.DoubleType, true),
      f(RUN_FINGERPRINT, DataTypes.StringType, true),
  });

  private static StructField f(String name, DataType type, boolean nullable) {
    return DataTypes.createStructField(name, type, nullable);
  }

  /** {@code sensitivity/}: one row per trial × bootstrap seed. */
  public static final StructType SENSITIVITY = new StructType(new StructField[] {
      f(RUN_ID, DataTypes.StringType, false),
      f(TRIAL_ID, DataTypes.StringType, false),
      f("trial_index", DataTypes.IntegerType, false),
      f("kind", DataTypes.StringType, false),
      f("layer", DataTypes.StringType, false),
      f("method", DataTypes.StringType, false),
      f("level", DataTypes.DoubleType, false),
      f("seed", DataTypes.IntegerType, true),
      f(STATUS, DataTypes.StringType, false),
      f("error_class", DataTypes.StringType, true),
      f("error_message", DataTypes.StringType, true),
      f(ACCURACY, DataTypes.DoubleType, true),
      f("loss", DataTypes.DoubleType, true),
      f("accuracy_drop", DataTypes.DoubleType, true),
      f("encoded_bytes", DataTypes.LongType, true),
      f("params", DataTypes.LongType, true),
  });

  /**
   * {@code soft_targets/}: the teacher's logits of every training example, one row per example, partitioned
   * by {@code teacher_fingerprint} (SHA-256 of the teacher) and {@code dataset_fingerprint} (SHA-256 of the
   * training split's IDX bytes, then {@code -n} and the examples used), so every distillation run with the
   * same teacher and split reads them instead of computing them again.
   */
  public static final StructType SOFT_TARGETS = new StructType(new StructField[] {
      f("teacher_fingerprint", DataTypes.StringType, false),
      f("dataset_fingerprint", DataTypes.StringType, false),
      f("example_index", DataTypes.IntegerType, false),
      f("label", DataTypes.IntegerType, false),
      f("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false),
  });

  /** {@code nightly_diff/}: one row per change of a nightly run against the previous night ({@link io.modelpress.report.NightlyDiff}). */
  public static final StructType NIGHTLY_DIFF = new StructType(new StructField[] {
      f(RUN_ID, DataTypes.StringType, false),
      f("previous_run_id", DataTypes.StringType, false),
      f("kind", DataTypes.StringType, false),
      f("metric", DataTypes.StringType, false),
      f("method", DataTypes.StringType, true),
      f("spec_json", DataTypes.StringType, true),
      f("trial_id", DataTypes.StringType, true),
      f("previous_trial_id", DataTypes.StringType, true),
      f("previous_value", DataTypes.DoubleType, true),
      f("current_value", DataTypes.DoubleType, true),
      f("delta", DataTypes.DoubleType, true),
      f("regression", DataTypes.BooleanType, false),
      f("detail", DataTypes.StringType, false),
  });

  /** The rows of a nightly diff (none on a first night). */
  public static List<Row> nightlyRows(io.modelpress.report.NightlyDiff.Result d) {
    List<Row> out = new ArrayList<>();
    for (io.modelpress.report.NightlyDiff.Row r : d.rows()) {
      out.add(RowFactory.create(d.runId(), d.previousRunId(), r.kind(), r.metric(), r.method(), r.specJson(), r.trialId(),
          r.previousTrialId(), nan(r.previous()), nan(r.current()), nan(r.delta()), r.regression(), r.detail()));
    }
    return out;
  }

  /** A nightly diff read back from its rows (all of one run; none: {@code previousRunId} unknown, null). */
  public static io.modelpress.report.NightlyDiff.Result nightlyDiff(String runId, List<Row> rows) {
    List<io.modelpress.report.NightlyDiff.Row> out = new ArrayList<>();
    String previous = null;
    for (Row r : rows) {
      previous = r.getAs("previous_run_id");
      out.add(new io.modelpress.report.NightlyDiff.Row(r.getAs("kind"), r.getAs("metric"), r.getAs("method"),
          r.getAs("spec_json"), r.getAs("trial_id"), r.getAs("previous_trial_id"), d(r, "previous_value"),
          d(r, "current_value"), r.<Boolean>getAs("regression"), r.getAs("detail")));
    }
    return new io.modelpress.report.NightlyDiff.Result(runId, previous, out);
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }

  /** {@code sensitivity_summary/}: one row per (layer, method, level) over its seeds, pairs included. */
  public static final StructType SENSITIVITY_SUMMARY = new StructType(new StructField[] {
      f(RUN_ID, DataTypes.StringType, false),
      f("kind", DataTypes.StringType, false),
      f("layer", DataTypes.StringType, false),
      f("method", DataTypes.StringType, false),
      f("level", DataTypes.DoubleType, false),
      f("seeds", DataTypes.IntegerType, false),
      f("mean_accuracy", DataTypes.DoubleType, false),
      f("mean_loss", DataTypes.DoubleType, false),
      f("mean_drop", DataTypes.DoubleType, false),
      f("ci95_low", DataTypes.DoubleType, false),
      f("ci95_high", DataTypes.DoubleType, false),
      f("encoded_bytes", DataTypes.LongType, false),
      f("predicted_drop", DataTypes.DoubleType, true),
      f("additivity_error", DataTypes.DoubleType, true),
  });

  /** The per-seed rows of one sensitivity outcome (one failed row when it failed). */
  public static List<Row> sensitivityRows(String runId, io.modelpress.sweep.Sensitivity.Outcome o, double[] baseAccuracy) {
    io.modelpress.sweep.Sensitivity.Cell c = io.modelpress.sweep.Sensitivity.Cell.of(o.trial());
    List<Row> rows = new ArrayList<>();
    if (!o.isOk()) {
      rows.add(RowFactory.create(runId, o.trial().trialId(), o.trial().index(), c.kind(), c.layer(), c.method(), c.level(),
          null, TrialResult.FAILED, o.errorClass(), o.errorMessage(), null, null, null, null, null));
      return rows;
    }
    for (int k = 0; k < o.accuracy().length; k++) {
      rows.add(RowFactory.create(runId, o.trial().trialId(), o.trial().index(), c.kind(), c.layer(), c.method(), c.level(),
          k, TrialResult.OK, null, null, o.accuracy()[k], o.loss()[k], baseAccuracy[k] - o.accuracy()[k],
          o.encodedBytes(), o.params()));
    }
    return rows;
  }

  public static Row summaryRow(String runId, io.modelpress.sweep.Sensitivity.Summary s) {
    return RowFactory.create(runId, s.cell().kind(), s.cell().layer(), s.cell().method(), s.cell().level(), s.seeds(),
        s.meanAccuracy(), s.meanLoss(), s.meanDrop(), s.ciLow(), s.ciHigh(), s.encodedBytes(),
        Double.isNaN(s.predictedDrop()) ? null : s.predictedDrop(),
        Double.isNaN(s.additivityError()) ? null : s.additivityError());
  }

  /** A runs row as the run's provenance record (the inverse of {@code ResultTables.runRow}). */
  public static io.modelpress.sweep.RunInfo runInfo(Row r) {
    Double hv = r.getAs("hypervolume");
    return new io.modelpress.sweep.RunInfo(r.getAs(RUN_ID), r.getAs("name"), instant(r.getAs("started_at")),
        instant(r.getAs("finished_at")), new io.modelpress.sweep.RunInfo.Trials(r.<Integer>getAs("trials_total"),
            r.<Integer>getAs("trials_ok"), r.<Integer>getAs("trials_failed")), r.<Double>getAs("base_accuracy"),
        r.getAs("objectives"), hv == null ? Double.NaN : hv,
        new io.modelpress.sweep.RunInfo.Inputs(r.getAs("config_json"), r.getAs("model"), r.getAs("model_fingerprint"),
            r.getAs("dataset"), r.getAs("dataset_fingerprint")),
        new io.modelpress.sweep.RunInfo.Provenance(r.getAs("master"), r.getAs("code_version"), r.getAs("spark_version"),
            r.getAs("dl4j_version"), r.getAs("java_version"), r.getAs("os_arch")));
  }

  private static java.time.Instant instant(Object v) {
    return v instanceof java.sql.Timestamp t ? t.toInstant() : (java.time.Instant) v;
  }

  /** A sensitivity_summary row as its summary (the inverse of {@link #summaryRow}). */
  public static io.modelpress.sweep.Sensitivity.Summary summary(Row r) {
    Double predicted = r.getAs("predicted_drop");
    Double error = r.getAs("additivity_error");
    return new io.modelpress.sweep.Sensitivity.Summary(new io.modelpress.sweep.Sensitivity.Cell(r.getAs("kind"),
        r.getAs("layer"), r.getAs("method"), r.<Double>getAs("level")), r.<Integer>getAs("seeds"),
        r.<Double>getAs("mean_accuracy"), r.<Double>getAs("mean_loss"), r.<Double>getAs("mean_drop"),
        r.<Double>getAs("ci95_low"), r.<Double>getAs("ci95_high"), r.<Long>getAs("encoded_bytes"),
        predicted == null ? Double.NaN : predicted, error == null ? Double.NaN : error);
  }

  /** A trials row read back into the result it was written from (for resume). */
  public static TrialResult fromRow(Row row) {
    PlannedTrial t = new PlannedTrial(row.getAs("trial_id"), row.<Integer>getAs("trial_index"), row.getAs("block"),
        row.<Long>getAs("seed"), io.modelpress.spec.TrialSpecs.fromCanonicalJson(row.getAs("spec_json")));
    String status = row.getAs(STATUS);
    Measurements m = null;
    if (TrialResult.OK.equals(status)) {
      m = new Measurements(new Measurements.Quality(d(row, "accuracy"), d(row, "accuracy_drop"), d(row, "macro_precision"), d(row, "macro_recall"), d(row, "macro_f1"), row.<Long>getAs("examples"), d(row, "validation_accuracy"), validationExamples(row)), new Measurements.Size(row.<Long>getAs("params"), row.<Long>getAs("nonzero_params"), d(row, "sparsity"), d(row, "pruned_sparsity"), row.<Long>getAs("dense_bytes"), row.<Long>getAs("encoded_bytes"), d(row, "compression_ratio"), row.<Long>getAs("macs"), row.<Long>getAs("effective_macs")), d(row, "energy_estimate_uj"), new Measurements.Timings(d(row, "compress_ms"), d(row, "eval_ms"), d(row, "encode_ms"), d(row, "train_ms")), workloads(row), latency(row));
    }
    return TrialResult.restored(t, status, row.getAs("error_class"), row.getAs("error_message"), m,
        row.getAs("executor"), row.getAs("measured_in_run"));
  }

  /** The layer workloads of a row (empty for rows of older versions, which had none). */
  static List<io.modelpress.measure.LayerWorkload> workloads(Row row) {
    List<io.modelpress.measure.LayerWorkload> out = new ArrayList<>();
    Object v = row.getAs("layer_workloads");
    if (v == null) {
      return out;
    }
    for (Row w : row.<Row>getList(row.fieldIndex("layer_workloads"))) {
      int bits = w.<Integer>getAs("value_bits");
      String arithmetic = w.getAs("arithmetic");
      out.add(new io.modelpress.measure.LayerWorkload(w.getAs("layer"), w.<Long>getAs("macs"),
          w.<Long>getAs("executed_macs"), w.<Boolean>getAs("sparse"), bits, w.<Long>getAs("weight_bytes"),
          arithmetic == null ? io.modelpress.measure.LayerWorkload.Arithmetic.assumedBefore(bits)
              : io.modelpress.measure.LayerWorkload.Arithmetic.byId(arithmetic)));
    }
    return out;
  }

  /** The latency of a row, or null when none was measured. */
  private static io.modelpress.runtime.Latency latency(Row row) {
    String host = row.getAs("latency_host");
    if (host == null) {
      return null;
    }
    if (row.getAs("latency_error") != null) {
      return io.modelpress.runtime.Latency.failed(host, row.getAs("latency_error")).withOrt(ort(row));
    }
    return new io.modelpress.runtime.Latency(row.getAs("runtime_kinds"),
        new io.modelpress.runtime.Latency.Stats(d(row, "latency_b1_p50_ms"), d(row, "latency_b1_p95_ms"),
            d(row, "latency_b1_iqr_ms"), row.<Integer>getAs("latency_b1_runs")),
        new io.modelpress.runtime.Latency.Stats(d(row, "latency_b32_p50_ms"), d(row, "latency_b32_p95_ms"),
            d(row, "latency_b32_iqr_ms"), row.<Integer>getAs("latency_b32_runs")),
        row.<Integer>getAs("latency_attempts"), row.<Boolean>getAs("latency_noisy"), host, null, confirmed(row, host),
        ort(row));
  }

  /** The ort_latency_* columns of a row; null when ONNX Runtime did not time it (or the table predates them). */
  private static io.modelpress.runtime.Latency.Ort ort(Row row) {
    if (row.schema().getFieldIndex("ort_latency_error").isEmpty()) {
      return null;
    }
    if (row.getAs("ort_latency_error") != null) {
      return io.modelpress.runtime.Latency.Ort.failed(row.getAs("ort_latency_error"));
    }
    Long bytes = row.getAs("onnx_bytes");
    if (bytes == null) {
      return null;
    }
    return new io.modelpress.runtime.Latency.Ort(
        new io.modelpress.runtime.Latency.Stats(d(row, "ort_latency_b1_p50_ms"), d(row, "ort_latency_b1_p95_ms"), 0, 0),
        new io.modelpress.runtime.Latency.Stats(d(row, "ort_latency_b32_p50_ms"), d(row, "ort_latency_b32_p95_ms"), 0, 0),
        bytes, null);
  }

  /** The latency_confirmed_* columns of a trials or trial_ranks row; null when the trial was not re-measured. */
  static io.modelpress.runtime.Latency.Confirmed confirmed(Row row, String host) {
    Integer rounds = row.getAs("latency_confirmed_rounds");
    if (rounds == null) {
      return null;
    }
    return new io.modelpress.runtime.Latency.Confirmed(
        new io.modelpress.runtime.Latency.Stats(d(row, "latency_confirmed_b1_p50_ms"), d(row, "latency_confirmed_b1_p95_ms"),
            d(row, "latency_confirmed_b1_iqr_ms"), rounds),
        new io.modelpress.runtime.Latency.Stats(d(row, "latency_confirmed_b32_p50_ms"),
            d(row, "latency_confirmed_b32_p95_ms"), d(row, "latency_confirmed_b32_iqr_ms"), rounds),
        rounds, host);
  }

  /** One device_estimates row. */
  public static Row deviceRow(String runId, io.modelpress.sweep.DeviceEstimates.Row e) {
    Measurements m = e.result().measurements().orElseThrow();
    var x = e.estimate();
    return RowFactory.create(runId, e.result().trial().trialId(), x.device(), x.latencyMs(), x.energyUj(), x.bound(),
        x.weightBytes(), x.fits(), e.onFrontier(), m.accuracy(), Double.isNaN(m.accuracyDrop()) ? null : m.accuracyDrop(),
        m.encodedBytes());
  }

  /** The examples {@code validation_accuracy} is over (0 when the row has none, or predates the column). */
  private static long validationExamples(Row row) {
    Object v = row.getAs("distill_validation");
    return v == null || row.getAs("validation_accuracy") == null ? 0 : ((Integer) v).longValue();
  }

  /** The latency_confirmed_* values of a trial (nulls when it was not re-measured), in column order. */
  static List<Object> confirmed(io.modelpress.runtime.Latency l) {
    io.modelpress.runtime.Latency.Confirmed c = l == null ? null : l.confirmed();
    if (c == null) {
      return java.util.Arrays.asList(null, null, null, null, null, null, null);
    }
    return List.of(c.batch1().p50Ms(), c.batch1().p95Ms(), c.batch1().iqrMs(), c.batch32().p50Ms(),
        c.batch32().p95Ms(), c.batch32().iqrMs(), c.rounds());
  }

  /** A nullable double column: null reads as NaN (the value it was written from). */
  private static double d(Row row, String column) {
    Object v = row.getAs(column);
    return v == null ? Double.NaN : (Double) v;
  }

  /** One trials row; {@code rank} is null for failed trials. */
  public static Row trialRow(String runId, TrialResult r, Integer rank) {
    return trialRow(runId, r, rank, null, null);
  }

  public static Row trialRow(String runId, TrialResult r, Integer rank, Boolean knee) {
    return trialRow(runId, r, rank, knee, null);
  }

  /** One trials row; {@code knee} is whether it is the frontier's knee point (null while a run is going). */
  public static Row trialRow(String runId, TrialResult r, Integer rank, Boolean knee, String projections) {
    return trialRow(runId, r, rank, knee, projections, null);
  }

  /** As above; {@code modelFingerprint} (the run's model) is the teacher of distillation trials. */
  public static Row trialRow(String runId, TrialResult r, Integer rank, Boolean knee, String projections,
      String modelFingerprint) {
    PlannedTrial t = r.trial();
    List<Object> v = new ArrayList<>();
    v.add(runId);
    v.add(t.trialId());
    v.add(t.index());
    v.add(t.block());
    v.add(t.seed());
    v.add(t.spec().method());
    v.add(t.spec().canonicalJson());
    PruneSpec p = t.spec().prune().orElse(null);
    v.add(p == null ? null : p.criterion().id());
    v.add(p == null ? null : p.structure().id());
    v.add(p == null ? null : p.perLayerLevels() ? "per-layer" : p.scope().id());
    v.add(p == null || p.scope() == PruneSpec.Scope.THRESHOLD || p.perLayerLevels() ? null : p.level());
    v.add(p == null || p.scope() != PruneSpec.Scope.THRESHOLD ? null : p.level());
    v.add(p == null ? null : p.perLayerLevels() ? p.layerLevels().toString() : p.layers().label());
    QuantSpec q = t.spec().quant().orElse(null);
    FineTuneSpec ft = t.spec().fineTune().orElse(null);
    v.add(ft == null ? null : ft.schedule().id());
    v.add(ft == null ? null : ft.epochs());
    boolean uniform = q != null && q.isInteger() && q.algorithm() == QuantSpec.Algorithm.UNIFORM;
    v.add(q == null ? null : q.method());
    v.add(q == null || !q.layerBits().isEmpty() ? null : q.bits());
    v.add(uniform ? q.scheme().id() : null);
    v.add(uniform ? q.granularity().id() : null);
    v.add(q == null ? null : !q.layerBits().isEmpty() ? q.layerBits().toString() : q.layers().label());
    v.add(uniform ? q.clipPercentile() : null);
    v.add(q == null || !q.trains() ? null : q.trainEpochs());
    v.add(r.status());
    v.add(r.isOk() ? null : r.errorClass());
    v.add(r.isOk() ? null : r.errorMessage());
    Measurements m = r.measurements().orElse(null);
    if (m == null) {
      for (int i = 0; i < 19; i++) {
        v.add(null);
      }
    } else {
      v.add(m.accuracy());
      v.add(Double.isNaN(m.accuracyDrop()) ? null : m.accuracyDrop());
      v.add(m.quality().macroPrecision());
      v.add(m.quality().macroRecall());
      v.add(m.quality().macroF1());
      v.add(m.quality().examples());
      v.add(m.size().params());
      v.add(m.size().nonzeroParams());
      v.add(m.size().sparsity());
      v.add(Double.isNaN(m.size().prunedSparsity()) ? null : m.size().prunedSparsity());
      v.add(m.size().denseBytes());
      v.add(m.encodedBytes());
      v.add(m.size().compressionRatio());
      v.add(m.size().macs());
      v.add(m.size().effectiveMacs());
      v.add(m.energyEstimateUj());
      v.add(m.timings().compressMs());
      v.add(m.timings().evalMs());
      v.add(m.timings().encodeMs());
    }
    v.add(rank);
    v.add(r.executor());
    v.add(knee);
    v.add(projections);
    if (m == null || m.workloads() == null) {
      v.add(null);
    } else {
      v.add(m.workloads().stream().map(w -> RowFactory.create(w.layer(), w.macs(), w.executedMacs(), w.sparse(),
          w.valueBits(), w.weightBytes(), w.arithmetic().id())).toList());
    }
    io.modelpress.runtime.Latency l = m == null ? null : m.latency();
    boolean ok = l != null && l.isOk();
    v.add(ok ? l.kinds() : null);
    for (io.modelpress.runtime.Latency.Stats s : new io.modelpress.runtime.Latency.Stats[] {
        ok ? l.batch1() : null, ok ? l.batch32() : null}) {
      v.add(s == null ? null : s.p50Ms());
      v.add(s == null ? null : s.p95Ms());
      v.add(s == null ? null : s.iqrMs());
      v.add(s == null ? null : s.runs());
    }
    v.add(ok ? l.attempts() : null);
    v.add(ok ? l.noisy() : null);
    v.add(l == null ? null : l.host());
    v.add(l == null ? null : l.error());
    v.addAll(confirmed(l));
    io.modelpress.runtime.Latency.Ort o = l == null ? null : l.ort();
    boolean ortOk = o != null && o.isOk();
    v.add(ortOk ? o.onnxBytes() : null);
    v.add(ortOk ? o.batch1().p50Ms() : null);
    v.add(ortOk ? o.batch1().p95Ms() : null);
    v.add(ortOk ? o.batch32().p50Ms() : null);
    v.add(ortOk ? o.batch32().p95Ms() : null);
    v.add(o == null ? null : o.error());
    io.modelpress.spec.DistillSpec ds = t.spec().distill().orElse(null);
    v.add(ds == null ? null : ds.student());
    v.add(ds == null || ds.baseline() ? null : ds.temperature());
    v.add(ds == null ? null : ds.alpha());
    v.add(ds == null ? null : ds.epochs());
    v.add(ds == null ? null : ds.seed());
    v.add(ds == null ? null : ds.parallelism().id());
    v.add(ds == null || ds.validation() == 0 ? null : ds.validation());
    v.add(m == null || Double.isNaN(m.quality().validationAccuracy()) ? null : m.quality().validationAccuracy());
    v.add(ds == null ? null : modelFingerprint);
    v.add(m == null || Double.isNaN(m.timings().trainMs()) ? null : m.timings().trainMs());
    v.add(r.measuredIn());
    v.add(null); // run_fingerprint: set by the writer
    if (v.size() != TRIALS.size()) {
      throw new IllegalStateException("trials row has " + v.size() + " values for " + TRIALS.size() + " columns");
    }
    return RowFactory.create(v.toArray());
  }
}
