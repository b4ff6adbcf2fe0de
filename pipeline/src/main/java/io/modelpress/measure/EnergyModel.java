package io.modelpress.measure;

import io.modelpress.compress.CompressedModel;

/**
 * An <em>estimate</em> of the energy of one inference, from the 45 nm per-operation figures of Horowitz
 * (ISSCC 2014, "Computing's energy problem"), as tabulated by Han et al. 2016 (Deep Compression, Table 1)
 * and Sze et al. 2017. It counts the operations of the kernel that executes each layer's compressed form
 * ({@link LayerWorkload}): the MACs it executes (a dense kernel multiplies every weight, zeros included;
 * a sparse one only the non-zeros), each at the arithmetic of the layer's values:
 * <ul>
 *   <li>fp32 values: fp32 multiply 3.7 pJ + fp32 add 0.9 pJ;
 *   <li>fp16 values: fp16 multiply 1.1 pJ + fp16 add 0.4 pJ;
 *   <li>uniform integer codes (2–8 bits): 8-bit integer multiply 0.2 pJ + 32-bit integer add 0.1 pJ (integer
 *       kernels accumulate in 32 bits);
 *   <li>codebook indices (k-means, powers of two): the codebook kernel reads the fp32 entry from its table
 *       (a 32-bit SRAM read, 5 pJ) and multiplies it in fp32 (3.7 + 0.9 pJ), so a codebook layer costs
 *       more arithmetic energy than an fp32 one; what it saves is weight traffic;
 * </ul>
 * plus, for a sparse layer, the column index read per executed MAC (a 32-bit SRAM read, 5 pJ); and the
 * weight traffic: the encoded weights read once per inference from DRAM, 640 pJ per 32 bits (models of
 * this size do not stay in a phone's on-chip SRAM between inferences).
 *
 * <p>Integer arithmetic is counted only for uniform integer codes. The JVM runtime's AUTO mode
 * ({@code CompiledModel}) executes those in fp32 too (per-tensor codes through its codebook kernel,
 * per-channel ones dense) and decodes sparse layers to fp32 CSR: this estimate describes kernels that
 * execute each compressed form as stored, not that runtime. Activations, the reads of weight values,
 * other SRAM traffic and control are left out. This ranks trials; it does not predict a device.
 */
public final class EnergyModel {

  public static final double FP32_MULT_PJ = 3.7;
  public static final double FP32_ADD_PJ = 0.9;
  public static final double FP16_MULT_PJ = 1.1;
  public static final double FP16_ADD_PJ = 0.4;
  public static final double INT8_MULT_PJ = 0.2;
  public static final double INT32_ADD_PJ = 0.1;
  /** A 32-bit read from an on-chip SRAM (8 KB cache): a codebook entry or a sparse column index. */
  public static final double SRAM_READ_32_PJ = 5;
  public static final double DRAM_PJ_PER_32_BITS = 640;

  private EnergyModel() {}

  /** Estimated microjoules per inference of {@code model} whose artifact is {@code encodedBytes} long. */
  public static double microjoulesPerInference(CompressedModel model, long encodedBytes) {
    double pj = 0;
    for (LayerWorkload l : LayerWorkload.of(model)) {
      double perMac = switch (l.arithmetic()) {
        case FP32 -> FP32_MULT_PJ + FP32_ADD_PJ;
        case FP16 -> FP16_MULT_PJ + FP16_ADD_PJ;
        case INT8 -> INT8_MULT_PJ + INT32_ADD_PJ;
        case CODEBOOK -> SRAM_READ_32_PJ + FP32_MULT_PJ + FP32_ADD_PJ;
      };
      if (l.sparse()) {
        perMac += SRAM_READ_32_PJ;
      }
      pj += l.executedMacs() * perMac;
    }
    pj += encodedBytes * 8 / 32.0 * DRAM_PJ_PER_32_BITS;
    return pj / 1e6;
  }
}
