package io.modelpress.model;

/**
 * A deep-learning backend: reads saved networks and trains. {@link Backends#dl4j()} is the one in use;
 * another (an ONNX-based one, say) would implement this and {@link Network} without touching plans,
 * specs, artifacts or tables.
 */
public interface Backend {

  /** Restores a saved network; bytes that are not one are an {@link IllegalArgumentException} saying so. */
  Network restore(byte[] saved);

  /**
   * A network computing {@code architecture} with {@code weights} (an imported model): trainable like a zoo
   * model, its last layer the softmax output. Refuses, in one line, what the backend cannot build.
   */
  Network build(io.modelpress.runtime.Architecture architecture, io.modelpress.weights.ModelWeights weights);

  Trainer trainer();

  /**
   * Threads for the backend's own loops and its BLAS in this JVM (launchers start jobs with one per Spark
   * task; a single-JVM baseline raises it).
   */
  void threads(int n);

  /**
   * The backend's dense matrix product rate in GFLOP/s: {@code threads} Java threads each multiplying its own
   * random [m×k]·[k×n] into a preallocated result {@code reps} times, after one untimed round (the ceiling
   * of evaluation; {@code modelpress bench} reports it).
   */
  double gemmGflops(int threads, int m, int k, int n, int reps);
}
