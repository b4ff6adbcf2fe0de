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

  /**
   * e.g. {@code 0.1.0-SNAPSHOT (commit 1a2b3c4+dirty, content 0f1e2d3c4b5a6978, built 2026-11-28T13:00:00Z)}:
   * the commit and dirty flag as the build recorded them (git-commit-id-maven-plugin, never read at run
   * time), the content version of the classes that run ({@link #content}).
   */
  public static String code() {
    String commit = P.getProperty("commit", "unknown");
    if (commit.isEmpty() || commit.startsWith("${")) {
      commit = "unknown"; // built outside a git work tree
    }
    String dirty = "true".equals(P.getProperty("dirty")) ? "+dirty" : "";
    return P.getProperty("version", "unknown") + " (commit " + commit + dirty + ", content " + content() + ", built "
        + P.getProperty("built", "?") + ")";
  }

  private static volatile String content;

  /**
   * A digest of the modelpress code that runs (SHA-256 of every {@code io/modelpress} class file of the
   * pipeline and jobs code sources, by name, benchmarks excepted; the first 16 hex digits): the same for
   * identical code however often it is rebuilt (javac output is a function of the source), different as
   * soon as one class differs. Run fingerprints and nightly reuse key on it.
   */
  public static String content() {
    String c = content;
    if (c == null) {
      c = digestOfCode();
      content = c;
    }
    return c;
  }

  private static String digestOfCode() {
    java.util.TreeMap<String, byte[]> classes = new java.util.TreeMap<>();
    java.util.Set<String> sources = new java.util.LinkedHashSet<>();
    for (String name : new String[] {"io.modelpress.model.Versions", "io.modelpress.cli.Cli"}) {
      try {
        Class<?> k = Class.forName(name, false, Versions.class.getClassLoader());
        java.security.CodeSource cs = k.getProtectionDomain().getCodeSource();
        if (cs != null && cs.getLocation() != null) {
          sources.add(cs.getLocation().toURI().getPath());
        }
      } catch (ClassNotFoundException | java.net.URISyntaxException e) {
        // jobs not on the class path (pipeline tests): the pipeline's classes alone
      }
    }
    try {
      for (String source : sources) {
        java.nio.file.Path p = java.nio.file.Path.of(source);
        if (java.nio.file.Files.isDirectory(p)) {
          try (var walk = java.nio.file.Files.walk(p)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) walk::iterator) {
              String rel = p.relativize(f).toString().replace('\\', '/');
              if (counts(rel)) {
                classes.put(rel, java.nio.file.Files.readAllBytes(f));
              }
            }
          }
        } else {
          try (var jar = new java.util.jar.JarFile(p.toFile())) {
            for (var e : java.util.Collections.list(jar.entries())) {
              if (counts(e.getName())) {
                try (InputStream in = jar.getInputStream(e)) {
                  classes.put(e.getName(), in.readAllBytes());
                }
              }
            }
          }
        }
      }
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      for (var e : classes.entrySet()) {
        md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(e.getValue());
      }
      return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot read the code's classes: " + e.getMessage(), e);
    }
  }

  private static boolean counts(String path) {
    return path.startsWith("io/modelpress/") && path.endsWith(".class") && !path.startsWith("io/modelpress/bench/");
  }

  public static String dl4j() {
    return P.getProperty("dl4j", "unknown");
  }
}
