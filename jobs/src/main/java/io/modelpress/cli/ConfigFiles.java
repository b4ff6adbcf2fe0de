package io.modelpress.cli;

import io.modelpress.data.StorageErrors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The text of a file a command names: a local file is read before Spark starts (so a typo costs no Spark
 * start-up), any other Hadoop path once Spark's Hadoop configuration is there.
 */
public final class ConfigFiles {

  private ConfigFiles() {}

  /** Whether {@code path} names a file system other than the local one ({@code s3a://}, {@code hdfs://}, ...). */
  public static boolean isRemote(String path) {
    return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:/.*") && !path.startsWith("file:");
  }

  /** A local file's text, or null for a remote path; {@code key} names the setting in errors. */
  public static String readLocalOrNull(String path, String key) {
    if (isRemote(path)) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(path.startsWith("file:") ? path.substring(5) : path);
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserError("'" + key + "' is set to " + path + " but no such file exists");
    } catch (IOException e) {
      throw new UserError("cannot read config " + path + ": " + StorageErrors.explain(e));
    }
  }

  /** The text of a file on any Hadoop path. */
  public static String readHadoop(String path, Configuration conf) {
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError("cannot read config " + path + ": " + StorageErrors.explain(e));
    }
  }

  /** The text of {@code path}: read locally when it is local, else through {@code conf}. */
  public static String read(String path, String key, Configuration conf) {
    String local = readLocalOrNull(path, key);
    return local != null ? local : readHadoop(path, conf);
  }
}
