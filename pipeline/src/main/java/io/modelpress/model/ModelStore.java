package io.modelpress.model;

import io.modelpress.data.LabeledImages;
import io.modelpress.spec.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saved models: reading and writing model files through Hadoop paths, SHA-256 fingerprints, and a local
 * cache of trained zoo models keyed by (architecture, training spec, training-data fingerprint) so that
 * a sweep trains its base model once and every later run reuses the same file, hence the same
 * fingerprint and trial ids.
 */
public final class ModelStore {

  private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

  private ModelStore() {}

  public static byte[] read(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new IllegalArgumentException("'model.path' is set to " + path + " but no such file exists; "
            + "train one with 'modelpress train' or fix the path");
      }
      try (InputStream in = fs.open(p)) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("'model.path' is set to " + path + " which cannot be read: "
          + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  /** Writes bytes to a Hadoop path through a temporary file renamed into place. */
  public static void write(byte[] bytes, String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      Path tmp = new Path(p.getParent(), "." + p.getName() + ".tmp");
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(bytes);
      }
      fs.delete(p, false);
      if (!fs.rename(tmp, p)) {
        throw new IOException("rename " + tmp + " to " + p + " failed");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write model file " + path + ": " + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /**
   * The bytes of a zoo model trained to {@code spec} on data with the given fingerprint, from the cache
   * folder or trained by {@code train} and cached.
   */
  public static byte[] cachedZoo(ModelSpec.Zoo spec, LabeledImages trainData, String cacheDir, Supplier<byte[]> train) {
    String key = hex(sha256((spec.name() + "|" + spec.train() + "|" + trainData.fingerprintHex()).getBytes(
        java.nio.charset.StandardCharsets.UTF_8))).substring(0, 16);
    java.nio.file.Path file = java.nio.file.Path.of(cacheDir, "models", spec.name() + "-" + key + ".zip");
    try {
      if (Files.exists(file)) {
        LOG.info("Using cached {} model {}", spec.name(), file);
        return Files.readAllBytes(file);
      }
      byte[] bytes = train.get();
      Files.createDirectories(file.getParent());
      java.nio.file.Path tmp = Files.createTempFile(file.getParent(), ".train", ".zip");
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      LOG.info("Cached trained {} model at {}", spec.name(), file);
      return bytes;
    } catch (IOException e) {
      throw new IllegalStateException("cannot use model cache " + file + ": " + e.getMessage(), e);
    }
  }
}
