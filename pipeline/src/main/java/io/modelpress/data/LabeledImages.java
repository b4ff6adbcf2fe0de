package io.modelpress.data;

import io.modelpress.spec.Normalization;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Labelled examples of {@code channels × height × width} values each (row-major CHW per example), kept
 * compact for broadcasting: unsigned bytes in {@code pixels} (IDX files, tinyint columns, decoded images)
 * or floats in {@code values} (float, double and wider integer columns); the other array is empty. The
 * network's inputs are the stored values through {@code normalize}. {@code fingerprint} is the SHA-256 of
 * the values read and the normalization (IDX: of the files' headers and bytes).
 *
 * @param classes the dataset's class count: labels are in [0, classes)
 */
public record LabeledImages(int count, int channels, int height, int width, int classes, byte[] pixels, float[] values,
    int[] labels, Normalization normalize, byte[] fingerprint) implements Serializable {

  public LabeledImages {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(normalize, "normalize");
    Objects.requireNonNull(fingerprint, "fingerprint");
    long n = (long) count * channels * height * width;
    if (channels <= 0 || height <= 0 || width <= 0 || classes <= 0 || labels.length != count
        || (pixels.length != n && values.length != n) || (pixels.length > 0 && values.length > 0)) {
      throw new IllegalArgumentException("inconsistent dataset: " + count + " × " + channels + " × " + height + " × "
          + width + " with " + pixels.length + " pixels, " + values.length + " values, " + labels.length
          + " labels and " + classes + " classes");
    }
  }

  /** One-channel images of unsigned bytes, 10 classes, scaled to [0, 1]: MNIST's kind. */
  public LabeledImages(int count, int rows, int cols, byte[] pixels, int[] labels, byte[] fingerprint) {
    this(count, 1, rows, cols, 10, pixels, new float[0], labels, Normalization.UNIT, fingerprint);
  }

  /** Values per example: C·H·W. */
  public int features() {
    return channels * height * width;
  }

  /** True when the values are stored as unsigned bytes. */
  public boolean bytes() {
    return values.length == 0;
  }

  /** "C×H×W", e.g. "1×28×28". */
  public String shape() {
    return channels + "×" + height + "×" + width;
  }

  public String fingerprintHex() {
    return HexFormat.of().formatHex(fingerprint);
  }

  /** The network inputs of examples [from, to): row-major [to − from, features], normalized. */
  public float[] features(int from, int to) {
    float[] out = new float[(to - from) * features()];
    for (int e = from; e < to; e++) {
      example(e, out, (e - from) * features());
    }
    return out;
  }

  /** The network input of example {@code e}, normalized, into {@code x} at {@code offset}. */
  public void example(int e, float[] x, int offset) {
    int f = features();
    int plane = height * width;
    int base = e * f;
    if (bytes()) {
      for (int i = 0; i < f; i++) {
        x[offset + i] = normalize.apply(pixels[base + i] & 0xff, i / plane);
      }
    } else {
      for (int i = 0; i < f; i++) {
        x[offset + i] = normalize.apply(values[base + i], i / plane);
      }
    }
  }

  /** The first {@code n} examples (the fingerprint is kept: it names the source, not the slice). */
  public LabeledImages head(int n) {
    return slice(0, Math.min(n, count));
  }

  /** Examples [from, to) (the fingerprint is kept: it names the source, not the slice). */
  public LabeledImages slice(int from, int to) {
    if (from < 0 || to > count || from > to) {
      throw new IndexOutOfBoundsException("examples [" + from + ", " + to + ") of " + count);
    }
    int f = features();
    return new LabeledImages(to - from, channels, height, width, classes,
        bytes() ? Arrays.copyOfRange(pixels, from * f, to * f) : pixels,
        bytes() ? values : Arrays.copyOfRange(values, from * f, to * f),
        Arrays.copyOfRange(labels, from, to), normalize, fingerprint);
  }

  /** The same values with another normalization and fingerprint. */
  public LabeledImages with(Normalization n, byte[] newFingerprint) {
    return new LabeledImages(count, channels, height, width, classes, pixels, values, labels, n, newFingerprint);
  }

  public int maxLabel() {
    int max = -1;
    for (int y : labels) {
      max = Math.max(max, y);
    }
    return max;
  }
}
