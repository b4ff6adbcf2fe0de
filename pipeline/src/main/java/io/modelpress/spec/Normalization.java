package io.modelpress.spec;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * How stored values become network inputs (the {@code dataset.normalize} block): {@code x · scale}, then
 * {@code (x − mean[c]) / std[c]} per channel {@code c} (torchvision's {@code ToTensor} then {@code Normalize}).
 * Empty {@code mean} and {@code std} mean no per-channel step.
 */
public record Normalization(double scale, float[] mean, float[] std) implements Serializable {

  /** Bytes (0–255) to [0, 1]: what IDX, unsigned-byte and image data get unless {@code normalize} says otherwise. */
  public static final Normalization UNIT = new Normalization(1 / 255.0, new float[0], new float[0]);

  /** Values taken as they are: what float and double features get unless {@code normalize} says otherwise. */
  public static final Normalization IDENTITY = new Normalization(1, new float[0], new float[0]);

  public Normalization {
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(std, "std");
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new SpecException("scale", "is set to " + scale + " but must be a finite number > 0");
    }
    if (mean.length != std.length) {
      throw new SpecException("mean", "has " + mean.length + " values but 'std' has " + std.length
          + "; give one of each per channel");
    }
    for (int c = 0; c < std.length; c++) {
      if (!(std[c] > 0) || Float.isInfinite(std[c]) || !Float.isFinite(mean[c])) {
        throw new SpecException("std", "is " + std[c] + " (mean " + mean[c] + ") for channel " + c
            + " but must be a finite number > 0 (a std of 0 divides by zero)");
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** Refuses per-channel values whose count is not the data's {@code channels}. */
  public void check(int channels) {
    if (mean.length != 0 && mean.length != channels) {
      throw new SpecException("normalize", "has " + mean.length + " mean and std values but the data has "
          + channels + " channel" + (channels == 1 ? "" : "s") + "; give one per channel");
    }
  }

  /** The input of stored value {@code x} of channel {@code c}. */
  public float apply(double x, int c) {
    double v = x * scale;
    return mean.length == 0 ? (float) v : (float) ((v - mean[c]) / std[c]);
  }

  /** A stable text of the three parts, for fingerprints. */
  public String canonical() {
    return "scale=" + scale + ";mean=" + Arrays.toString(mean) + ";std=" + Arrays.toString(std);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization n && n.scale == scale && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scale, Arrays.hashCode(mean), Arrays.hashCode(std));
  }

  @Override
  public String toString() {
    return canonical();
  }
}
