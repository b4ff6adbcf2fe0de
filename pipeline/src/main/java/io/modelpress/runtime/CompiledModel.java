package io.modelpress.runtime;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.model.LayerWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A compressed model compiled for the pure-Java runtime: one {@link Kernel} per dense layer followed by
 * its activation. Executes the compressed form: sparse layers as CSR, k-means layers from their
 * codebooks, structured-pruned layers at their smaller sizes, int8 on request.
 */
public final class CompiledModel {

  /** How to choose each layer's kernel. */
  public enum Mode {
    /** The compressed form: see {@link #kernel}. */
    AUTO,
    DENSE,
    CSR,
    INT8;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final List<Kernel> kernels;
  private final List<String> activations;
  private final int maxWidth;

  private CompiledModel(List<Kernel> kernels, List<String> activations) {
    this.kernels = List.copyOf(kernels);
    this.activations = List.copyOf(activations);
    int m = 0;
    for (Kernel k : kernels) {
      m = Math.max(m, Math.max(k.inputs(), k.outputs()));
    }
    this.maxWidth = m;
  }

  /**
   * Compiles {@code model} (its weights in the compressed form) for the layer sequence {@code arch}
   * ({@link io.modelpress.model.Dl4jModel#architecture()}).
   */
  public static CompiledModel compile(CompressedModel model, Architecture arch, Mode mode) {
    List<LayerWeights> layers = model.weights().layers();
    List<String> activations = arch.activations();
    if (arch.ops().isEmpty()) {
      throw new IllegalArgumentException("the runtime cannot execute this model (the sweep printed why at its start)");
    }
    if (activations.size() != layers.size()) {
      throw new IllegalArgumentException(activations.size() + " weighted layers in the architecture for "
          + layers.size() + " layers of weights");
    }
    for (Architecture.Op op : arch.ops()) {
      if (!(op instanceof Architecture.Dense)) {
        throw new IllegalArgumentException("the model has " + op.getClass().getSimpleName().toLowerCase(Locale.ROOT)
            + " layers; the runtime executes dense and output layers only");
      }
    }
    List<Kernel> kernels = new ArrayList<>();
    for (int k = 0; k < layers.size(); k++) {
      LayerWeights l = layers.get(k);
      if (k > 0 && l.shape()[0] != layers.get(k - 1).shape()[1]) {
        throw new IllegalArgumentException("layer '" + l.name() + "' takes " + l.shape()[0] + " inputs but the layer "
            + "before gives " + layers.get(k - 1).shape()[1]);
      }
      kernels.add(kernel(l, model.coding(l.name()), mode));
      String a = activations.get(k);
      if (!List.of("relu", "identity", "tanh", "sigmoid", "softmax").contains(a)) {
        throw new IllegalArgumentException("layer '" + l.name() + "' has activation " + a + ", which the runtime does "
            + "not implement");
      }
    }
    return new CompiledModel(kernels, activations);
  }

  /**
   * One layer's kernel. AUTO executes the compressed form: CSR at ≥ 50 % zeros; the codebook kernel for
   * codebook-coded layers and for per-tensor uniform codes (whose 2^bits levels are a codebook, exactly);
   * dense fp32 otherwise.
   */
  static Kernel kernel(LayerWeights l, ValueCoding c, Mode mode) {
    double zeros = 1.0 - (double) l.nonZeros() / l.size();
    return switch (mode) {
      case DENSE -> Kernels.dense(l);
      case CSR -> Kernels.csr(l);
      case INT8 -> Kernels.int8(l);
      case AUTO -> {
        if (zeros >= 0.5) {
          yield Kernels.csr(l);
        }
        if (c instanceof ValueCoding.Codebook cb) {
          yield Kernels.codebook(l, cb);
        }
        if (c instanceof ValueCoding.Uniform u && !u.perChannel()) {
          float[] levels = new float[1 << u.bits()];
          for (int q = 0; q < levels.length; q++) {
            levels[q] = ValueCoding.Uniform.dequantize(u.scales()[0], q, u.zeroPoints()[0]);
          }
          yield Kernels.codebook(l, new ValueCoding.Codebook(u.bits(), levels, u.codes()));
        }
        yield Kernels.dense(l);
      }
    };
  }

  public int inputs() {
    return kernels.get(0).inputs();
  }

  public int outputs() {
    return kernels.get(kernels.size() - 1).outputs();
  }

  /** The kernel kinds, layer by layer, e.g. "csr-fp32,csr-fp32,dense-fp32". */
  public String kinds() {
    return String.join(",", kernels.stream().map(Kernel::kind).toList());
  }

  /** Outputs (probabilities after a softmax layer) for {@code rows} rows of {@code x} [rows × inputs]. */
  public float[] forward(float[] x, int rows) {
    float[] a = new float[rows * maxWidth];
    float[] b = new float[rows * maxWidth];
    float[] in = x;
    for (int k = 0; k < kernels.size(); k++) {
      Kernel kernel = kernels.get(k);
      float[] out = (k % 2 == 0) ? a : b;
      kernel.apply(in, rows, out);
      activate(activations.get(k), out, rows, kernel.outputs());
      in = out;
    }
    float[] y = new float[rows * outputs()];
    System.arraycopy(in, 0, y, 0, y.length);
    return y;
  }

  /** Top-1 class of every row. */
  public int[] predict(float[] x, int rows, int batch) {
    int[] out = new int[rows];
    int f = inputs();
    int c = outputs();
    for (int from = 0; from < rows; from += batch) {
      int n = Math.min(batch, rows - from);
      float[] chunk = new float[n * f];
      System.arraycopy(x, from * f, chunk, 0, n * f);
      float[] y = forward(chunk, n);
      for (int r = 0; r < n; r++) {
        int best = 0;
        for (int j = 1; j < c; j++) {
          if (y[r * c + j] > y[r * c + best]) {
            best = j;
          }
        }
        out[from + r] = best;
      }
    }
    return out;
  }

  private static void activate(String a, float[] y, int rows, int width) {
    switch (a) {
      case "relu" -> {
        for (int i = 0; i < rows * width; i++) {
          y[i] = Math.max(0f, y[i]);
        }
      }
      case "tanh" -> {
        for (int i = 0; i < rows * width; i++) {
          y[i] = (float) Math.tanh(y[i]);
        }
      }
      case "sigmoid" -> {
        for (int i = 0; i < rows * width; i++) {
          y[i] = (float) (1 / (1 + Math.exp(-y[i])));
        }
      }
      case "softmax" -> {
        for (int r = 0; r < rows; r++) {
          float max = Float.NEGATIVE_INFINITY;
          for (int j = 0; j < width; j++) {
            max = Math.max(max, y[r * width + j]);
          }
          double sum = 0;
          for (int j = 0; j < width; j++) {
            float e = (float) Math.exp(y[r * width + j] - max);
            y[r * width + j] = e;
            sum += e;
          }
          for (int j = 0; j < width; j++) {
            y[r * width + j] /= sum;
          }
        }
      }
      default -> { } // identity
    }
  }
}
