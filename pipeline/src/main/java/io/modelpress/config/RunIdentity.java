package io.modelpress.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What makes a run's rows what they are: its config (in the config's own schema, {@link ConfigWriter})
 * without the keys that change no row ({@code name}, {@code output}), and the code's content version. Two
 * attempts of one run id may share rows only when their identities are equal; {@link #fingerprint} is
 * stored on the runs row and on every trial row, and {@link #firstDifference} names the first key that
 * differs when they are not.
 *
 * @param configJson the config as {@link ConfigWriter#json} writes it
 * @param code the code's content version ({@link io.modelpress.model.Versions#content})
 */
public record RunIdentity(String configJson, String code) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The config keys that change no row: they do not enter the fingerprint. */
  static final java.util.Set<String> IGNORED = java.util.Set.of("name", "output");

  /** SHA-256 (hex, first 32 digits) of the code version and the config's row-changing keys, keys sorted. */
  public String fingerprint() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(("code " + code + "\n").getBytes(StandardCharsets.UTF_8));
      md.update(canonical(rowKeys(configJson)).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Where {@code earlier} (the identity an earlier attempt stored) and this differ, as a user reads it:
   * {@code "'seed' is 7 there and 8 here"}, the first differing key in config order (nested keys dotted,
   * list elements by index); empty when the fingerprints are equal.
   */
  public Optional<String> firstDifference(RunIdentity earlier) {
    if (earlier.fingerprint().equals(fingerprint())) {
      return Optional.empty();
    }
    Optional<String> d = diff("", rowKeys(earlier.configJson), rowKeys(configJson));
    if (d.isPresent()) {
      return d;
    }
    return Optional.of("the code differs (content version " + earlier.code + " there and " + code + " here)");
  }

  /** The JSON of {@code identity}, as the sidecar of a run stores it. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("code", code);
    o.set("config", parse(configJson));
    return o.toPrettyString();
  }

  /** Reads what {@link #toJson} wrote. */
  public static RunIdentity fromJson(String json) {
    JsonNode o = parse(json);
    return new RunIdentity(o.get("config").toString(), o.get("code").asText());
  }

  private static JsonNode rowKeys(String configJson) {
    JsonNode n = parse(configJson).deepCopy();
    if (n instanceof ObjectNode o) {
      IGNORED.forEach(o::remove);
    }
    return n;
  }

  private static Optional<String> diff(String path, JsonNode a, JsonNode b) {
    if (b == null) {
      return Optional.of(key(path) + " is " + a + " there and not set here");
    }
    if (a.equals(b)) {
      return Optional.empty();
    }
    if (a.isObject() && b.isObject()) {
      TreeSet<String> seen = new TreeSet<>();
      for (Iterator<String> it = a.fieldNames(); it.hasNext();) {
        String k = it.next();
        seen.add(k);
        Optional<String> d = diff(join(path, k), a.get(k), b.has(k) ? b.get(k) : null);
        if (d.isPresent()) {
          return d;
        }
      }
      for (Iterator<String> it = b.fieldNames(); it.hasNext();) {
        String k = it.next();
        if (!seen.contains(k)) {
          return Optional.of(key(join(path, k)) + " is not set there and is " + b.get(k) + " here");
        }
      }
    } else if (a.isArray() && b.isArray()) {
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        Optional<String> d = diff(path + "[" + i + "]", a.get(i), b.get(i));
        if (d.isPresent()) {
          return d;
        }
      }
      return Optional.of(key(path) + " has " + a.size() + " entries there and " + b.size() + " here");
    }
    return Optional.of(key(path) + " is " + (a == null ? "not set" : a.toString()) + " there and "
        + (b == null ? "not set" : b.toString()) + " here");
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String key(String path) {
    return "'" + path + "'";
  }

  private static String canonical(JsonNode n) {
    if (n.isObject()) {
      StringBuilder s = new StringBuilder("{");
      new TreeSet<String>(iterable(n.fieldNames())).forEach(k -> s.append(JSON.valueToTree(k).toString()).append(':')
          .append(canonical(n.get(k))).append(','));
      return s.append('}').toString();
    }
    if (n.isArray()) {
      StringBuilder s = new StringBuilder("[");
      n.forEach(e -> s.append(canonical(e)).append(','));
      return s.append(']').toString();
    }
    return n.toString();
  }

  private static java.util.List<String> iterable(Iterator<String> it) {
    java.util.List<String> l = new java.util.ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }
}
