package io.modelpress.data;

import io.modelpress.spec.Normalization;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Content fingerprints of data read from Parquet or image folders: SHA-256 over the shape, the values as
 * read (after decoding, before normalization: unsigned bytes as bytes, floats as their IEEE bits), the
 * labels, the class names when folders name them, and the normalization. The same values give the same
 * fingerprint whatever the files, so trial ids stay content-addressed.
 */
public final class Fingerprints {

  private Fingerprints() {}

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fingerprint of {@code d}'s values and labels with {@code normalize} and {@code classNames}. */
  public static byte[] of(LabeledImages d, Normalization normalize, List<String> classNames) {
    MessageDigest sha = sha256();
    sha.update(("modelpress-data-1;" + d.count() + ";" + d.shape() + ";" + d.classes() + ";" + (d.bytes() ? "u8" : "f32")
        + ";" + normalize.canonical() + ";" + String.join("/", classNames) + ";").getBytes(StandardCharsets.UTF_8));
    if (d.bytes()) {
      sha.update(d.pixels());
    } else {
      ByteBuffer b = ByteBuffer.allocate(1 << 16);
      for (float v : d.values()) {
        if (b.remaining() < 4) {
          sha.update(b.array(), 0, b.position());
          b.clear();
        }
        b.putInt(Float.floatToIntBits(v));
      }
      sha.update(b.array(), 0, b.position());
    }
    ByteBuffer labels = ByteBuffer.allocate(4 * d.labels().length);
    for (int y : d.labels()) {
      labels.putInt(y);
    }
    sha.update(labels.array());
    return sha.digest();
  }
}
