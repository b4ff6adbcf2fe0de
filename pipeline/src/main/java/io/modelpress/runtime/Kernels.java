package io.modelpress.runtime;

import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.model.LayerKind;
import io.modelpress.model.LayerWeights;

/**
 * The kernels. Weights are [inputs × outputs], row-major, as {@link LayerWeights} holds dense layers.
 * Inner loops run over contiguous outputs so the JIT can vectorise them.
 */
public final class Kernels {

  private Kernels() {}

  static void checkDense(LayerWeights l) {
    if (l.kind() == LayerKind.CONV || l.shape().length != 2) {
      throw new IllegalArgumentException("layer '" + l.name() + "' is a " + l.kind().id() + " layer; the runtime "
          + "executes dense and output layers only");
    }
  }

  /** Dense fp32: every weight, every multiply. */
  public static Kernel dense(LayerWeights l) {
    checkDense(l);
    int in = l.shape()[0];
    int out = l.shape()[1];
    float[] w = l.weights().clone();
    float[] bias = l.bias().length == 0 ? new float[out] : l.bias().clone();
    return new Kernel() {
      @Override
      public void apply(float[] x, int rows, float[] y) {
        for (int r = 0; r < rows; r++) {
          int yo = r * out;
          System.arraycopy(bias, 0, y, yo, out);
          for (int i = 0; i < in; i++) {
            float xi = x[r * in + i];
            if (xi == 0f) {
              continue; // ReLU outputs are often exactly 0
            }
            int wo = i * out;
            for (int j = 0; j < out; j++) {
              y[yo + j] += xi * w[wo + j];
            }
          }
        }
      }

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
        return "dense-fp32";
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
    checkDense(l);
    int in = l.shape()[0];
    int out = l.shape()[1];
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
    float[] bias = l.bias().length == 0 ? new float[out] : l.bias().clone();
    return new Kernel() {
      @Override
      public void apply(float[] x, int rows, float[] y) {
        for (int r = 0; r < rows; r++) {
          int yo = r * out;
          System.arraycopy(bias, 0, y, yo, out);
          for (int i = 0; i < in; i++) {
            float xi = x[r * in + i];
            if (xi == 0f) {
              continue;
            }
            for (int p = rowStart[i], e = rowStart[i + 1]; p < e; p++) {
              y[yo + col[p]] += xi * val[p];
            }
          }
        }
      }

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
        return "csr-fp32";
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
    checkDense(l);
    int in = l.shape()[0];
    int out = l.shape()[1];
    float[] w = l.weights();
    float[] ws = new float[out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        ws[j] = Math.max(ws[j], Math.abs(w[i * out + j]));
      }
    }
    for (int j = 0; j < out; j++) {
      ws[j] = ws[j] > 0 ? ws[j] / 127f : 1f;
    }
    byte[] q = new byte[w.length];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        q[i * out + j] = (byte) Math.max(-127, Math.min(127, Math.round(w[i * out + j] / ws[j])));
      }
    }
    float[] bias = l.bias().length == 0 ? new float[out] : l.bias().clone();
    return new Kernel() {
      @Override
      public void apply(float[] x, int rows, float[] y) {
        int[] acc = new int[out];
        for (int r = 0; r < rows; r++) {
          float max = 0;
          for (int i = 0; i < in; i++) {
            max = Math.max(max, Math.abs(x[r * in + i]));
          }
          float xs = max > 0 ? max / 127f : 1f;
          java.util.Arrays.fill(acc, 0);
          for (int i = 0; i < in; i++) {
            int xi = Math.round(x[r * in + i] / xs);
            if (xi == 0) {
              continue;
            }
            int wo = i * out;
            for (int j = 0; j < out; j++) {
              acc[j] += xi * q[wo + j];
            }
          }
          int yo = r * out;
          for (int j = 0; j < out; j++) {
            y[yo + j] = acc[j] * xs * ws[j] + bias[j];
          }
        }
      }

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
        return "int8";
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
    checkDense(l);
    int in = l.shape()[0];
    int out = l.shape()[1];
    byte[] codes = new byte[c.codes().length];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = (byte) c.codes()[i];
    }
    float[] book = c.codebook().clone();
    float[] bias = l.bias().length == 0 ? new float[out] : l.bias().clone();
    return new Kernel() {
      @Override
      public void apply(float[] x, int rows, float[] y) {
        for (int r = 0; r < rows; r++) {
          int yo = r * out;
          System.arraycopy(bias, 0, y, yo, out);
          for (int i = 0; i < in; i++) {
            float xi = x[r * in + i];
            if (xi == 0f) {
              continue;
            }
            int wo = i * out;
            for (int j = 0; j < out; j++) {
              y[yo + j] += xi * book[codes[wo + j] & 0xff];
            }
          }
        }
      }

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
        return "codebook";
      }

      @Override
      public long weightBytes() {
        return codes.length + 4L * book.length;
      }
    };
  }
}
