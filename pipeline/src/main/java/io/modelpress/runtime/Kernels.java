package io.modelpress.runtime;

import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.model.LayerKind;
import io.modelpress.model.LayerWeights;

/**
 * The kernels. Weights are [inputs × outputs], row-major, as {@link LayerWeights} holds dense layers.
 * Inner loops run over contiguous outputs so the JIT can vectorise them; inputs that are exactly 0 (most
 * MNIST pixels, many ReLU outputs) are skipped.
 */
public final class Kernels {

  private Kernels() {}

  /** What every kernel shares: sizes, bias, kind, and the row loop around a per-row product. */
  private abstract static class Base implements Kernel {
    final int in;
    final int out;
    final float[] bias;
    private final String kind;

    Base(LayerWeights l, String kind) {
      if (l.kind() == LayerKind.CONV || l.shape().length != 2) {
        throw new IllegalArgumentException("layer '" + l.name() + "' is a " + l.kind().id() + " layer; the runtime "
            + "executes dense and output layers only");
      }
      this.in = l.shape()[0];
      this.out = l.shape()[1];
      this.bias = l.bias().length == 0 ? new float[out] : l.bias().clone();
      this.kind = kind;
    }

    @Override
    public void apply(float[] x, int rows, float[] y) {
      for (int r = 0; r < rows; r++) {
        row(x, r * in, y, r * out);
      }
    }

    /** {@code y[yo..yo+out) = x[xo..xo+in) · W + bias}. */
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

  /** Dense fp32: every weight of every non-zero input. */
  public static Kernel dense(LayerWeights l) {
    float[] w = l.weights().clone();
    return new Base(l, "dense-fp32") {
      @Override
      void row(float[] x, int xo, float[] y, int yo) {
        System.arraycopy(bias, 0, y, yo, out);
        for (int i = 0; i < in; i++) {
          float xi = x[xo + i];
          if (xi != 0f) {
            int wo = i * out;
            for (int j = 0; j < out; j++) {
              y[yo + j] += xi * w[wo + j];
            }
          }
        }
      }

      @Override
      public long weightBytes() {
        return 4L * w.length;
      }
    };
  }

  /**
   * Sparse fp32 in compressed sparse rows over the inputs: for each input i, the outputs it feeds and
   * their weights. Zero weights cost nothing; zero inputs skip their whole row.
   */
  public static Kernel csr(LayerWeights l) {
    int in = l.shape()[0];
    int out = l.shape()[l.shape().length - 1];
    float[] w = l.weights();
    int nnz = l.nonZeros();
    int[] rowStart = new int[in + 1];
    int[] col = new int[nnz];
    float[] val = new float[nnz];
    int k = 0;
    for (int i = 0; i < in; i++) {
      rowStart[i] = k;
      for (int j = 0; j < out; j++) {
        float v = w[i * out + j];
        if (v != 0f) {
          col[k] = j;
          val[k++] = v;
        }
      }
    }
    rowStart[in] = k;
    return new Base(l, "csr-fp32") {
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
    int out = l.shape()[l.shape().length - 1];
    float[] w = l.weights();
    float[] ws = new float[out];
    for (int i = 0; i < w.length; i++) {
      ws[i % out] = Math.max(ws[i % out], Math.abs(w[i]));
    }
    for (int j = 0; j < out; j++) {
      ws[j] = ws[j] > 0 ? ws[j] / 127f : 1f;
    }
    byte[] q = new byte[w.length];
    for (int i = 0; i < w.length; i++) {
      q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / ws[i % out])));
    }
    return new Base(l, "int8") {
      private final int[] acc = new int[out]; // a kernel serves one thread at a time

      @Override
      void row(float[] x, int xo, float[] y, int yo) {
        float max = 0;
        for (int i = 0; i < in; i++) {
          max = Math.max(max, Math.abs(x[xo + i]));
        }
        float xs = max > 0 ? max / 127f : 1f;
        java.util.Arrays.fill(acc, 0);
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

  /**
   * Codebook weights (k-means or powers of two): one byte code per weight and a table of at most 256
   * values, looked up as the row is multiplied. Stores a quarter of fp32's bytes at up to 8 bits.
   */
  public static Kernel codebook(LayerWeights l, ValueCoding.Codebook c) {
    byte[] codes = new byte[c.codes().length];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = (byte) c.codes()[i];
    }
    float[] book = c.codebook().clone();
    return new Base(l, "codebook") {
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
