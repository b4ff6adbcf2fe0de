package io.modelpress.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SensitivitySpec;
import io.modelpress.spec.SweepSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Sensitivity YAML (format {@code version: 1}) → {@link SensitivitySpec}:
 *
 * <pre>
 * version: 1
 * name: mnist-mlp-sensitivity
 * model: {zoo: mlp-64-64}
 * dataset: mnist
 * layers: {exclude: [out]}              # optional selector, default every weighted layer
 * prune:
 *   methods: [magnitude, taylor, magnitude-structured]
 *   sparsities: {from: 0.1, to: 0.95, step: 0.05}
 *   calibration-batches: 16
 * quantize:
 *   methods: [uniform, kmeans]          # uniform is symmetric per-channel
 *   bits: [2, 3, 4, 5, 6, 7, 8]
 * seeds: 3                              # bootstrap resamples of the test set
 * interactions: {pairs: 3}              # layer pairs changed together
 * </pre>
 */
public final class SensitivityConfigParser {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private SensitivityConfigParser() {}

  public static SensitivitySpec parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + source + " is not valid YAML" + SweepConfigParser.yamlProblem(e));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException("config " + source + " is empty; start it with 'version: 1'");
    }
    Node top = new Node(root, "");
    top.requireKeys("version", "name", "seed", "model", "dataset", "layers", "prune", "quantize", "seeds",
        "interactions", "output", "eval-batch-size");
    if (!top.has("version") || top.get("version").asLong() != SweepConfigParser.VERSION) {
      throw new ConfigException("'version' must be " + SweepConfigParser.VERSION + " in " + source);
    }
    String name = top.string("name", "sensitivity");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new ConfigException("'name' is set to \"" + name + "\" but must be letters, digits, '.', '_' or '-'");
    }
    long seed = top.has("seed") ? top.get("seed").asLong() : SweepSpec.DEFAULT_SEED;
    if (!top.has("model")) {
      throw new ConfigException("missing key 'model': give 'zoo' or 'path'");
    }
    ModelSpec model = SweepConfigParser.model(top.get("model"), seed);
    if (!top.has("dataset")) {
      throw new ConfigException("missing key 'dataset', e.g. 'dataset: mnist'");
    }
    DatasetSpec dataset = SweepConfigParser.dataset(top.get("dataset"));
    LayerSelector layers = top.has("layers") ? SweepConfigParser.selector(top.get("layers")) : LayerSelector.ALL;
    List<SensitivitySpec.PruneMethod> pruneMethods = new ArrayList<>();
    List<Double> sparsities = List.of();
    int calibration = PruneSpec.DEFAULT_CALIBRATION_BATCHES;
    if (top.has("prune")) {
      Node p = top.get("prune").requireKeys("methods", "sparsities", "calibration-batches");
      if (!p.has("methods") || !p.has("sparsities")) {
        throw new ConfigException("'prune' needs 'methods' and 'sparsities'");
      }
      pruneMethods = p.get("methods").list(SensitivityConfigParser::pruneMethod);
      sparsities = SweepConfigParser.levels(p.get("sparsities"));
      for (double s : sparsities) {
        if (!(s > 0 && s < 1)) {
          throw new ConfigException("'prune.sparsities' has " + s + " but every sparsity must be in (0, 1)");
        }
      }
      calibration = p.has("calibration-batches") ? p.get("calibration-batches").asInt() : calibration;
    }
    List<QuantSpec.Algorithm> quantMethods = new ArrayList<>();
    List<Integer> bits = List.of();
    if (top.has("quantize")) {
      Node q = top.get("quantize").requireKeys("methods", "bits");
      if (!q.has("methods") || !q.has("bits")) {
        throw new ConfigException("'quantize' needs 'methods' and 'bits'");
      }
      quantMethods = q.get("methods").list(n -> SweepConfigParser.enumValue(QuantSpec.Algorithm.values(), n.asText(), n.path));
      bits = q.get("bits").list(n -> {
        int v = n.asInt();
        if (v < 2 || v > 8) {
          throw new ConfigException("'" + n.path + "' is set to " + v + " but must be in 2..8");
        }
        return v;
      });
    }
    if (pruneMethods.isEmpty() && quantMethods.isEmpty()) {
      throw new ConfigException("config " + source + " has neither 'prune' nor 'quantize'; give one or both");
    }
    int seeds = top.has("seeds") ? top.get("seeds").asInt() : SensitivitySpec.DEFAULT_SEEDS;
    int pairs = SensitivitySpec.DEFAULT_PAIRS;
    if (top.has("interactions")) {
      Node i = top.get("interactions").requireKeys("pairs");
      pairs = i.has("pairs") ? i.get("pairs").asInt() : pairs;
    }
    String output = top.string("output", SweepSpec.DEFAULT_OUTPUT);
    int evalBatch = top.has("eval-batch-size") ? top.get("eval-batch-size").asInt() : SweepSpec.DEFAULT_EVAL_BATCH_SIZE;
    int p = pairs;
    int s = seeds;
    int c = calibration;
    List<SensitivitySpec.PruneMethod> pm = pruneMethods;
    List<Double> sp = sparsities;
    List<QuantSpec.Algorithm> qm = quantMethods;
    List<Integer> b = bits;
    try {
      return new SensitivitySpec(name, seed, model, dataset, layers, pm, sp, qm, b, s, p, c, output, evalBatch);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static SensitivitySpec.PruneMethod pruneMethod(Node n) {
    String text = n.asText();
    boolean structured = text.endsWith("-structured");
    String criterion = structured ? text.substring(0, text.length() - "-structured".length()) : text;
    PruneSpec.Criterion c;
    try {
      c = SweepConfigParser.enumValue(PruneSpec.Criterion.values(), criterion, n.path);
    } catch (ConfigException e) {
      throw new ConfigException("'" + n.path + "' is set to \"" + text + "\" but must be a criterion (magnitude, "
          + "gradient, taylor), optionally with '-structured', or taylor-abs-sum-structured / "
          + "mean-activation-structured / apoz-structured");
    }
    if (!structured && c.scoresNeuronsOnly()) {
      throw new ConfigException("'" + n.path + "' is " + text + ", which scores neurons; use " + text + "-structured");
    }
    return new SensitivitySpec.PruneMethod(c, structured ? PruneSpec.Structure.STRUCTURED : PruneSpec.Structure.UNSTRUCTURED);
  }
}
