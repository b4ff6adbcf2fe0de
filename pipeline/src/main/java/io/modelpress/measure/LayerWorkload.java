package io.modelpress.measure;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The work one layer of a compressed model does per inference, in the form a device would execute it:
 * what device estimates ({@link DeviceProfile#estimate}) and the energy estimate ({@link EnergyModel}) are
 * computed from, stored with every trial.
 *
 * @param macs multiply-accumulates of the dense layer (weights × positions)
 * @param executedMacs the MACs a kernel executes: non-zero weights × positions when the layer runs
 *     sparse, all of them otherwise (a dense kernel multiplies zero weights too)
 * @param sparse whether the layer runs as a sparse kernel (at least half its weights are zero, as the
 *     runtime's AUTO choice)
 * @param valueBits bits per stored weight value (32 fp32, 16 fp16, 1–8 integer codes or codebook indices)
 * @param weightBytes bytes of weights read per inference: values at {@code valueBits}, plus a 16-bit
 *     index per non-zero and a 32-bit row pointer per input when sparse, plus fp32 biases
 * @param arithmetic what each executed MAC multiplies: see {@link Arithmetic}
 */
public record LayerWorkload(String layer, long macs, long executedMacs, boolean sparse, int valueBits,
    long weightBytes, Arithmetic arithmetic) implements Serializable {

  /** The sparsity at which a layer runs as a sparse kernel. */
  public static final double SPARSE_AT = 0.5;

  /**
   * The arithmetic of a layer's multiply-accumulates, from how its values are coded. Only uniform integer
   * codes are integer arithmetic: codebook values are arbitrary fp32 numbers reached through a table.
   */
  public enum Arithmetic {
    /** fp32 values: an fp32 multiply and add. */
    FP32,
    /** fp16 values: an fp16 multiply and add. */
    FP16,
    /**
     * Uniform integer codes of 2–8 bits ({@code w = scale · (code − zero point)}): an 8-bit integer
     * multiply accumulated in 32 bits, the scale applied once per output, as an integer kernel executes
     * them ({@code Kernels.int8}, ONNX QLinearMatMul, CMSIS-NN).
     */
    INT8,
    /**
     * Codebook indices (k-means centroids, powers of two): the fp32 entry is read from the table, then
     * multiplied and added in fp32, as {@code Kernels.codebook} does.
     */
    CODEBOOK;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The arithmetic that executes values coded by {@code c}. */
    public static Arithmetic of(ValueCoding c) {
      if (c instanceof ValueCoding.Codebook) {
        return CODEBOOK;
      }
      if (c instanceof ValueCoding.Uniform) {
        return INT8;
      }
      return c instanceof ValueCoding.Fp16 ? FP16 : FP32;
    }

    /** By {@link #id()}. */
    public static Arithmetic byId(String id) {
      return valueOf(id.toUpperCase(Locale.ROOT));
    }

    /**
     * For rows written before workloads recorded their arithmetic: what those rows' estimates assumed
     * (every layer of ≤ 8-bit values as integer arithmetic, codebook layers included).
     */
    public static Arithmetic assumedBefore(int valueBits) {
      return valueBits <= 8 ? INT8 : valueBits == 16 ? FP16 : FP32;
    }
  }

  public LayerWorkload {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(arithmetic, "arithmetic");
  }

  public static List<LayerWorkload> of(CompressedModel model) {
    List<LayerWorkload> out = new ArrayList<>();
    for (LayerWeights l : model.weights().layers()) {
      ValueCoding coding = model.coding(l.name());
      int bits = coding.valueBits();
      long nnz = l.nonZeros();
      boolean sparse = 1.0 - (double) nnz / l.size() >= SPARSE_AT;
      // CSR row pointers: per input of a dense layer, per output filter of a convolution
      long rows = l.kind() == io.modelpress.weights.LayerKind.CONV ? l.outChannels() : l.size() / l.outChannels();
      long values = sparse ? (nnz * (bits + 16) + 7) / 8 + 4 * (rows + 1) : ((long) l.size() * bits + 7) / 8;
      out.add(new LayerWorkload(l.name(), (long) l.size() * l.positions(), (sparse ? nnz : l.size()) * l.positions(),
          sparse, bits, values + 4L * l.bias().length, Arithmetic.of(coding)));
    }
    return out;
  }
}
