package io.modelpress.runtime;

/**
 * One layer of the forward pass over a batch of rows: a weighted layer, whose implementations hold the
 * weights in the compressed form they execute ({@code y[b, j] = Σ_i x[b, i] · W[i, j] + bias[j]} for a
 * dense layer, a 2-D convolution of the channels-first row for a convolution layer), or a pooling layer.
 * Kernels with scratch buffers serve one thread at a time.
 */
public interface Kernel {

  int inputs();

  int outputs();

  /**
   * The layer without its activation, for {@code rows} rows: {@code x} [rows × inputs] → {@code y}
   * [rows × outputs].
   */
  void apply(float[] x, int rows, float[] y);

  /**
   * The kind, as stored in result rows: dense-fp32, csr-fp32, int8, codebook for dense layers; the same
   * prefixed with conv- for convolutions; max-pool, avg-pool.
   */
  String kind();

  /** Bytes of weight storage the kernel reads per inference (for roofline estimates). */
  long weightBytes();
}
