package io.modelpress.runtime;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A compressed model compiled for the pure-Java runtime: one {@link Kernel} per layer (dense,
 * convolution, pooling), each weighted one followed by its activation. Executes the compressed form:
 * sparse layers as CSR, k-means layers from their codebooks, structured-pruned layers at their smaller
 * sizes, int8 on request. Layer sizes come from the weights, the rest of the geometry from the
 * {@link Architecture}. An instance serves one thread at a time (kernels reuse scratch buffers).
 */
public final class CompiledModel {

  /** How to choose each weighted layer's kernel. */
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

  private static final List<String> ACTIVATIONS = List.of("relu", "relu6", "lrelu", "identity", "tanh", "sigmoid",
      "softmax");
  /** The slope of {@code lrelu} below zero: DL4J's ActivationLReLU default and PyTorch's LeakyReLU default. */
  public static final float LEAKY_SLOPE = 0.01f;

  /** One layer: its kernel, then its activation (identity for pooling). */
  private record Step(Kernel kernel, String activation) {}

  private final List<Step> steps;
  private final List<Kernel> weighted;
  private final int maxWidth;

  private CompiledModel(List<Step> steps, List<Kernel> weighted) {
    this.steps = List.copyOf(steps);
    this.weighted = List.copyOf(weighted);
    int m = 0;
    for (Step s : steps) {
      m = Math.max(m, Math.max(s.kernel().inputs(), s.kernel().outputs()));
    }
    this.maxWidth = m;
  }

  /**
   * Compiles {@code model} (its weights in the compressed form) for the layer sequence {@code arch}
   * ({@code Network.architecture()}). Follows the sizes of the weights (structured
   * pruning removes neurons, filters and the matching inputs of the next layer) and checks that each layer
   * takes what the layer before gives.
   */
  public static CompiledModel compile(CompressedModel model, Architecture arch, Mode mode) {
    List<LayerWeights> layers = model.weights().layers();
    if (arch.ops().isEmpty()) {
      throw new IllegalArgumentException("the runtime cannot execute this model (the sweep printed why at its start)");
    }
    if (arch.activations().size() != layers.size()) {
      throw new IllegalArgumentException(arch.activations().size() + " weighted layers in the architecture for "
          + layers.size() + " layers of weights");
    }
    List<Step> steps = new ArrayList<>();
    List<Kernel> weighted = new ArrayList<>();
    // the shape of the current activations: channels × height × width, or width features once flat
    int c = arch.channels();
    int h = arch.height();
    int w = arch.width();
    boolean flat = false;
    String before = "the input"; // what feeds the next layer, for errors
    int k = 0;
    for (Architecture.Op op : arch.ops()) {
      if (op instanceof Architecture.Pool p) {
        String pooling = "the pooling after " + before;
        if (flat) {
          throw new IllegalArgumentException(pooling + " pools a flat vector; the runtime pools images, before the "
              + "dense layers");
        }
        Window win = Window.of(pooling, c, h, w, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
            p.padH(), p.padW(), p.same());
        steps.add(new Step(ConvKernels.pool(p.max(), p.padInDivisor(), win), "identity"));
        h = win.outH();
        w = win.outW();
        before = pooling;
        continue;
      }
      LayerWeights l = layers.get(k++);
      String activation = op instanceof Architecture.Conv cv ? cv.activation() : ((Architecture.Dense) op).activation();
      if (!ACTIVATIONS.contains(activation)) {
        throw new IllegalArgumentException("layer '" + l.name() + "' has activation " + activation + ", which the "
            + "runtime does not implement");
      }
      Kernel kernel;
      if (op instanceof Architecture.Conv cv) {
        if (flat || l.shape().length != 4) {
          throw new IllegalArgumentException("layer '" + l.name() + "' is a convolution in the architecture but "
              + (flat ? "follows the dense " + before : "has weights of shape " + Arrays.toString(l.shape())));
        }
        if (l.shape()[1] != c) {
          throw new IllegalArgumentException("layer '" + l.name() + "' takes " + l.shape()[1] + " input channels but "
              + before + " gives " + c);
        }
        Window win = Window.of("layer '" + l.name() + "'", c, h, w, l.shape()[2], l.shape()[3], cv.strideH(),
            cv.strideW(), cv.padH(), cv.padW(), cv.same());
        kernel = kernel(l, ConvKernels.forms(win), model.coding(l.name()), mode);
        c = l.shape()[0];
        h = win.outH();
        w = win.outW();
      } else {
        if (l.shape().length != 2) {
          throw new IllegalArgumentException("layer '" + l.name() + "' is a dense layer in the architecture but has "
              + "weights of shape " + Arrays.toString(l.shape()));
        }
        if (l.shape()[0] != c * h * w) {
          throw new IllegalArgumentException("layer '" + l.name() + "' takes " + l.shape()[0] + " inputs but " + before
              + " gives " + (c == 1 && h == 1 ? "" : c + " × " + h + " × " + w + " = ") + c * h * w);
        }
        kernel = kernel(l, Kernels.DENSE_LAYERS, model.coding(l.name()), mode);
        c = 1;
        h = 1;
        w = l.shape()[1];
        flat = true;
      }
      steps.add(new Step(kernel, activation));
      weighted.add(kernel);
      before = "layer '" + l.name() + "'";
    }
    return new CompiledModel(steps, weighted);
  }

  /**
   * One weighted layer's kernel, from the factories for its type of layer. AUTO executes the compressed
   * form: CSR at ≥ 50 % zeros; the codebook kernel for codebook-coded layers and for per-tensor uniform
   * codes (whose 2^bits levels are a codebook, exactly); dense fp32 otherwise.
   */
  static Kernel kernel(LayerWeights l, Kernels.Forms forms, ValueCoding c, Mode mode) {
    double zeros = 1.0 - (double) l.nonZeros() / l.size();
    return switch (mode) {
      case DENSE -> forms.dense().apply(l);
      case CSR -> forms.csr().apply(l);
      case INT8 -> forms.int8().apply(l);
      case AUTO -> {
        if (zeros >= 0.5) {
          yield forms.csr().apply(l);
        }
        if (c instanceof ValueCoding.Codebook cb) {
          yield forms.codebook().apply(l, cb);
        }
        if (c instanceof ValueCoding.Uniform u && !u.perChannel()) {
          float[] levels = new float[1 << u.bits()];
          for (int q = 0; q < levels.length; q++) {
            levels[q] = ValueCoding.Uniform.dequantize(u.scales()[0], q, u.zeroPoints()[0]);
          }
          yield forms.codebook().apply(l, new ValueCoding.Codebook(u.bits(), levels, u.codes()));
        }
        yield forms.dense().apply(l);
      }
    };
  }

  public int inputs() {
    return steps.get(0).kernel().inputs();
  }

  public int outputs() {
    return steps.get(steps.size() - 1).kernel().outputs();
  }

  /**
   * The kernel kinds of the weighted layers, in order, e.g. "csr-fp32,csr-fp32,dense-fp32" or
   * "conv-dense-fp32,conv-csr-fp32,csr-fp32,dense-fp32".
   */
  public String kinds() {
    return String.join(",", weighted.stream().map(Kernel::kind).toList());
  }

  /** Outputs (probabilities after a softmax layer) for {@code rows} rows of {@code x} [rows × inputs]. */
  public float[] forward(float[] x, int rows) {
    float[] y = new float[rows * outputs()];
    forward(x, rows, y);
    return y;
  }

  // activations between layers, reused from one call to the next (a compiled model serves one thread at a
  // time, as its kernels do): an inference allocates nothing, as a mobile runtime's arena does. Allocating
  // them per call made timings bimodal: on this VM a fresh young-generation page costs ~20 µs to fault in,
  // so batch-1 runs of mlp-64-64 took 3.7 µs or 24 µs depending on where the allocator stood.
  private float[] a = new float[0];
  private float[] b = new float[0];

  /** {@link #forward(float[], int)} into {@code y} [rows × outputs], allocating nothing once warm. */
  public void forward(float[] x, int rows, float[] y) {
    if (a.length < rows * maxWidth) {
      a = new float[rows * maxWidth];
      b = new float[rows * maxWidth];
    }
    float[] in = x;
    for (int k = 0; k < steps.size(); k++) {
      Kernel kernel = steps.get(k).kernel();
      float[] out = (k % 2 == 0) ? a : b;
      kernel.apply(in, rows, out);
      activate(steps.get(k).activation(), out, rows, kernel.outputs());
      in = out;
    }
    System.arraycopy(in, 0, y, 0, rows * outputs());
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
      case "relu6" -> {
        for (int i = 0; i < rows * width; i++) {
          y[i] = Math.min(6f, Math.max(0f, y[i]));
        }
      }
      case "lrelu" -> {
        for (int i = 0; i < rows * width; i++) {
          y[i] = y[i] < 0f ? LEAKY_SLOPE * y[i] : y[i];
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
