package io.modelpress.runtime;

import java.io.Serializable;
import java.util.List;

/**
 * What the runtime needs of a network besides its weights: the input image shape and the layers in
 * order. Weighted layers take their sizes from the weights (structured pruning shrinks them); their
 * activation and, for convolutions, their geometry come from here. Flattening between convolution and
 * dense layers is implicit and channels-first (c, h, w), as DL4J's {@code CnnToFeedForwardPreProcessor}.
 *
 * @param channels input channels (1 for a flat dense-only model)
 * @param height input rows (1 for a flat dense-only model)
 * @param width input columns (the feature count of a flat dense-only model)
 */
public record Architecture(int channels, int height, int width, List<Op> ops) implements Serializable {

  public Architecture {
    ops = List.copyOf(ops);
  }

  /** One layer of the network. */
  public sealed interface Op extends Serializable permits Dense, Conv, Pool {}

  /** A dense or output layer (the next weighted layer in {@code ModelWeights} order). */
  public record Dense(String activation) implements Op {}

  /**
   * A 2-D convolution (the next weighted layer), NCHW. {@code same}: DL4J's ConvolutionMode.Same, which
   * pads so the output is ceil(input / stride); otherwise {@code padH}, {@code padW} are explicit.
   */
  public record Conv(String activation, int strideH, int strideW, int padH, int padW, boolean same) implements Op {}

  /**
   * Max or average pooling (no weights), padded as {@link Conv}. An average divides by the window's cells
   * inside the image, or by all {@code kernelH × kernelW} cells when {@code padInDivisor}.
   */
  public record Pool(boolean max, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
      boolean same, boolean padInDivisor) implements Op {}

  /** A dense-only network of {@code inputs} features with one activation per weighted layer. */
  public static Architecture dense(int inputs, List<String> activations) {
    return new Architecture(1, 1, inputs, activations.stream().<Op>map(Dense::new).toList());
  }

  /** The activation of each weighted layer, in order. */
  public List<String> activations() {
    return ops.stream().filter(o -> !(o instanceof Pool))
        .map(o -> o instanceof Dense d ? d.activation() : ((Conv) o).activation()).toList();
  }
}
