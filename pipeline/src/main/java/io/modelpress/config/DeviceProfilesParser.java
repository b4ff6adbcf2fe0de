package io.modelpress.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelpress.measure.DeviceProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads device profiles ({@code conf/devices.yaml}, bundled as the default). */
public final class DeviceProfilesParser {

  /** The bundled profiles (a copy of conf/devices.yaml on the classpath). */
  public static final String BUNDLED = "io/modelpress/devices.yaml";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private DeviceProfilesParser() {}

  /** The profiles bundled with modelpress. */
  public static List<DeviceProfile> bundled() {
    try (InputStream in = DeviceProfilesParser.class.getClassLoader().getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException(BUNDLED + " is missing from the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "the bundled devices.yaml");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static List<DeviceProfile> parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException("device profiles " + source + " are not valid YAML" + YamlText.problem(e));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException("device profiles " + source + " are empty; start with 'version: 1' and 'devices:'");
    }
    Node top = new Node(root, "");
    top.requireKeys("version", "devices");
    if (!top.has("version") || top.get("version").asLong() != 1) {
      throw new ConfigException("device profiles " + source + " need 'version: 1'");
    }
    if (!top.has("devices")) {
      throw new ConfigException("device profiles " + source + " have no 'devices' list");
    }
    List<DeviceProfile> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Node d : top.get("devices").elements()) {
      d.requireKeys("name", "description", "fp32-gmacs", "int8-gmacs", "memory-gbps", "sparse-efficiency",
          "overhead-us", "pj-per-fp32-mac", "pj-per-int8-mac", "pj-per-byte", "weight-memory-bytes");
      String name = d.string("name", null);
      if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
        throw new ConfigException("a device in " + source + " has name " + (name == null ? "(none)" : "\"" + name
            + "\"") + "; names are lower-case letters, digits and '-'");
      }
      if (name.equals("measured") || !names.add(name)) {
        throw new ConfigException("device name '" + name + "' in " + source + " is "
            + (name.equals("measured") ? "reserved for this machine's measured latency" : "given twice"));
      }
      double sparse = positive(d, "sparse-efficiency", name);
      if (sparse > 1) {
        throw new ConfigException("'devices." + name + ".sparse-efficiency' is " + sparse + " but must be in (0, 1]");
      }
      long memory = d.integer("weight-memory-bytes", 0);
      if (memory < 0) {
        throw new ConfigException("'devices." + name + ".weight-memory-bytes' is " + memory + " but must be >= 0 (0: "
            + "no limit)");
      }
      out.add(new DeviceProfile(name, d.string("description", ""), positive(d, "fp32-gmacs", name),
          positive(d, "int8-gmacs", name), positive(d, "memory-gbps", name), sparse,
          nonNegative(d, "overhead-us", name), nonNegative(d, "pj-per-fp32-mac", name),
          nonNegative(d, "pj-per-int8-mac", name), nonNegative(d, "pj-per-byte", name), memory));
    }
    if (out.isEmpty()) {
      throw new ConfigException("device profiles " + source + " list no device");
    }
    return out;
  }

  private static double positive(Node d, String key, String device) {
    double v = required(d, key, device);
    if (!(v > 0)) {
      throw new ConfigException("'devices." + device + "." + key + "' is " + v + " but must be > 0");
    }
    return v;
  }

  private static double nonNegative(Node d, String key, String device) {
    double v = required(d, key, device);
    if (!(v >= 0)) {
      throw new ConfigException("'devices." + device + "." + key + "' is " + v + " but must be >= 0");
    }
    return v;
  }

  private static double required(Node d, String key, String device) {
    if (!d.has(key)) {
      throw new ConfigException("device '" + device + "' has no '" + key + "'");
    }
    return d.get(key).asDouble();
  }
}
