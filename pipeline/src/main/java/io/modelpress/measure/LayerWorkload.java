package io.modelpress.measure;

import io.modelpress.compress.CompressedModel;
import io.modelpress.weights.LayerWeights;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The work one layer of a compressed model does per inference, in the form a device would execute it:
 * what device estimates ({@link DeviceProfile#estimate}) are computed from, stored with every trial.
 *
 * @param macs multiply-accumulates of the dense layer (weights × positions)
 * @param executedMacs the MACs a kernel executes: non-zero weights × positions when the layer runs
 *     sparse, all of them otherwise
 * @param sparse whether the layer runs as a sparse kernel (at least half its weights are zero, as the
 *     runtime's AUTO choice)
 * @param valueBits bits per stored weight value (32 fp32, 16 fp16, 1–8 integer codes or codebook indices)
 * @param weightBytes bytes of weights read per inference: values at {@code valueBits}, plus a 16-bit
 *     index per non-zero and a 32-bit row pointer per input when sparse, plus fp32 biases
 */
public record LayerWorkload(String layer, long macs, long executedMacs, boolean sparse, int valueBits,
    long weightBytes) implements Serializable {

  /** The sparsity at which a layer runs as a sparse kernel. */
  public static final double SPARSE_AT = 0.5;

  public static List<LayerWorkload> of(CompressedModel model) {
    List<LayerWorkload> out = new ArrayList<>();
    for (LayerWeights l : model.weights().layers()) {
      int bits = model.coding(l.name()).valueBits();
      long nnz = l.nonZeros();
      boolean sparse = 1.0 - (double) nnz / l.size() >= SPARSE_AT;
      // CSR row pointers: per input of a dense layer, per output filter of a convolution
      long rows = l.kind() == io.modelpress.weights.LayerKind.CONV ? l.outChannels() : l.size() / l.outChannels();
      long values = sparse ? (nnz * (bits + 16) + 7) / 8 + 4 * (rows + 1) : ((long) l.size() * bits + 7) / 8;
      out.add(new LayerWorkload(l.name(), (long) l.size() * l.positions(), (sparse ? nnz : l.size()) * l.positions(),
          sparse, bits, values + 4L * l.bias().length));
    }
    return out;
  }
}
