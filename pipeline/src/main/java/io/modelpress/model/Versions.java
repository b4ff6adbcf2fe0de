package io.modelpress.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions of modelpress and the libraries it was built with, for provenance rows. */
public final class Versions {

  private static final Properties P = new Properties();

  static {
    try (InputStream in = Versions.class.getResourceAsStream("/io/modelpress/version.properties")) {
      if (in != null) {
        P.load(in);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private Versions() {}

  /** e.g. {@code 0.1.0-SNAPSHOT (commit 1a2b3c4, built 2026-11-28T13:00:00Z)}. */
  public static String code() {
    String commit = System.getProperty("modelpress.commit", P.getProperty("commit", "unknown"));
    return P.getProperty("version", "unknown") + " (commit " + commit + ", built " + P.getProperty("built", "?") + ")";
  }

  public static String dl4j() {
    return P.getProperty("dl4j", "unknown");
  }
}
