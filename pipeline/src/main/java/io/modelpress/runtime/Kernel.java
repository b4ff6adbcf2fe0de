package io.modelpress.runtime;

/**
 * How one dense layer's weights are stored and multiplied: {@code y[b, j] = Σ_i x[b, i] · W[i, j] + bias[j]}
 * for a batch of rows. Implementations hold the weights in the compressed form they execute.
 */
public interface Kernel {

  int inputs();

  int outputs();

  /** {@code y = x·W + bias} for {@code rows} rows; {@code x} is [rows × inputs], {@code y} [rows × outputs]. */
  void apply(float[] x, int rows, float[] y);

  /** The kind, as stored in result rows: dense-fp32, csr-fp32, int8, codebook. */
  String kind();

  /** Bytes of weight storage the kernel reads per inference (for roofline estimates). */
  long weightBytes();
}
