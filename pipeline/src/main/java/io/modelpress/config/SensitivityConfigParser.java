package io.modelpress.config;

import io.modelpress.spec.Defaults;

import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SensitivitySpec;
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


  private SensitivityConfigParser() {}

  public static SensitivitySpec parse(String yaml, String source) {
    Node top = new Node(YamlText.read(yaml, source), "");
    top.requireKeys("version", "name", "seed", "model", "dataset", "layers", "prune", "quantize", "seeds",
        "interactions", "output", "eval-batch-size", "evaluation");
    SweepConfigParser.version(top, source);
    String name = top.string("name", Defaults.SENSITIVITY_NAME);
    long seed = top.has("seed") ? top.get("seed").asLong() : Defaults.SEED;
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
    int calibration = Defaults.CALIBRATION_BATCHES;
    if (top.has("prune")) {
      Node p = top.get("prune").requireKeys("methods", "sparsities", "calibration-batches");
      pruneMethods = p.has("methods") ? p.get("methods").list(SensitivityConfigParser::pruneMethod) : List.of();
      sparsities = p.has("sparsities") ? SweepConfigParser.levels(p.get("sparsities")) : List.of();
      calibration = (int) p.integer("calibration-batches", calibration);
    }
    List<QuantSpec.Algorithm> quantMethods = new ArrayList<>();
    List<Integer> bits = List.of();
    if (top.has("quantize")) {
      Node q = top.get("quantize").requireKeys("methods", "bits");
      quantMethods = q.has("methods")
          ? q.get("methods").list(n -> SweepConfigParser.enumValue(QuantSpec.Algorithm.values(), n.asText(), n.path))
          : List.of();
      bits = q.has("bits") ? q.get("bits").list(Node::asInt) : List.of();
    }
    int seeds = (int) top.integer("seeds", Defaults.SENSITIVITY_SEEDS);
    int pairs = Defaults.SENSITIVITY_PAIRS;
    if (top.has("interactions")) {
      pairs = (int) top.get("interactions").requireKeys("pairs").integer("pairs", pairs);
    }
    String output = top.string("output", Defaults.OUTPUT);
    int evalBatch = (int) top.integer("eval-batch-size", Defaults.EVAL_BATCH_SIZE);
    double limit = top.has("evaluation") ? top.get("evaluation").requireKeys("broadcast-limit-mb")
        .number("broadcast-limit-mb", Defaults.BROADCAST_LIMIT_MB) : Defaults.BROADCAST_LIMIT_MB;
    int p = pairs;
    int c = calibration;
    List<SensitivitySpec.PruneMethod> pm = pruneMethods;
    List<Double> sp = sparsities;
    List<QuantSpec.Algorithm> qm = quantMethods;
    List<Integer> b = bits;
    return top.checked(() -> new SensitivitySpec(name, seed, model, dataset, layers, pm, sp, qm, b, seeds, p, c, output,
        evalBatch, limit));
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
    return new SensitivitySpec.PruneMethod(c, structured ? PruneSpec.Structure.STRUCTURED : PruneSpec.Structure.UNSTRUCTURED);
  }
}
