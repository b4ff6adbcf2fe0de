package io.modelpress.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a trial back from its canonical JSON (the {@code spec_json} column), the inverse of
 * {@link TrialSpec#canonicalJson()}: {@code fromCanonicalJson(s.canonicalJson()).equals(s)}.
 */
public final class TrialSpecs {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TrialSpecs() {}

  public static TrialSpec fromCanonicalJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("spec_json is not JSON: " + e.getOriginalMessage());
    }
    List<CompressionStep> steps = new ArrayList<>();
    for (JsonNode s : root.path("steps")) {
      String step = s.path("step").asText();
      steps.add(switch (step) {
        case "prune" -> prune(s);
        case "finetune" -> new FineTuneSpec(s.path("epochs").asInt(), s.path("learning-rate").asDouble(),
            s.path("batch-size").asInt(), enumOf(FineTuneSpec.Schedule.class, s.path("schedule").asText()),
            s.has("prune-steps") ? s.path("prune-steps").asInt() : Defaults.PRUNE_STEPS);
        case "quantize" -> quant(s);
        case "distill" -> new DistillSpec(s.path("student").asText(), s.path("temperature").asDouble(),
            s.path("alpha").asDouble(), s.path("epochs").asInt(), s.path("learning-rate").asDouble(),
            s.path("batch-size").asInt(), s.path("seed").asInt(),
            enumOf(DistillSpec.Parallelism.class, s.path("parallelism").asText()),
            s.path("averaging-frequency").asInt(0), s.path("validation").asInt(0));
        default -> throw new IllegalArgumentException("spec_json has an unknown step '" + step + "'");
      });
    }
    return new TrialSpec(steps);
  }

  private static PruneSpec prune(JsonNode s) {
    PruneSpec.Scope scope = enumOf(PruneSpec.Scope.class, s.path("scope").asText());
    PruneSpec.Criterion criterion = enumOf(PruneSpec.Criterion.class, s.path("method").asText());
    PruneSpec.Structure structure = s.has("structure")
        ? enumOf(PruneSpec.Structure.class, s.path("structure").asText()) : PruneSpec.Structure.UNSTRUCTURED;
    int calibration = s.has("calibration-batches") ? s.path("calibration-batches").asInt()
        : Defaults.CALIBRATION_BATCHES;
    if (s.path("sparsity").isObject()) {
      java.util.Map<String, Double> m = new java.util.TreeMap<>();
      s.path("sparsity").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
      return PruneSpec.perLayer(m, criterion, structure, calibration);
    }
    double level = scope == PruneSpec.Scope.THRESHOLD ? s.path("threshold").asDouble() : s.path("sparsity").asDouble();
    return new PruneSpec(scope, level, layers(s.path("layers")),
        enumOf(PruneSpec.Criterion.class, s.path("method").asText()),
        s.has("structure") ? enumOf(PruneSpec.Structure.class, s.path("structure").asText()) : PruneSpec.Structure.UNSTRUCTURED,
        s.has("calibration-batches") ? s.path("calibration-batches").asInt() : Defaults.CALIBRATION_BATCHES);
  }

  private static QuantSpec quant(JsonNode s) {
    String method = s.path("method").asText();
    if (s.path("bits").isObject()) {
      java.util.Map<String, Integer> m = new java.util.TreeMap<>();
      s.path("bits").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
      QuantSpec q = QuantSpec.perLayer(m, enumOf(QuantSpec.Algorithm.class, method));
      return new QuantSpec(q.bits(), q.scheme(), q.granularity(), q.layers(), q.algorithm(),
          s.has("clip-percentile") ? s.path("clip-percentile").asDouble() : 100.0,
          s.path("train").isObject() ? s.path("train").path("epochs").asInt() : 0,
          s.path("train").isObject() ? s.path("train").path("learning-rate").asDouble()
              : Defaults.QUANT_TRAIN_LEARNING_RATE, m);
    }
    int bits = s.path("bits").asInt();
    QuantSpec.Algorithm algorithm = method.startsWith("fp") ? QuantSpec.Algorithm.UNIFORM
        : enumOf(QuantSpec.Algorithm.class, method);
    QuantSpec.Scheme scheme = s.has("scheme") ? enumOf(QuantSpec.Scheme.class, s.path("scheme").asText())
        : QuantSpec.Scheme.SYMMETRIC;
    QuantSpec.Granularity granularity = s.has("granularity")
        ? enumOf(QuantSpec.Granularity.class, s.path("granularity").asText()) : QuantSpec.Granularity.PER_TENSOR;
    JsonNode train = s.path("train");
    return new QuantSpec(bits, scheme, granularity, layers(s.path("layers")), algorithm,
        s.has("clip-percentile") ? s.path("clip-percentile").asDouble() : 100.0,
        train.isObject() ? train.path("epochs").asInt() : 0,
        train.isObject() ? train.path("learning-rate").asDouble() : Defaults.QUANT_TRAIN_LEARNING_RATE);
  }

  private static LayerSelector layers(JsonNode l) {
    return new LayerSelector(strings(l.path("names")), l.path("regex").asText(""), strings(l.path("types")),
        strings(l.path("exclude")));
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.forEach(e -> out.add(e.asText()));
    return out;
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, String id) {
    try {
      return Enum.valueOf(type, id.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("spec_json has '" + id + "', not a " + type.getSimpleName().toLowerCase(Locale.ROOT));
    }
  }
}
