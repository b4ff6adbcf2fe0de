package io.modelpress.measure;

import java.io.Serializable;
import java.util.List;

/**
 * A device we cannot run on, described by a few figures (conf/devices.yaml), and a roofline-style
 * <em>estimate</em> of a compressed model's latency and energy on it. Every layer takes the longer of
 * its compute time (executed MACs at the device's int8 or fp32 peak, sparse layers at a fraction of it)
 * and its weight-traffic time (bytes at the memory bandwidth); a fixed overhead per inference is added.
 * Energy is MACs × energy per MAC plus weight bytes × energy per byte. The int8 peak and energy apply
 * only to layers of uniform integer codes ({@link LayerWorkload.Arithmetic#INT8}); every other layer runs
 * at the fp32 figures, codebook layers (k-means, powers of two) included: their kernel multiplies the fp32
 * entries it looks up. A profile has no figure for those table reads, nor for the index reads of sparse
 * layers: they are left out, as are activations.
 *
 * @param fp32Gmacs peak fp32 multiply-accumulates per second, in 10^9
 * @param int8Gmacs peak int8 multiply-accumulates per second, in 10^9 (layers of uniform integer codes)
 * @param memoryGbps weight bandwidth in 10^9 bytes per second
 * @param sparseEfficiency the fraction of peak a sparse kernel reaches (irregular access, index decoding)
 * @param overheadUs fixed time per inference (dispatch, activations between layers), microseconds
 * @param weightMemoryBytes weight storage available to the model (flash of a microcontroller); 0: no limit
 */
public record DeviceProfile(String name, String description, double fp32Gmacs, double int8Gmacs, double memoryGbps,
    double sparseEfficiency, double overheadUs, double pjPerFp32Mac, double pjPerInt8Mac, double pjPerByte,
    long weightMemoryBytes) implements Serializable, io.modelpress.pareto.Objective.Device {

  /** The estimate of one model on this device. */
  public record Estimate(String device, double latencyMs, double energyUj, boolean computeBound, long weightBytes,
      boolean fits) implements Serializable {

    /** "compute" or "memory": what bounds the estimate. */
    public String bound() {
      return computeBound ? "compute" : "memory";
    }
  }

  public Estimate estimate(List<LayerWorkload> layers) {
    double seconds = overheadUs / 1e6;
    double compute = 0;
    double memory = 0;
    double pj = 0;
    long bytes = 0;
    for (LayerWorkload l : layers) {
      boolean int8 = l.arithmetic() == LayerWorkload.Arithmetic.INT8;
      double peak = (int8 ? int8Gmacs : fp32Gmacs) * 1e9 * (l.sparse() ? sparseEfficiency : 1.0);
      double c = l.executedMacs() / peak;
      double m = l.weightBytes() / (memoryGbps * 1e9);
      seconds += Math.max(c, m);
      compute += c;
      memory += m;
      pj += l.executedMacs() * (int8 ? pjPerInt8Mac : pjPerFp32Mac) + l.weightBytes() * pjPerByte;
      bytes += l.weightBytes();
    }
    return new Estimate(name, seconds * 1e3, pj / 1e6, compute >= memory, bytes,
        weightMemoryBytes == 0 || bytes <= weightMemoryBytes);
  }
}
