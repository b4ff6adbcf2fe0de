package io.modelpress.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelpress.spec.SpecException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** A YAML node with its dotted path, for error messages that name the key. */
final class Node {

  final JsonNode json;
  final String path;

  Node(JsonNode json, String path) {
    this.json = json;
    this.path = path;
  }

  private String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** Rejects keys not in {@code valid}, listing the valid ones. */
  Node requireKeys(String... valid) {
    if (!json.isObject()) {
      throw new ConfigException("'" + (path.isEmpty() ? "(top level)" : path) + "' must be a mapping of keys, got "
          + describe(json));
    }
    Set<String> ok = new TreeSet<>(List.of(valid));
    Iterator<String> it = json.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!ok.contains(k)) {
        throw new ConfigException("unknown key '" + key(k) + "'; valid keys " + (path.isEmpty() ? "at the top level" : "in '" + path + "'")
            + ": " + String.join(", ", ok));
      }
    }
    return this;
  }

  boolean has(String name) {
    return json.has(name) && !json.get(name).isNull();
  }

  Node get(String name) {
    if (!has(name)) {
      throw new ConfigException("missing key '" + key(name) + "'");
    }
    return new Node(json.get(name), key(name));
  }

  String string(String name, String dflt) {
    if (!has(name)) {
      return dflt;
    }
    JsonNode v = json.get(name);
    if (!v.isTextual() && !v.isNumber()) {
      throw new ConfigException("'" + key(name) + "' is set to " + describe(v) + " but must be a string");
    }
    return v.asText();
  }

  long integer(String name, long dflt) {
    return has(name) ? get(name).asLong() : dflt;
  }

  double number(String name, double dflt) {
    return has(name) ? get(name).asDouble() : dflt;
  }

  long asLong() {
    if (!json.isIntegralNumber()) {
      throw new ConfigException("'" + path + "' is set to " + describe(json) + " but must be an integer");
    }
    return json.asLong();
  }

  int asInt() {
    long v = asLong();
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new ConfigException("'" + path + "' is set to " + v + " which is out of range");
    }
    return (int) v;
  }

  double asDouble() {
    if (!json.isNumber()) {
      throw new ConfigException("'" + path + "' is set to " + describe(json) + " but must be a number");
    }
    return json.asDouble();
  }

  boolean asBoolean() {
    if (!json.isBoolean()) {
      throw new ConfigException("'" + path + "' is set to " + describe(json) + " but must be true or false");
    }
    return json.asBoolean();
  }

  String asText() {
    if (!json.isTextual()) {
      throw new ConfigException("'" + path + "' is set to " + describe(json) + " but must be a string");
    }
    return json.asText();
  }

  /** A scalar or a list of scalars, each converted by {@code f}. */
  <T> List<T> list(Function<Node, T> f) {
    List<T> out = new ArrayList<>();
    if (json.isArray()) {
      for (int i = 0; i < json.size(); i++) {
        out.add(f.apply(new Node(json.get(i), path + "[" + i + "]")));
      }
      if (out.isEmpty()) {
        throw new ConfigException("'" + path + "' is an empty list; give at least one value");
      }
    } else {
      out.add(f.apply(this));
    }
    return out;
  }

  /** Elements of a list of mappings. */
  List<Node> elements() {
    if (!json.isArray()) {
      throw new ConfigException("'" + path + "' must be a list, got " + describe(json));
    }
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      out.add(new Node(json.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  /**
   * Runs {@code check} (a record's constructor), turning what it refuses into one line naming the key in
   * the file: a {@link SpecException}'s key is relative to this node.
   */
  <T> T checked(java.util.function.Supplier<T> check) {
    try {
      return check.get();
    } catch (ConfigException e) {
      throw e;
    } catch (SpecException e) {
      String relative = e.key();
      java.util.regex.Matcher indexed = java.util.regex.Pattern.compile("([\\w-]+)\\[\\d+]").matcher(relative);
      if (indexed.matches() && json.has(indexed.group(1)) && !json.get(indexed.group(1)).isArray()) {
        relative = indexed.group(1); // one value or a range in the file: its key names it
      }
      String key = relative.isEmpty() ? path : path.isEmpty() ? relative : relative.startsWith("[") ? path + relative
          : path + "." + relative;
      throw new ConfigException(key.isEmpty() ? e.problem() : "'" + key + "' " + e.problem());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(path.isEmpty() ? e.getMessage() : "'" + path + "': " + e.getMessage());
    }
  }

  static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "\"" + v.asText() + "\"";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.toString();
  }
}
