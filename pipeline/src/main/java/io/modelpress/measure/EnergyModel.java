package io.modelpress.measure;

import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;

/**
 * An <em>estimate</em> of the energy of one inference, from the 45 nm per-operation figures of Horowitz
 * (ISSCC 2014, "Computing's energy problem"), as tabulated by Han et al. 2016 (Deep Compression, Table 1)
 * and Sze et al. 2017. Two terms:
 * <ul>
 *   <li>arithmetic: every multiply-accumulate with a non-zero weight (a sparse kernel skips zeros) costs
 *       one multiply and one add at the layer's weight precision — fp32 (3.7 + 0.9 pJ), fp16
 *       (1.1 + 0.4 pJ), or 8-bit integer for weights of 2–8 bits, codebook indices included
 *       (0.2 + 0.03 pJ);
 *   <li>weight traffic: the encoded weights are read once per inference from DRAM, 640 pJ per 32 bits
 *       (models of this size do not stay in a phone's on-chip SRAM between inferences).
 * </ul>
 * Activations, SRAM traffic and control are left out. This ranks trials; it does not predict a device.
 */
public final class EnergyModel {

  public static final double FP32_MAC_PJ = 3.7 + 0.9;
  public static final double FP16_MAC_PJ = 1.1 + 0.4;
  public static final double INT8_MAC_PJ = 0.2 + 0.03;
  public static final double DRAM_PJ_PER_32_BITS = 640;

  private EnergyModel() {}

  /** Estimated microjoules per inference of {@code model} whose artifact is {@code encodedBytes} long. */
  public static double microjoulesPerInference(CompressedModel model, long encodedBytes) {
    double pj = 0;
    for (LayerWeights l : model.weights().layers()) {
      ValueCoding c = model.coding(l.name());
      double mac = c.valueBits() <= 8 ? INT8_MAC_PJ : c.valueBits() == 16 ? FP16_MAC_PJ : FP32_MAC_PJ;
      pj += (double) l.nonZeros() * l.positions() * mac;
    }
    pj += encodedBytes * 8 / 32.0 * DRAM_PJ_PER_32_BITS;
    return pj / 1e6;
  }
}
