package io.modelpress.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * The weights of one weighted layer as plain arrays: the unit every compression algorithm works on.
 *
 * <p>{@code weights} is row-major ("c" order) over {@code shape}. Dense layers have shape
 * {@code [nIn, nOut]} with output channels on axis 1; convolution layers have shape
 * {@code [outChannels, inChannels, kH, kW]} with output channels on axis 0. {@code positions} is how many
 * times each weight is used per example (1 for dense, output height × width for convolution), so that
 * multiply-accumulates = weights × positions.
 */
public record LayerWeights(
    String name, LayerKind kind, int[] shape, int outAxis, int positions, float[] weights, float[] bias)
    implements java.io.Serializable {

  public LayerWeights {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(bias, "bias");
    long n = 1;
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException("layer '" + name + "' has shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != weights.length) {
      throw new IllegalArgumentException("layer '" + name + "' has shape " + Arrays.toString(shape)
          + " but " + weights.length + " weights");
    }
    if (outAxis < 0 || outAxis >= shape.length) {
      throw new IllegalArgumentException("layer '" + name + "' outAxis " + outAxis + " outside shape");
    }
    if (bias.length != 0 && bias.length != shape[outAxis]) {
      throw new IllegalArgumentException("layer '" + name + "' has " + bias.length + " biases for "
          + shape[outAxis] + " output channels");
    }
    if (positions < 1) {
      throw new IllegalArgumentException("layer '" + name + "' positions must be >= 1, got " + positions);
    }
  }

  public int size() {
    return weights.length;
  }

  public int outChannels() {
    return shape[outAxis];
  }

  /** Output channel of the weight at flat index {@code i}. */
  public int channelOf(int i) {
    return (i / channelStride()) % shape[outAxis];
  }

  /** Flat-index distance between consecutive output channels: {@code channelOf(i) = (i / stride) % outChannels}. */
  public int channelStride() {
    int stride = 1;
    for (int d = shape.length - 1; d > outAxis; d--) {
      stride *= shape[d];
    }
    return stride;
  }

  /** The output channel of every weight (for loops that need it per weight). */
  public int[] channels() {
    int stride = channelStride();
    int c = shape[outAxis];
    int[] out = new int[weights.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (i / stride) % c;
    }
    return out;
  }

  /** A copy of this layer holding {@code newWeights} instead of its weights. */
  public LayerWeights withWeights(float[] newWeights) {
    return new LayerWeights(name, kind, shape, outAxis, positions, newWeights, bias);
  }

  public int nonZeros() {
    int nz = 0;
    for (float w : weights) {
      if (w != 0f) {
        nz++;
      }
    }
    return nz;
  }
}
