package io.modelpress.onnx;

import io.modelpress.compress.CompressedModel;
import io.modelpress.data.LabeledImages;
import io.modelpress.runtime.Architecture;
import io.modelpress.runtime.Latency;
import io.modelpress.spec.LatencySpec;

/**
 * A trial's ONNX form timed in ONNX Runtime ({@code latency.engine: onnxruntime | both}): the graph
 * {@code modelpress export --out FILE.onnx} writes, run by {@link OnnxRunner} (one intra-op and one inter-op
 * thread, sequential, no spinning) on real inputs, at batch 1 and 32.
 *
 * <p>An int8 QDQ graph's activation ranges are calibrated here on the images given (the sweep's test images);
 * {@code export} calibrates on training images. The ranges are values in the same initializers, so the file's
 * size and its kernels, what is timed, are the same; no accuracy is taken from this file.
 */
public final class OnnxTiming {

  private OnnxTiming() {}

  /** Times {@code model} computed as {@code arch}; a graph that cannot be written or run is an error, not a throw. */
  public static Latency.Ort measure(Architecture arch, CompressedModel model, LabeledImages images, LatencySpec spec,
      String producer) {
    try {
      byte[] onnx = OnnxExport.write(arch, model, images.channels(), images.height(), images.width(), producer, images);
      try (OnnxRunner runner = new OnnxRunner(onnx)) {
        Latency.Stats b1 = time(runner, images, 1, spec);
        Latency.Stats b32 = time(runner, images, Math.min(32, images.count()), spec);
        return new Latency.Ort(b1, b32, onnx.length, null);
      }
    } catch (RuntimeException e) {
      return Latency.Ort.failed(e.getMessage() == null ? e.getClass().getName() : e.getMessage().lines().findFirst()
          .orElse(""));
    }
  }

  /**
   * Order statistics of one batch's wall time: {@code warmup} untimed runs, one run to size the rest, then as
   * many runs as fit the budget, at least {@code min-runs} and at most {@code runs}.
   */
  private static Latency.Stats time(OnnxRunner runner, LabeledImages images, int batch, LatencySpec spec) {
    double first = runner.latencyMs(images, batch, spec.warmup(), 1)[0];
    int runs = (int) Math.max(spec.minRuns(), Math.min(spec.runs(), spec.budgetMs() / Math.max(first, 1e-3)));
    double[] ms = runner.latencyMs(images, batch, 0, runs);
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      nanos[i] = Math.round(ms[i] * 1e6);
    }
    return Latency.Stats.of(nanos, runs);
  }
}
