package io.modelpress.data;

import io.modelpress.spec.Normalization;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Content fingerprints of data read from Parquet or image folders: SHA-256 over a header (count, shape,
 * classes, storage, normalization, class names) and then, in order, every example's own SHA-256 of its
 * values as read (after decoding, before normalization: unsigned bytes as bytes, floats as their IEEE
 * bits) and its label. The same values give the same fingerprint whatever the files, and whether the split
 * is held in one piece or in shards: each shard digests its own examples.
 */
public final class Fingerprints {

  /** Bytes of one example's digest. */
  public static final int DIGEST = 32;

  private Fingerprints() {}

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Example {@code e}'s digest: its {@code f} values (bytes, or floats when {@code pixels} is empty) and label. */
  public static byte[] example(byte[] pixels, float[] values, int e, int f, int label, MessageDigest sha) {
    sha.reset();
    if (pixels.length > 0) {
      sha.update(pixels, e * f, f);
    } else {
      ByteBuffer b = ByteBuffer.allocate(4 * f);
      for (int i = 0; i < f; i++) {
        b.putInt(Float.floatToIntBits(values[e * f + i]));
      }
      sha.update(b.array());
    }
    sha.update(ByteBuffer.allocate(4).putInt(label).array());
    return sha.digest();
  }

  /** The digests of every example of {@code d}, concatenated. */
  public static byte[] examples(LabeledImages d) {
    MessageDigest sha = sha256();
    byte[] out = new byte[DIGEST * d.count()];
    for (int e = 0; e < d.count(); e++) {
      System.arraycopy(example(d.pixels(), d.values(), e, d.features(), d.labels()[e], sha), 0, out, e * DIGEST, DIGEST);
    }
    return out;
  }

  /** The fingerprint of examples whose digests are {@code digests} (in order), shaped and normalized so. */
  public static byte[] of(long count, String shape, int classes, boolean bytes, Normalization normalize,
      List<String> classNames, List<byte[]> digests) {
    MessageDigest sha = sha256();
    sha.update(("modelpress-data-2;" + count + ";" + shape + ";" + classes + ";" + (bytes ? "u8" : "f32") + ";"
        + normalize.canonical() + ";" + String.join("/", classNames) + ";").getBytes(StandardCharsets.UTF_8));
    for (byte[] d : digests) {
      sha.update(d);
    }
    return sha.digest();
  }

  /** The fingerprint of {@code d}'s values and labels with {@code normalize} and {@code classNames}. */
  public static byte[] of(LabeledImages d, Normalization normalize, List<String> classNames) {
    return of(d.count(), d.shape(), d.classes(), d.bytes(), normalize, classNames, List.of(examples(d)));
  }
}
