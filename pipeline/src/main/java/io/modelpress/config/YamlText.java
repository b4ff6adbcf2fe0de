package io.modelpress.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A config file's text as a tree. YAML lets a mapping repeat a key, the last value silently winning; a
 * config that does is refused here, naming the key and both lines. JSON text is YAML too, so the
 * {@code config_json} of a run reads back through the same door.
 */
final class YamlText {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private YamlText() {}

  /** The tree of {@code text}; {@code source} names the file in messages. */
  static JsonNode read(String text, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + source + " is not valid YAML" + problem(e));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException("config " + source + " is empty; start it with 'version: 1'");
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(true); // found and reported below, with both lines
    duplicates(new Yaml(options).compose(new StringReader(text)), "", source);
    return root;
  }

  /** Refuses a mapping anywhere in the tree that repeats a key. */
  private static void duplicates(Node node, String path, String source) {
    if (node instanceof MappingNode m) {
      Map<String, Integer> lines = new HashMap<>();
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
        String where = key == null ? path : path.isEmpty() ? key : path + "." + key;
        if (key != null) {
          int line = t.getKeyNode().getStartMark().getLine() + 1;
          Integer first = lines.putIfAbsent(key, line);
          if (first != null) {
            throw new ConfigException("key '" + where + "' appears twice in " + source + ", at line " + first
                + " and line " + line + "; keep one");
          }
        }
        duplicates(t.getValueNode(), where, source);
      }
    } else if (node instanceof SequenceNode s) {
      for (int i = 0; i < s.getValue().size(); i++) {
        duplicates(s.getValue().get(i), path + "[" + i + "]", source);
      }
    }
  }

  /** " at line L, column C: problem" on one line, from SnakeYAML's multi-line message. */
  static String problem(JsonProcessingException e) {
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
      return " at line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1)
          + ": " + m.getProblem();
    }
    String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr();
    return where + ": " + e.getOriginalMessage().lines().findFirst().orElse("").strip();
  }
}
