package io.modelpress.sweep;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.Backend;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.weights.ModelWeights;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Per-JVM pool of {@link TrialEvaluator}s keyed by (model, data) fingerprints, so an executor restores
 * the model and builds the input matrix once per concurrently running task, not once per trial or task.
 */
public final class EvaluatorPool {

  private static final ConcurrentHashMap<String, ConcurrentLinkedQueue<TrialEvaluator>> IDLE = new ConcurrentHashMap<>();

  private EvaluatorPool() {}

  /** An idle evaluator for {@code key}, or a new one from {@code create}. Give it back with {@link #release}. */
  public static TrialEvaluator borrow(String key, Supplier<TrialEvaluator> create) {
    TrialEvaluator e = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
    return e != null ? e : create.get();
  }

  /** Returns an evaluator to the pool, unless it saw a JVM error (its state is then not trusted). */
  public static void release(String key, TrialEvaluator e) {
    if (!e.sawError()) {
      IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(e);
    }
  }

  /** Drops the idle evaluators of {@code key} (their networks and input matrices) once a run is over. */
  public static void clear(String key) {
    IDLE.remove(key);
  }

  /**
   * Builds an evaluator from a saved model's bytes (restore + weights extraction happen here);
   * {@code train} is the training split for trials that fine-tune (null when none does).
   */
  public static TrialEvaluator create(byte[] modelBytes, LabeledImages eval, TrainingSplit train, byte[] fingerprint,
      int batch) {
    return create(modelBytes, eval, train, fingerprint, batch, null);
  }

  /** As above, with what distillation trials need (null when no trial distills). */
  public static TrialEvaluator create(byte[] modelBytes, LabeledImages eval, TrainingSplit train, byte[] fingerprint,
      int batch, TrialEvaluator.Students students) {
    return create(modelBytes, eval, train, fingerprint, batch, students, io.modelpress.spec.EvalEngine.DL4J);
  }

  /** As above, accuracy computed by {@code engine}. */
  public static TrialEvaluator create(byte[] modelBytes, LabeledImages eval, TrainingSplit train, byte[] fingerprint,
      int batch, TrialEvaluator.Students students, io.modelpress.spec.EvalEngine engine) {
    Backend backend = Backends.dl4j();
    Network m = backend.restore(modelBytes);
    ModelWeights base = m.weights();
    return new TrialEvaluator(backend, m, base, eval, train, fingerprint, batch, students, engine);
  }
}
