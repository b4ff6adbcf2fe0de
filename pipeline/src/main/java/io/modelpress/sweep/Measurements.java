package io.modelpress.sweep;

import java.io.Serializable;

/**
 * What one successful trial measured. Fractions are in [0, 1]; bytes are real byte counts; {@code sparsity}
 * is the fraction of zero weights over all weighted layers; times are wall milliseconds on the executor.
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
    double encodeMs) implements Serializable {

  /** A copy whose {@code accuracyDrop} is {@code baseAccuracy − accuracy}. */
  public Measurements withBaseAccuracy(double baseAccuracy) {
    return new Measurements(accuracy, baseAccuracy - accuracy, macroPrecision, macroRecall, macroF1, examples, params,
        nonzeroParams, sparsity, prunedSparsity, denseBytes, encodedBytes, compressionRatio, macs, effectiveMacs,
        energyEstimateUj, compressMs, evalMs, encodeMs);
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
      default -> throw new IllegalArgumentException("unknown metric '" + column + "'");
    };
  }
}
