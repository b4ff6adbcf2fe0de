package io.modelpress.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Greyscale images with integer labels, kept compact as bytes (one per pixel, row-major per image)
 * for broadcasting. {@code fingerprint} is the SHA-256 of the IDX headers and every byte read.
 */
public record LabeledImages(int count, int rows, int cols, byte[] pixels, int[] labels, byte[] fingerprint)
    implements Serializable {

  public LabeledImages {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(fingerprint, "fingerprint");
    if ((long) count * rows * cols != pixels.length || labels.length != count) {
      throw new IllegalArgumentException("inconsistent dataset: " + count + " × " + rows + " × " + cols
          + " with " + pixels.length + " pixels and " + labels.length + " labels");
    }
  }

  public int features() {
    return rows * cols;
  }

  public String fingerprintHex() {
    return HexFormat.of().formatHex(fingerprint);
  }

  /** Pixels of examples [from, to) scaled to [0, 1], row-major [to − from, features]. */
  public float[] features(int from, int to) {
    int f = features();
    float[] out = new float[(to - from) * f];
    for (int i = 0; i < out.length; i++) {
      out[i] = (pixels[from * f + i] & 0xff) / 255f;
    }
    return out;
  }

  /** The first {@code n} examples (the fingerprint is kept: it names the source, not the slice). */
  public LabeledImages head(int n) {
    int m = Math.min(n, count);
    return new LabeledImages(m, rows, cols, Arrays.copyOf(pixels, m * features()), Arrays.copyOf(labels, m), fingerprint);
  }

  /** Examples [from, to) (the fingerprint is kept: it names the source, not the slice). */
  public LabeledImages slice(int from, int to) {
    if (from < 0 || to > count || from > to) {
      throw new IndexOutOfBoundsException("examples [" + from + ", " + to + ") of " + count);
    }
    int f = features();
    return new LabeledImages(to - from, rows, cols, Arrays.copyOfRange(pixels, from * f, to * f),
        Arrays.copyOfRange(labels, from, to), fingerprint);
  }

  public int maxLabel() {
    int max = -1;
    for (int y : labels) {
      max = Math.max(max, y);
    }
    return max;
  }
}
