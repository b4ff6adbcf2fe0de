package io.modelpress.sweep;

import io.modelpress.runtime.Latency;
import io.modelpress.plan.PlannedTrial;
import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one trial: measurements when it succeeded, the error's class and message when it
 * failed. Every planned trial produces exactly one result. (A class rather than a record so the
 * optional measurements can cross Spark's Java serialization.)
 */
public final class TrialResult implements Serializable {

  public static final String OK = "ok";
  public static final String FAILED = "failed";

  private final PlannedTrial trial;
  private final String status;
  private final String errorClass;
  private final String errorMessage;
  private final Measurements measurements; // null when failed
  private final String executor;
  private final String measuredIn; // null: measured by the run that holds the row; else the earlier run it is from

  private TrialResult(PlannedTrial trial, String status, String errorClass, String errorMessage,
      Measurements measurements, String executor) {
    this(trial, status, errorClass, errorMessage, measurements, executor, null);
  }

  private TrialResult(PlannedTrial trial, String status, String errorClass, String errorMessage,
      Measurements measurements, String executor, String measuredIn) {
    this.trial = Objects.requireNonNull(trial, "trial");
    this.status = Objects.requireNonNull(status, "status");
    this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
    this.errorMessage = Objects.requireNonNull(errorMessage, "errorMessage");
    this.measurements = measurements;
    this.executor = Objects.requireNonNull(executor, "executor");
    this.measuredIn = measuredIn;
  }

  public static TrialResult ok(PlannedTrial t, Measurements m, String executor) {
    return new TrialResult(t, OK, "", "", Objects.requireNonNull(m, "measurements"), executor);
  }

  /** A result read back from a results table (resume). */
  public static TrialResult restored(PlannedTrial t, String status, String errorClass, String errorMessage,
      Measurements m, String executor) {
    return restored(t, status, errorClass, errorMessage, m, executor, null);
  }

  /** As above; {@code measuredIn} is the earlier run whose measurement the row reuses (null: its own). */
  public static TrialResult restored(PlannedTrial t, String status, String errorClass, String errorMessage,
      Measurements m, String executor, String measuredIn) {
    if (OK.equals(status) != (m != null)) {
      throw new IllegalArgumentException("trial " + t.trialId() + " has status " + status
          + (m == null ? " but no measurements" : " but measurements"));
    }
    return new TrialResult(t, status, errorClass == null ? "" : errorClass, errorMessage == null ? "" : errorMessage, m,
        executor, measuredIn);
  }

  public static TrialResult failed(PlannedTrial t, Throwable e, String executor) {
    String msg = e.getMessage() == null ? "" : e.getMessage();
    return new TrialResult(t, FAILED, e.getClass().getName(), msg, null, executor);
  }

  /**
   * The results with {@code accuracy_drop} filled in from the base trial (the one without steps) of the
   * same list: the base model is evaluated once, as a trial like any other. If the base trial failed,
   * drops stay NaN.
   */
  public static java.util.List<TrialResult> withAccuracyDrops(java.util.List<TrialResult> results) {
    double base = results.stream()
        .filter(r -> r.trial.spec().steps().isEmpty() && r.isOk())
        .mapToDouble(r -> r.measurements.accuracy()).findFirst().orElse(Double.NaN);
    return results.stream()
        .map(r -> r.isOk() ? new TrialResult(r.trial, r.status, r.errorClass, r.errorMessage,
            r.measurements.withBaseAccuracy(base), r.executor, r.measuredIn) : r)
        .toList();
  }

  /** This result with {@code accuracy_drop} = {@code baseAccuracy − accuracy} (failed results as they are). */
  public TrialResult withAccuracyDrop(double baseAccuracy) {
    return isOk() ? new TrialResult(trial, status, errorClass, errorMessage, measurements.withBaseAccuracy(baseAccuracy),
        executor, measuredIn) : this;
  }

  /** A successful result with its quality measured on the whole test split in shards (failed ones as they are). */
  public TrialResult withMetrics(io.modelpress.measure.ClassificationMetrics m) {
    return isOk() ? new TrialResult(trial, status, errorClass, errorMessage, measurements.withMetrics(m), executor,
        measuredIn) : this;
  }

  /** A successful result with its measured latency added (failed results are returned as they are). */
  public TrialResult withLatency(Latency l) {
    return isOk() ? new TrialResult(trial, status, errorClass, errorMessage, measurements.withLatency(l), executor,
        measuredIn) : this;
  }

  /**
   * This result as a row of another run that plans the same trial ({@code trial}: same id, that run's
   * index and block), measured by run {@code runId} (this result's own earlier run unless it was
   * itself reused).
   */
  public TrialResult reusedAs(PlannedTrial trial, String runId) {
    if (!trial.trialId().equals(this.trial.trialId())) {
      throw new IllegalArgumentException("trial " + trial.trialId() + " cannot reuse the result of " + this.trial.trialId());
    }
    return new TrialResult(trial, status, errorClass, errorMessage, measurements, executor,
        measuredIn != null ? measuredIn : Objects.requireNonNull(runId, "runId"));
  }

  /** The earlier run whose measurement this row reuses, or null when its own run measured it. */
  public String measuredIn() {
    return measuredIn;
  }

  /** Accuracy of the base trial (NaN if it failed or is absent). */
  public static double baseAccuracy(java.util.List<TrialResult> results) {
    return results.stream().filter(r -> r.trial.spec().steps().isEmpty() && r.isOk())
        .mapToDouble(r -> r.measurements.accuracy()).findFirst().orElse(Double.NaN);
  }

  public PlannedTrial trial() {
    return trial;
  }

  public String status() {
    return status;
  }

  public String errorClass() {
    return errorClass;
  }

  public String errorMessage() {
    return errorMessage;
  }

  public Optional<Measurements> measurements() {
    return Optional.ofNullable(measurements);
  }

  public String executor() {
    return executor;
  }

  public boolean isOk() {
    return measurements != null;
  }

  @Override
  public String toString() {
    return "TrialResult[" + trial.trialId() + " " + status + (isOk() ? " " + measurements : " " + errorClass + ": "
        + errorMessage) + "]";
  }
}
