package io.modelpress.runtime;

import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The kernels of dense and output layers, and what they share with the convolution kernels
 * ({@link ConvKernels}). Dense weights are [inputs × outputs], row-major, as {@link LayerWeights} holds
 * them. Inner loops run over contiguous outputs, the fp32 one ({@link #axpy}) in the form C2 vectorises;
 * inputs that are exactly 0 (most MNIST pixels, many ReLU outputs) are skipped.
 */
public final class Kernels {

  private Kernels() {}

  /** One kernel factory per weight form, for one type of layer. */
  record Forms(Function<LayerWeights, Kernel> dense, Function<LayerWeights, Kernel> csr,
      Function<LayerWeights, Kernel> int8, BiFunction<LayerWeights, ValueCoding.Codebook, Kernel> codebook) {}

  /** The kernels of dense and output layers. */
  static final Forms DENSE_LAYERS = new Forms(Kernels::dense, Kernels::csr, Kernels::int8, Kernels::codebook);

  /** What every kernel shares: sizes, bias (one per output channel), kind, and the row loop. */
  abstract static class Base implements Kernel {
    final int in;
    final int out;
    final float[] bias;
    private final String kind;

    Base(LayerWeights l, int in, int out, String kind) {
      this.in = in;
      this.out = out;
      this.bias = l.bias().length == 0 ? new float[l.outChannels()] : l.bias().clone();
      this.kind = kind;
    }

    @Override
    public void apply(float[] x, int rows, float[] y) {
      for (int r = 0; r < rows; r++) {
        row(x, r * in, y, r * out);
      }
    }

    /** {@code y[yo..yo+out)} from {@code x[xo..xo+in)}. */
    abstract void row(float[] x, int xo, float[] y, int yo);

    @Override
    public int inputs() {
      return in;
    }

    @Override
    public int outputs() {
      return out;
    }

    @Override
    public String kind() {
      return kind;
    }
  }

  /** A dense-layer kernel: checks the weights are [inputs × outputs]. */
  private abstract static class DenseBase extends Base {
    DenseBase(LayerWeights l, String kind) {
      super(l, dims(l, 2)[0], l.shape()[1], kind);
    }
  }

  /** The shape of {@code l}, which must have {@code rank} dimensions. */
  /**
   * The non-zeros of a row-major [rows × cols] matrix in compressed sparse rows: row r's entries are
   * {@code col[p], val[p]} for p in [start[r], start[r + 1]).
   */
  record Csr(int[] start, int[] col, float[] val) {
    static Csr of(float[] w, int rows, int cols) {
      int nnz = 0;
      for (float v : w) {
        nnz += v != 0f ? 1 : 0;
      }
      int[] start = new int[rows + 1];
      int[] col = new int[nnz];
      float[] val = new float[nnz];
      int k = 0;
      for (int r = 0; r < rows; r++) {
        start[r] = k;
        for (int c = 0; c < cols; c++) {
          float v = w[r * cols + c];
          if (v != 0f) {
            col[k] = c;
            val[k++] = v;
          }
        }
      }
      start[rows] = k;
      return new Csr(start, col, val);
    }
  }

  static int[] dims(LayerWeights l, int rank) {
    if (l.shape().length != rank) {
      throw new IllegalArgumentException("layer '" + l.name() + "' has weights of shape " + Arrays.toString(l.shape())
          + " where the runtime expects " + (rank == 2 ? "[inputs, outputs]" : "[out, in, kH, kW]"));
    }
    return l.shape();
  }

  /**
   * {@code y[0..n) += a · m[0..n)}: the inner loop of the fp32 kernels. Both arrays are indexed from 0:
   * C2 (JDK 17) vectorises this loop, but not {@code y[yo + j] += a · m[mo + j]} with two offsets.
   */
  static void axpy(float a, float[] m, float[] y, int n) {
    for (int j = 0; j < n; j++) {
      y[j] += a * m[j];
    }
  }

  /**
   * Dense fp32: every weight of every non-zero input. The weights are held as one array per input and
   * the row is summed in a scratch array, so that the inner loop is {@link #axpy}, which C2 vectorises.
   */
  public static Kernel dense(LayerWeights l) {
    float[][] w = new float[dims(l, 2)[0]][];
    for (int i = 0; i < w.length; i++) {
      w[i] = Arrays.copyOfRange(l.weights(), i * l.shape()[1], (i + 1) * l.shape()[1]);
    }
    return new DenseBase(l, "dense-fp32") {
      private final float[] sum = new float[out]; // a kernel serves one thread at a time

      @Override
      void row(float[] x, int xo, float[] y, int yo) {
        System.arraycopy(bias, 0, sum, 0, out);
        for (int i = 0; i < in; i++) {
          float xi = x[xo + i];
          if (xi != 0f) {
            axpy(xi, w[i], sum, out);
          }
        }
        System.arraycopy(sum, 0, y, yo, out);
      }

      @Override
      public long weightBytes() {
        return 4L * in * out;
      }
    };
  }

  /**
   * Sparse fp32 in compressed sparse rows over the inputs: for each input i, the outputs it feeds and
   * their weights. Zero weights cost nothing; zero inputs skip their whole row.
   */
  public static Kernel csr(LayerWeights l) {
    int in = dims(l, 2)[0];
    Csr m = Csr.of(l.weights(), in, l.shape()[1]);
    int nnz = m.col().length;
    int[] rowStart = m.start();
    int[] col = m.col();
    float[] val = m.val();
    return new DenseBase(l, "csr-fp32") {
      @Override
      void row(float[] x, int xo, float[] y, int yo) {
        System.arraycopy(bias, 0, y, yo, out);
        for (int i = 0; i < in; i++) {
          float xi = x[xo + i];
          if (xi != 0f) {
            for (int p = rowStart[i], e = rowStart[i + 1]; p < e; p++) {
              y[yo + col[p]] += xi * val[p];
            }
          }
        }
      }

      @Override
      public long weightBytes() {
        return 8L * nnz + 4L * (in + 1);
      }
    };
  }

  /**
   * int8 × int8 with int32 accumulation: weights symmetric per output channel (scale max|w|/127), the
   * activations of each row quantized symmetric per row (scale max|x|/127) on the fly; the int32 sums
   * are rescaled to fp32 and the bias added. Accuracy is that of 8-bit weights and activations.
   */
  public static Kernel int8(LayerWeights l) {
    float[] ws = channelScales(l);
    byte[] q = quantize(l, ws);
    return new DenseBase(l, "int8") {
      private final int[] acc = new int[out]; // a kernel serves one thread at a time

      @Override
      void row(float[] x, int xo, float[] y, int yo) {
        float max = 0;
        for (int i = 0; i < in; i++) {
          max = Math.max(max, Math.abs(x[xo + i]));
        }
        float xs = max > 0 ? max / 127f : 1f;
        Arrays.fill(acc, 0);
        for (int i = 0; i < in; i++) {
          int xi = Math.round(x[xo + i] / xs);
          if (xi != 0) {
            int wo = i * out;
            for (int j = 0; j < out; j++) {
              acc[j] += xi * q[wo + j];
            }
          }
        }
        for (int j = 0; j < out; j++) {
          y[yo + j] = acc[j] * xs * ws[j] + bias[j];
        }
      }

      @Override
      public long weightBytes() {
        return q.length + 4L * out;
      }
    };
  }

  /** Per output channel, the symmetric int8 scale of its weights: max|w| / 127 (1 for an all-zero channel). */
  static float[] channelScales(LayerWeights l) {
    float[] w = l.weights();
    int[] channel = l.channels();
    float[] s = new float[l.outChannels()];
    for (int i = 0; i < w.length; i++) {
      s[channel[i]] = Math.max(s[channel[i]], Math.abs(w[i]));
    }
    for (int c = 0; c < s.length; c++) {
      s[c] = s[c] > 0 ? s[c] / 127f : 1f;
    }
    return s;
  }

  /** The weights as int8 at their channel's scale, in the weights' order. */
  static byte[] quantize(LayerWeights l, float[] scales) {
    float[] w = l.weights();
    int[] channel = l.channels();
    byte[] q = new byte[w.length];
    for (int i = 0; i < w.length; i++) {
      q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / scales[channel[i]])));
    }
    return q;
  }

  /** The codes of {@code c} as bytes (codebooks have at most 256 entries), checked against the layer's size. */
  static byte[] codes(LayerWeights l, ValueCoding.Codebook c) {
    if (c.codes().length != l.size()) {
      throw new IllegalArgumentException("layer '" + l.name() + "' has " + l.size() + " weights but " + c.codes().length
          + " codebook codes");
    }
    byte[] codes = new byte[c.codes().length];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = (byte) c.codes()[i];
    }
    return codes;
  }

  /**
   * Codebook weights (k-means or powers of two): one byte code per weight and a table of at most 256
   * values, looked up as the row is multiplied. Stores a quarter of fp32's bytes at up to 8 bits.
   */
  public static Kernel codebook(LayerWeights l, ValueCoding.Codebook c) {
    byte[] codes = codes(l, c);
    float[] book = c.codebook().clone();
    return new DenseBase(l, "codebook") {
      @Override
      void row(float[] x, int xo, float[] y, int yo) {
        System.arraycopy(bias, 0, y, yo, out);
        for (int i = 0; i < in; i++) {
          float xi = x[xo + i];
          if (xi != 0f) {
            int wo = i * out;
            for (int j = 0; j < out; j++) {
              y[yo + j] += xi * book[codes[wo + j] & 0xff];
            }
          }
        }
      }

      @Override
      public long weightBytes() {
        return codes.length + 4L * book.length;
      }
    };
  }
}
