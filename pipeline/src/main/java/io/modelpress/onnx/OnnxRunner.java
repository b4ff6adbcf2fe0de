package io.modelpress.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.modelpress.data.LabeledImages;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Runs an ONNX model in ONNX Runtime for Java on one thread (intra- and inter-op), sequential execution,
 * all graph optimisations: what the export verifies a file with, and what a mobile deployment executes.
 */
public final class OnnxRunner implements AutoCloseable {

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final String input;

  public OnnxRunner(byte[] model) {
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.addConfigEntry("session.intra_op.allow_spinning", "0");
      session = env.createSession(model, o);
      input = session.getInputNames().iterator().next();
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
    }
  }

  /** The model's outputs for examples [from, to) of {@code data}, row-major [examples × outputs]. */
  public float[] outputs(LabeledImages data, int from, int to) {
    long[] dims = {to - from, data.channels(), data.height(), data.width()};
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data.features(from, to)), dims);
        OrtSession.Result r = session.run(Map.of(input, t))) {
      float[][] y = (float[][]) r.get(0).getValue();
      float[] flat = new float[y.length * y[0].length];
      for (int i = 0; i < y.length; i++) {
        System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
      }
      return flat;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  /** Every output of the model for examples [from, to), by name, flattened. */
  public Map<String, float[]> all(LabeledImages data, int from, int to) {
    long[] dims = {to - from, data.channels(), data.height(), data.width()};
    Map<String, float[]> out = new java.util.HashMap<>();
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data.features(from, to)), dims);
        OrtSession.Result r = session.run(Map.of(input, t))) {
      for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
        FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        out.put(e.getKey(), v);
      }
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  /**
   * Wall-clock milliseconds of {@code runs} inferences of one batch (the first {@code batch} examples of
   * {@code data}) after {@code warmup} untimed ones, in order: the session's settings above (one thread, no
   * spinning) are the usual ones for latency.
   */
  public double[] latencyMs(LabeledImages data, int batch, int warmup, int runs) {
    long[] dims = {batch, data.channels(), data.height(), data.width()};
    double[] ms = new double[runs];
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data.features(0, batch)), dims)) {
      Map<String, OnnxTensor> in = Map.of(input, t);
      for (int i = 0; i < warmup + runs; i++) {
        long t0 = System.nanoTime();
        try (OrtSession.Result r = session.run(in)) {
          if (i >= warmup) {
            ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
      return ms;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  /** Top-1 class of every example of {@code data}, run in batches of {@code batch}. */
  public int[] predict(LabeledImages data, int batch) {
    int[] out = new int[data.count()];
    for (int from = 0; from < data.count(); from += batch) {
      int to = Math.min(data.count(), from + batch);
      float[] y = outputs(data, from, to);
      int classes = y.length / (to - from);
      for (int r = 0; r < to - from; r++) {
        int best = 0;
        for (int j = 1; j < classes; j++) {
          best = y[r * classes + j] > y[r * classes + best] ? j : best;
        }
        out[from + r] = best;
      }
    }
    return out;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
