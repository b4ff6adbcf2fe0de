package io.modelpress.sweep;

import java.io.Serializable;

/**
 * What one successful trial measured. Fractions are in [0, 1]; bytes are real byte counts; {@code sparsity}
 * is the fraction of zero weights over all weighted layers; times are wall milliseconds on the executor.
 * {@code workloads} is what device estimates are computed from; {@code latency} is null until the
 * latency stage measured it (or when it is off).
 */
public record Measurements(
    double accuracy,
    double accuracyDrop,
    double macroPrecision,
    double macroRecall,
    double macroF1,
    long examples,
    long params,
    long nonzeroParams,
    double sparsity,
    double prunedSparsity,
    long denseBytes,
    long encodedBytes,
    double compressionRatio,
    long macs,
    long effectiveMacs,
    double energyEstimateUj,
    double compressMs,
    double evalMs,
    double encodeMs,
    java.util.List<io.modelpress.measure.LayerWorkload> workloads,
    Latency latency,
    double trainMs) implements Serializable {

  /** Measurements of a trial that trains no student ({@code trainMs} NaN). */
  public Measurements(double accuracy, double accuracyDrop, double macroPrecision, double macroRecall, double macroF1,
      long examples, long params, long nonzeroParams, double sparsity, double prunedSparsity, long denseBytes,
      long encodedBytes, double compressionRatio, long macs, long effectiveMacs, double energyEstimateUj,
      double compressMs, double evalMs, double encodeMs, java.util.List<io.modelpress.measure.LayerWorkload> workloads,
      Latency latency) {
    this(accuracy, accuracyDrop, macroPrecision, macroRecall, macroF1, examples, params, nonzeroParams, sparsity,
        prunedSparsity, denseBytes, encodedBytes, compressionRatio, macs, effectiveMacs, energyEstimateUj, compressMs,
        evalMs, encodeMs, workloads, latency, Double.NaN);
  }

  /** A copy whose {@code accuracyDrop} is {@code baseAccuracy − accuracy}. */
  public Measurements withBaseAccuracy(double baseAccuracy) {
    return new Measurements(accuracy, baseAccuracy - accuracy, macroPrecision, macroRecall, macroF1, examples, params,
        nonzeroParams, sparsity, prunedSparsity, denseBytes, encodedBytes, compressionRatio, macs, effectiveMacs,
        energyEstimateUj, compressMs, evalMs, encodeMs, workloads, latency, trainMs);
  }

  /** A copy holding the latency measured in the sweep's latency stage. */
  public Measurements withLatency(Latency l) {
    return new Measurements(accuracy, accuracyDrop, macroPrecision, macroRecall, macroF1, examples, params,
        nonzeroParams, sparsity, prunedSparsity, denseBytes, encodedBytes, compressionRatio, macs, effectiveMacs,
        energyEstimateUj, compressMs, evalMs, encodeMs, workloads, l, trainMs);
  }

  /** A latency figure in ms, NaN when latency was not measured or the runtime could not execute the model. */
  private double latency(boolean batch1, boolean p95) {
    if (latency == null || !latency.isOk()) {
      return Double.NaN;
    }
    Latency.Stats s = batch1 ? latency.batch1() : latency.batch32();
    return p95 ? s.p95Ms() : s.p50Ms();
  }

  /** Value of a metric by its column name (for objectives). */
  public double metric(String column) {
    return switch (column) {
      case "accuracy" -> accuracy;
      case "accuracy_drop" -> accuracyDrop;
      case "macro_f1" -> macroF1;
      case "encoded_bytes" -> encodedBytes;
      case "compression_ratio" -> compressionRatio;
      case "macs" -> macs;
      case "effective_macs" -> effectiveMacs;
      case "energy_estimate_uj" -> energyEstimateUj;
      case "params" -> params;
      case "nonzero_params" -> nonzeroParams;
      case "sparsity" -> sparsity;
      case "latency_b1_p50_ms" -> latency(true, false);
      case "latency_b1_p95_ms" -> latency(true, true);
      case "latency_b32_p50_ms" -> latency(false, false);
      case "latency_b32_p95_ms" -> latency(false, true);
      default -> throw new IllegalArgumentException("unknown metric '" + column + "'");
    };
  }
}
