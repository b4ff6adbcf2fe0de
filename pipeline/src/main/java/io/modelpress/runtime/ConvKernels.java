package io.modelpress.runtime;

import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
import java.util.Arrays;

/**
 * The kernels of 2-D convolutions and pooling over channels-first (c, h, w) rows. A convolution first
 * copies the row's patches into a column matrix (im2col: one row per filter tap (input channel, ky, kx),
 * one column per output position, padding as 0), then sums each output channel's taps times their
 * column rows into that channel's output plane: {@code y[oc, ·] = bias[oc] + Σ_i W[oc, i] · col[i, ·]}.
 * The inner loop ({@link Kernels#axpy}) runs over the output positions of one plane, so the JIT
 * vectorises it, and a weight is a scalar of that loop, so a sparse or coded weight costs one read per
 * plane, not per position. Weights are [outChannels, inChannels, kH, kW], row-major, as
 * {@link LayerWeights} holds them.
 */
final class ConvKernels {

  private ConvKernels() {}

  /** The convolution kernels over {@code w} (the layer's input shape, its window and its output size). */
  static Kernels.Forms forms(Window w) {
    return new Kernels.Forms(l -> dense(l, w), l -> csr(l, w), l -> int8(l, w), (l, c) -> codebook(l, c, w));
  }

  /**
   * What the convolution kernels share: the geometry, im2col into a reused column matrix, and the row
   * loop. The column rows and the plane being summed are separate arrays indexed from 0, which is what
   * lets C2 (JDK 17) vectorise the inner loop: with two different offsets into float arrays it does not.
   */
  private abstract static class ConvBase extends Kernels.Base {
    final Window w;
    /** Filter taps per output channel: inChannels × kH × kW. */
    final int taps;
    /** Output positions per channel. */
    final int positions;
    final int channels;
    // scratch: a kernel serves one thread at a time
    final float[][] col;
    final float[] plane;

    ConvBase(LayerWeights l, Window w, String kind) {
      super(l, w.inputs(), Kernels.dims(l, 4)[0] * w.positions(), kind);
      int[] s = l.shape();
      if (s[1] != w.channels() || s[2] != w.kH() || s[3] != w.kW()) {
        throw new IllegalArgumentException("layer '" + l.name() + "' has filters " + Arrays.toString(s) + " for "
            + w.channels() + " input channels and a " + w.kH() + "×" + w.kW() + " window");
      }
      this.w = w;
      this.channels = s[0];
      this.taps = s[1] * s[2] * s[3];
      this.positions = w.positions();
      this.col = new float[taps][positions];
      this.plane = new float[positions];
    }

    @Override
    final void row(float[] x, int xo, float[] y, int yo) {
      im2col(x, xo);
      planes(y, yo);
    }

    /** {@code y[yo + oc·positions + p] = bias[oc] + Σ_i W[oc, i] · col[i][p]} for every output channel. */
    abstract void planes(float[] y, int yo);

    /** Copies the summed {@link #plane} of output channel {@code oc} into {@code y}. */
    final void emit(int oc, float[] y, int yo) {
      System.arraycopy(plane, 0, y, yo + oc * positions, positions);
    }

    private void im2col(float[] x, int xo) {
      int i = 0;
      for (int ic = 0; ic < w.channels(); ic++) {
        int image = xo + ic * w.inH() * w.inW();
        for (int ky = 0; ky < w.kH(); ky++) {
          for (int kx = 0; kx < w.kW(); kx++) {
            float[] c = col[i++];
            int p = 0;
            for (int oy = 0; oy < w.outH(); oy++) {
              int iy = oy * w.strideH() + ky - w.padTop();
              int rowStart = image + iy * w.inW();
              boolean inside = iy >= 0 && iy < w.inH();
              for (int ox = 0; ox < w.outW(); ox++) {
                int ix = ox * w.strideW() + kx - w.padLeft();
                c[p++] = inside && ix >= 0 && ix < w.inW() ? x[rowStart + ix] : 0f;
              }
            }
          }
        }
      }
    }
  }

  /** An fp32 convolution: each output plane starts at its channel's bias and adds the channel's taps. */
  private abstract static class Fp32Conv extends ConvBase {
    Fp32Conv(LayerWeights l, Window w, String kind) {
      super(l, w, kind);
    }

    @Override
    final void planes(float[] y, int yo) {
      for (int oc = 0; oc < channels; oc++) {
        Arrays.fill(plane, bias[oc]);
        addTaps(oc);
        emit(oc, y, yo);
      }
    }

    /** {@code plane += Σ_i W[oc, i] · col[i]} over the channel's (stored) taps. */
    abstract void addTaps(int oc);
  }

  /** Dense fp32: every tap of every filter. */
  static Kernel dense(LayerWeights l, Window w) {
    float[] f = l.weights().clone();
    return new Fp32Conv(l, w, "conv-dense-fp32") {
      @Override
      void addTaps(int oc) {
        for (int i = 0; i < taps; i++) {
          Kernels.axpy(f[oc * taps + i], col[i], plane, positions);
        }
      }

      @Override
      public long weightBytes() {
        return 4L * f.length;
      }
    };
  }

  /**
   * Sparse fp32: per output channel, its non-zero taps as (tap, value) pairs in compressed sparse rows.
   * Zero weights cost nothing.
   */
  static Kernel csr(LayerWeights l, Window w) {
    float[] f = l.weights();
    int filters = Kernels.dims(l, 4)[0];
    Kernels.Csr m = Kernels.Csr.of(f, filters, f.length / filters);
    int nnz = m.col().length;
    int[] start = m.start();
    int[] tap = m.col();
    float[] val = m.val();
    return new Fp32Conv(l, w, "conv-csr-fp32") {
      @Override
      void addTaps(int oc) {
        for (int p = start[oc], e = start[oc + 1]; p < e; p++) {
          Kernels.axpy(val[p], col[tap[p]], plane, positions);
        }
      }

      @Override
      public long weightBytes() {
        return 8L * nnz + 4L * (filters + 1);
      }
    };
  }

  /**
   * int8 × int8 with int32 accumulation, as the dense {@link Kernels#int8}: weights symmetric per output
   * channel, the activations of each row (example) symmetric per row, quantized once in the column
   * matrix, which holds exactly the activations the layer reads, and zeros. The quantized column rows are
   * held as ints (values in [−127, 127]): C2 (JDK 17) vectorises int × int accumulation, not byte × int.
   */
  static Kernel int8(LayerWeights l, Window w) {
    float[] ws = Kernels.channelScales(l);
    byte[] q = Kernels.quantize(l, ws);
    return new ConvBase(l, w, "conv-int8") {
      private final int[][] qcol = new int[taps][positions];
      private final int[] acc = new int[positions];

      @Override
      void planes(float[] y, int yo) {
        float max = 0;
        for (float[] c : col) {
          for (float v : c) {
            max = Math.max(max, Math.abs(v));
          }
        }
        float xs = max > 0 ? max / 127f : 1f;
        for (int i = 0; i < taps; i++) {
          for (int p = 0; p < positions; p++) {
            qcol[i][p] = Math.round(col[i][p] / xs);
          }
        }
        for (int oc = 0; oc < channels; oc++) {
          Arrays.fill(acc, 0);
          for (int i = 0; i < taps; i++) {
            int qw = q[oc * taps + i];
            int[] c = qcol[i];
            for (int p = 0; p < positions; p++) {
              acc[p] += qw * c[p];
            }
          }
          float s = xs * ws[oc];
          for (int p = 0; p < positions; p++) {
            plane[p] = acc[p] * s + bias[oc];
          }
          emit(oc, y, yo);
        }
      }

      @Override
      public long weightBytes() {
        return q.length + 4L * channels;
      }
    };
  }

  /** Codebook weights: one byte code per tap and a table of at most 256 values, looked up once per tap and row. */
  static Kernel codebook(LayerWeights l, ValueCoding.Codebook c, Window w) {
    byte[] codes = Kernels.codes(l, c);
    float[] book = c.codebook().clone();
    return new Fp32Conv(l, w, "conv-codebook") {
      @Override
      void addTaps(int oc) {
        for (int i = 0; i < taps; i++) {
          Kernels.axpy(book[codes[oc * taps + i] & 0xff], col[i], plane, positions);
        }
      }

      @Override
      public long weightBytes() {
        return codes.length + 4L * book.length;
      }
    };
  }

  /**
   * Max or average pooling of every channel over {@code w}. Padding never wins a max; an average divides
   * by the window's cells inside the image, or by all kH × kW cells when {@code padInDivisor}.
   */
  static Kernel pool(boolean max, boolean padInDivisor, Window w) {
    int planeIn = w.inH() * w.inW();
    int planeOut = w.positions();
    return new Kernel() {
      @Override
      public int inputs() {
        return w.inputs();
      }

      @Override
      public int outputs() {
        return w.channels() * planeOut;
      }

      @Override
      public void apply(float[] x, int rows, float[] y) {
        for (int r = 0; r < rows * w.channels(); r++) {
          int xo = r * planeIn;
          int o = r * planeOut;
          for (int oy = 0; oy < w.outH(); oy++) {
            int y0 = Math.max(0, oy * w.strideH() - w.padTop());
            int y1 = Math.min(w.inH(), oy * w.strideH() - w.padTop() + w.kH());
            for (int ox = 0; ox < w.outW(); ox++) {
              int x0 = Math.max(0, ox * w.strideW() - w.padLeft());
              int x1 = Math.min(w.inW(), ox * w.strideW() - w.padLeft() + w.kW());
              float v = max ? Float.NEGATIVE_INFINITY : 0f;
              for (int iy = y0; iy < y1; iy++) {
                for (int ix = x0; ix < x1; ix++) {
                  float a = x[xo + iy * w.inW() + ix];
                  v = max ? Math.max(v, a) : v + a;
                }
              }
              y[o++] = max ? v : v / (padInDivisor ? w.kH() * w.kW() : (y1 - y0) * (x1 - x0));
            }
          }
        }
      }

      @Override
      public String kind() {
        return max ? "max-pool" : "avg-pool";
      }

      @Override
      public long weightBytes() {
        return 0;
      }
    };
  }
}
