package io.modelpress.runtime;

/**
 * Where a convolution or pooling window reads a channels-first (c, h, w) image: the input size, the
 * window, the stride, the top and left padding, and the output size. Input cells outside the image are
 * padding.
 */
record Window(int channels, int inH, int inW, int kH, int kW, int strideH, int strideW, int padTop, int padLeft,
    int outH, int outW) {

  /**
   * The window as DL4J 1.0.0-M2 places it ({@code ConvolutionUtils.getOutputSize} and
   * {@code getSameModeTopLeftPadding}). Truncate (and Strict): {@code out = ⌊(in + 2·pad − k) / stride⌋ + 1}.
   * Same: {@code out = ⌈in / stride⌉}, the padding is {@code (out − 1)·stride + k − in} in total, its
   * floor half at the top (left) and the rest at the bottom (right).
   *
   * @param layer the layer, for errors: "layer 'conv1'", "the pooling after layer 'conv1'"
   */
  static Window of(String layer, int channels, int inH, int inW, int kH, int kW, int strideH, int strideW, int padH,
      int padW, boolean same) {
    if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
      throw new IllegalArgumentException(layer + " has stride " + strideH + "×" + strideW + " and padding "
          + padH + "×" + padW + "; strides must be ≥ 1 and padding ≥ 0");
    }
    if (same) {
      int outH = (inH + strideH - 1) / strideH;
      int outW = (inW + strideW - 1) / strideW;
      int top = ((outH - 1) * strideH + kH - inH) / 2;
      int left = ((outW - 1) * strideW + kW - inW) / 2;
      if (top < 0 || left < 0) {
        throw new IllegalArgumentException(layer + ": a " + kH + "×" + kW + " window at stride " + strideH
            + "×" + strideW + " skips input rows or columns of a " + inH + "×" + inW + " input in Same mode");
      }
      return new Window(channels, inH, inW, kH, kW, strideH, strideW, top, left, outH, outW);
    }
    if (kH > inH + 2 * padH || kW > inW + 2 * padW) {
      throw new IllegalArgumentException(layer + " has a " + kH + "×" + kW + " window on a " + inH + "×"
          + inW + " input padded by " + padH + "×" + padW);
    }
    return new Window(channels, inH, inW, kH, kW, strideH, strideW, padH, padW,
        (inH + 2 * padH - kH) / strideH + 1, (inW + 2 * padW - kW) / strideW + 1);
  }

  /** Output positions per channel. */
  int positions() {
    return outH * outW;
  }

  int inputs() {
    return channels * inH * inW;
  }
}
