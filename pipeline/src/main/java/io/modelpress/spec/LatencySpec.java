package io.modelpress.spec;

import java.io.Serializable;

/**
 * How a sweep measures latency (the {@code latency:} block): in a stage of its own after the trials,
 * one measuring task at a time per executor, every successful trial's compressed model executed by the
 * pure-Java runtime at batch 1 and batch 32. Per batch size: {@code warmup} untimed runs, then timed
 * runs until {@code runs} are done or {@code budgetMs} has passed (at least {@code minRuns}). A
 * measurement whose IQR / p50 exceeds {@code maxIqrRatio} is repeated up to {@code retries} times and
 * flagged noisy if it stays so. When an objective is a measured latency, the frontier's candidates are
 * then re-measured together in {@code confirmRounds} interleaved rounds on one executor
 * ({@link io.modelpress.sweep.Confirmation}); 0 turns that off.
 */
public record LatencySpec(boolean enabled, int warmup, int runs, int minRuns, double budgetMs, double maxIqrRatio,
    int retries, int confirmRounds, Engine engine) implements Serializable {

  public static final LatencySpec OFF = new LatencySpec(false, 0, 0, 0, 0, 0, 0, 0);

  /**
   * What times each trial: the pure-Java runtime ({@code latency_*} columns, the ones objectives and the
   * frontier's confirmation use), ONNX Runtime on the trial's ONNX form ({@code ort_latency_*}, {@code onnx_bytes}),
   * or both.
   */
  public enum Engine {
    RUNTIME("runtime"), ONNXRUNTIME("onnxruntime"), BOTH("both");

    private final String id;

    Engine(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public boolean runtime() {
      return this != ONNXRUNTIME;
    }

    public boolean onnxRuntime() {
      return this != RUNTIME;
    }

    public static Engine of(String id) {
      for (Engine e : values()) {
        if (e.id.equals(id)) {
          return e;
        }
      }
      throw new SpecException("engine", "is set to \"" + id + "\" but must be runtime, onnxruntime or both");
    }
  }

  /** Both engines. */
  public LatencySpec(boolean enabled, int warmup, int runs, int minRuns, double budgetMs, double maxIqrRatio,
      int retries, int confirmRounds) {
    this(enabled, warmup, runs, minRuns, budgetMs, maxIqrRatio, retries, confirmRounds, Engine.BOTH);
  }

  /** Without re-measuring the frontier's candidates. */
  public LatencySpec(boolean enabled, int warmup, int runs, int minRuns, double budgetMs, double maxIqrRatio,
      int retries) {
    this(enabled, warmup, runs, minRuns, budgetMs, maxIqrRatio, retries, 0);
  }

  public LatencySpec {
    java.util.Objects.requireNonNull(engine, "engine");
    if (enabled) {
      require(warmup >= 0, "warmup", warmup, ">= 0");
      require(minRuns >= 5, "min-runs", minRuns, ">= 5 (quartiles of fewer runs mean nothing)");
      require(runs >= minRuns, "runs", runs, ">= min-runs (" + minRuns + ")");
      require(budgetMs > 0, "budget-ms", budgetMs, "> 0");
      require(maxIqrRatio > 0, "max-iqr-ratio", maxIqrRatio, "> 0");
      require(retries >= 0, "retries", retries, ">= 0");
      require(confirmRounds == 0 || (confirmRounds >= 3 && confirmRounds <= 100), "confirm-rounds", confirmRounds,
          "0 (off) or in 3..100 (a spread between rounds needs at least 3)");
    }
  }

  private static void require(boolean ok, String key, Object value, String rule) {
    if (!ok) {
      throw new SpecException(key, "is set to " + value + " but must be " + rule);
    }
  }
}
