package io.modelpress.sweep;

import io.modelpress.runtime.Latency;
import java.io.Serializable;

/**
 * What one successful trial measured: its {@link Quality} on the test set, its {@link Size} as encoded and
 * executed, an energy estimate, where its time went, per-layer workloads (what device estimates are
 * computed from) and its latency (null until the latency stage measured it, or when it is off).
 * Fractions are in [0, 1]; bytes are real byte counts; times are wall milliseconds on the executor.
 */
public record Measurements(
    Quality quality,
    Size size,
    double energyEstimateUj,
    Timings timings,
    java.util.List<io.modelpress.measure.LayerWorkload> workloads,
    Latency latency) implements Serializable {

  /**
   * Accuracy and macro precision, recall and F1 over {@code examples} test examples; {@code accuracyDrop} is
   * the base trial's accuracy minus this one's (NaN until the driver sets it). {@code validationAccuracy}
   * is the accuracy on the {@code validationExamples} training examples a distillation trial held out of
   * training (NaN and 0 for every other trial): what T and α are chosen on.
   */
  public record Quality(double accuracy, double accuracyDrop, double macroPrecision, double macroRecall,
      double macroF1, long examples, double validationAccuracy, long validationExamples) implements Serializable {

    /** Without a validation split. */
    public Quality(double accuracy, double accuracyDrop, double macroPrecision, double macroRecall, double macroF1,
        long examples) {
      this(accuracy, accuracyDrop, macroPrecision, macroRecall, macroF1, examples, Double.NaN, 0);
    }
  }

  /**
   * Parameters (all, non-zero), {@code sparsity} the fraction of zero weights over all weighted layers and
   * {@code prunedSparsity} what the pruning step reached, the fp32 and encoded sizes, the compression ratio
   * against the original fp32 model, MACs (all, and those on non-zero weights).
   */
  public record Size(long params, long nonzeroParams, double sparsity, double prunedSparsity, long denseBytes,
      long encodedBytes, double compressionRatio, long macs, long effectiveMacs) implements Serializable {}

  /** Where a trial's time went: compressing, evaluating, encoding, and training its student (NaN: none). */
  public record Timings(double compressMs, double evalMs, double encodeMs, double trainMs) implements Serializable {}

  public double accuracy() {
    return quality.accuracy();
  }

  public double accuracyDrop() {
    return quality.accuracyDrop();
  }

  public long encodedBytes() {
    return size.encodedBytes();
  }

  /** A copy whose {@code accuracyDrop} is {@code baseAccuracy − accuracy}. */
  public Measurements withBaseAccuracy(double baseAccuracy) {
    Quality q = new Quality(quality.accuracy(), baseAccuracy - quality.accuracy(), quality.macroPrecision(),
        quality.macroRecall(), quality.macroF1(), quality.examples(), quality.validationAccuracy(),
        quality.validationExamples());
    return new Measurements(q, size, energyEstimateUj, timings, workloads, latency);
  }

  /** A copy whose accuracy, macro precision, recall, F1 and examples are {@code m}'s (the validation kept). */
  public Measurements withMetrics(io.modelpress.measure.ClassificationMetrics m) {
    Quality q = new Quality(m.accuracy(), quality.accuracyDrop(), m.macroPrecision(), m.macroRecall(), m.macroF1(),
        m.examples(), quality.validationAccuracy(), quality.validationExamples());
    return new Measurements(q, size, energyEstimateUj, timings, workloads, latency);
  }

  /** A copy holding the latency measured in the sweep's latency stage. */
  public Measurements withLatency(Latency l) {
    return new Measurements(quality, size, energyEstimateUj, timings, workloads, l);
  }

  /**
   * A latency figure in ms (the confirmed re-measurement when the trial was a frontier candidate), NaN when
   * latency was not measured or the runtime could not execute the model.
   */
  private double latency(boolean batch1, boolean p95) {
    if (latency == null || !latency.isOk()) {
      return Double.NaN;
    }
    Latency.Stats s = batch1 ? latency.compared1() : latency.compared32(); // confirmed when it was re-measured
    return p95 ? s.p95Ms() : s.p50Ms();
  }

  /** Value of a metric by its column name (for objectives). */
  public double metric(String column) {
    return switch (column) {
      case "accuracy" -> quality.accuracy();
      case "accuracy_drop" -> quality.accuracyDrop();
      case "macro_f1" -> quality.macroF1();
      case "encoded_bytes" -> size.encodedBytes();
      case "compression_ratio" -> size.compressionRatio();
      case "macs" -> size.macs();
      case "effective_macs" -> size.effectiveMacs();
      case "energy_estimate_uj" -> energyEstimateUj;
      case "params" -> size.params();
      case "nonzero_params" -> size.nonzeroParams();
      case "sparsity" -> size.sparsity();
      case "latency_b1_p50_ms" -> latency(true, false);
      case "latency_b1_p95_ms" -> latency(true, true);
      case "latency_b32_p50_ms" -> latency(false, false);
      case "latency_b32_p95_ms" -> latency(false, true);
      default -> throw new IllegalArgumentException("unknown metric '" + column + "'");
    };
  }
}
