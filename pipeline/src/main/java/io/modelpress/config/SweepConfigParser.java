package io.modelpress.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelpress.data.Datasets;
import io.modelpress.model.Zoo;
import io.modelpress.pareto.Objective;
import io.modelpress.spec.AllocateSpec;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.Defaults;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.EvolveSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.EvalEngine;
import io.modelpress.spec.LatencySpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.NightlySpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.SweepSpec.GridScope;
import io.modelpress.spec.SweepSpec.PruneGrid;
import io.modelpress.spec.SweepSpec.QuantGrid;
import io.modelpress.spec.TrainSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Sweep YAML (format {@code version: 1}, kebab-case keys) → {@link SweepSpec}. This class maps keys to
 * record fields and nothing else: values are checked by the records' constructors, whose refusals
 * ({@link io.modelpress.spec.SpecException}) come out as one line naming the key path in the file
 * ({@link Node#checked}); keys left out take {@link Defaults}. Unknown keys, keys given twice and values
 * of the wrong type are refused here, naming the key. {@link ConfigWriter} writes the other way.
 */
public final class SweepConfigParser {

  public static final int VERSION = 1;

  /** Metrics that may be objectives: numeric columns of the trials table. */
  public static final Set<String> OBJECTIVE_METRICS = Set.of("accuracy", "accuracy_drop", "macro_f1", "encoded_bytes",
      "compression_ratio", "macs", "effective_macs", "energy_estimate_uj", "params", "nonzero_params", "sparsity",
      "latency_b1_p50_ms", "latency_b1_p95_ms", "latency_b32_p50_ms", "latency_b32_p95_ms");
  /** The metrics as an error message lists them: the columns and the estimate on a device profile. */
  private static final Set<String> OBJECTIVE_METRICS_DOCUMENTED = java.util.stream.Stream.concat(
      OBJECTIVE_METRICS.stream(), java.util.stream.Stream.of(Objective.ESTIMATED + "[@DEVICE]"))
      .collect(java.util.stream.Collectors.toSet());

  private SweepConfigParser() {}

  /** Parses YAML (or JSON) text; {@code source} names the file in messages. */
  public static SweepSpec parse(String yaml, String source) {
    Node top = new Node(YamlText.read(yaml, source), "");
    top.requireKeys("version", "name", "seed", "model", "dataset", "search", "objectives", "output", "eval-batch-size",
        "evaluation",
        "sample", "latency", "devices", "nightly");
    version(top, source);
    if (top.has("nightly")) {
      nightly(top.get("nightly")); // validated with the rest; modelpress nightly reads it with nightly(yaml, source)
    }
    long seed = top.has("seed") ? top.get("seed").asLong() : Defaults.SEED;
    if (!top.has("model")) {
      throw new ConfigException("missing key 'model': give 'zoo' or 'path'");
    }
    ModelSpec model = model(top.get("model"), seed);
    if (!top.has("dataset")) {
      throw new ConfigException("missing key 'dataset', e.g. 'dataset: mnist'");
    }
    DatasetSpec dataset = dataset(top.get("dataset"));
    if (!top.has("search")) {
      throw new ConfigException("missing key 'search': list the prune/quantize blocks to sweep");
    }
    List<SearchBlock> search = new ArrayList<>();
    for (Node b : top.get("search").elements()) {
      search.add(block(b, search.size(), dataset.trainLimit()));
    }
    LatencySpec latency = top.has("latency") ? latency(top.get("latency")) : Defaults.LATENCY;
    Optional<List<Objective>> objectives = top.has("objectives") ? Optional.of(objectives(top.get("objectives")))
        : Optional.empty();
    Optional<String> devices = top.has("devices") ? Optional.of(top.get("devices").asText()) : Optional.empty();
    String name = top.string("name", Defaults.SWEEP_NAME);
    String output = top.string("output", Defaults.OUTPUT);
    int evalBatch = top.has("eval-batch-size") ? top.get("eval-batch-size").asInt() : Defaults.EVAL_BATCH_SIZE;
    int sample = top.has("sample") ? top.get("sample").asInt() : Defaults.SAMPLE;
    Node ev = top.has("evaluation") ? top.get("evaluation").requireKeys("broadcast-limit-mb", "engine") : null;
    double broadcastLimit = ev == null ? Defaults.BROADCAST_LIMIT_MB
        : ev.number("broadcast-limit-mb", Defaults.BROADCAST_LIMIT_MB);
    EvalEngine engine = ev == null ? EvalEngine.DL4J
        : ev.checked(() -> EvalEngine.of(ev.string("engine", EvalEngine.DL4J.id())));
    return top.checked(() -> new SweepSpec(name, seed, model, dataset, search, objectives, output, evalBatch, sample,
        latency, devices, broadcastLimit, engine));
  }

  /** Refuses a file without {@code version: 1}. */
  static void version(Node top, String source) {
    if (!top.has("version")) {
      throw new ConfigException("missing key 'version' in " + source + "; add 'version: 1' as the first line");
    }
    long version = top.get("version").asLong();
    if (version != VERSION) {
      throw new ConfigException("'version' is set to " + version + " but this modelpress reads version " + VERSION);
    }
  }

  /**
   * The {@code nightly:} block of a config ({@link Defaults#NIGHTLY} when it has none); the config must be a
   * valid sweep config too.
   */
  public static NightlySpec nightly(String yaml, String source) {
    parse(yaml, source);
    JsonNode n = YamlText.read(yaml, source).path("nightly");
    return n.isMissingNode() || n.isNull() ? Defaults.NIGHTLY : nightly(new Node(n, "nightly"));
  }

  private static NightlySpec nightly(Node n) {
    n.requireKeys("max-best-accuracy-drop", "max-hypervolume-drop", "max-trial-accuracy-drop");
    NightlySpec d = Defaults.NIGHTLY;
    double best = n.number("max-best-accuracy-drop", d.maxBestAccuracyDrop());
    double hv = n.number("max-hypervolume-drop", d.maxHypervolumeDrop());
    double trial = n.number("max-trial-accuracy-drop", d.maxTrialAccuracyDrop());
    return n.checked(() -> new NightlySpec(best, hv, trial));
  }

  /** The {@code latency:} block; keys left out take {@link Defaults#LATENCY}'s values. */
  private static LatencySpec latency(Node l) {
    l.requireKeys("enabled", "warmup", "runs", "min-runs", "budget-ms", "max-iqr-ratio", "retries", "confirm-rounds",
        "engine");
    LatencySpec d = Defaults.LATENCY;
    boolean enabled = !l.has("enabled") || l.get("enabled").asBoolean();
    if (!enabled) {
      return LatencySpec.OFF;
    }
    int warmup = (int) l.integer("warmup", d.warmup());
    int runs = (int) l.integer("runs", d.runs());
    int minRuns = (int) l.integer("min-runs", d.minRuns());
    double budget = l.number("budget-ms", d.budgetMs());
    double iqr = l.number("max-iqr-ratio", d.maxIqrRatio());
    int retries = (int) l.integer("retries", d.retries());
    int confirm = (int) l.integer("confirm-rounds", d.confirmRounds());
    String engine = l.string("engine", d.engine().id());
    return l.checked(() -> new LatencySpec(true, warmup, runs, minRuns, budget, iqr, retries, confirm,
        LatencySpec.Engine.of(engine)));
  }

  static ModelSpec model(Node m, long seed) {
    m.requireKeys("zoo", "path", "onnx", "train");
    if ((m.has("zoo") ? 1 : 0) + (m.has("path") ? 1 : 0) + (m.has("onnx") ? 1 : 0) != 1) {
      throw new ConfigException("'model' needs exactly one of 'zoo' (one of " + Zoo.NAMES + "), 'path' (a saved DL4J "
          + "model) or 'onnx' (an ONNX file)");
    }
    if (!m.has("zoo") && m.has("train")) {
      throw new ConfigException("'model.train' applies to 'model.zoo' only; remove it or use 'zoo'");
    }
    if (m.has("path")) {
      return new ModelSpec.Saved(m.get("path").asText());
    }
    if (m.has("onnx")) {
      return new ModelSpec.Onnx(m.get("onnx").asText());
    }
    String zoo = m.get("zoo").asText();
    if (!Zoo.NAMES.contains(zoo)) {
      throw new ConfigException("'model.zoo' is set to \"" + zoo + "\" but must be one of " + Zoo.NAMES);
    }
    Node t = m.has("train") ? m.get("train").requireKeys("epochs", "batch-size", "learning-rate", "seed")
        : new Node(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), m.path + ".train");
    int epochs = (int) t.integer("epochs", Defaults.TRAIN_EPOCHS);
    int batch = (int) t.integer("batch-size", Defaults.TRAIN_BATCH_SIZE);
    double lr = t.number("learning-rate", Defaults.TRAIN_LEARNING_RATE);
    long s = t.integer("seed", seed);
    return new ModelSpec.Zoo(zoo, t.checked(() -> new TrainSpec(epochs, batch, lr, s)));
  }

  /**
   * The {@code dataset} block of any config file: a sweep, sensitivity or distillation config, or one that
   * holds only {@code version} and {@code dataset}. The file's other keys are left to their own commands.
   */
  public static DatasetSpec dataset(String yaml, String source) {
    Node top = new Node(YamlText.read(yaml, source), "");
    version(top, source);
    if (!top.has("dataset")) {
      throw new ConfigException("missing key 'dataset' in " + source + ", e.g. 'dataset: {format: parquet, "
          + "train: PATH, test: PATH, features: pixels, label: label, shape: [1, 28, 28]}'");
    }
    return dataset(top.get("dataset"));
  }

  static DatasetSpec dataset(Node d) {
    if (d.json.isTextual()) {
      return dataset(new Node(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
          .put("name", d.json.asText()), d.path));
    }
    d.requireKeys("format", "name", "dir", "train", "test", "features", "image", "label", "shape", "classes",
        "normalize", "resize", "train-limit", "test-limit");
    String format = d.string("format", d.has("name") || !d.has("train") ? "idx" : "");
    if (format.isEmpty()) {
      throw new ConfigException("'" + d.path + ".format' is missing; with 'train' and 'test' it must be one of "
          + DatasetSpec.FORMATS.subList(1, DatasetSpec.FORMATS.size()));
    }
    String name = d.string("name", "");
    if (format.equals("idx") && !Datasets.NAMES.contains(name)) {
      throw new ConfigException("'dataset.name' is set to \"" + name + "\" but must be one of " + Datasets.NAMES
          + " (other data: 'format: parquet' or 'format: image-folder' with 'train' and 'test')");
    }
    for (String k : new String[] {"name", "dir"}) {
      if (!format.equals("idx") && d.has(k)) {
        throw new ConfigException("'" + d.path + "." + k + "' applies to format idx only; format " + format
            + " reads 'train' and 'test'");
      }
    }
    int trainLimit = (int) d.integer("train-limit", 0);
    int testLimit = (int) d.integer("test-limit", 0);
    java.util.List<Integer> shape = d.has("shape") ? d.get("shape").list(Node::asInt) : java.util.List.of();
    java.util.Optional<io.modelpress.spec.Normalization> normalize = d.has("normalize")
        ? java.util.Optional.of(normalization(d.get("normalize"))) : java.util.Optional.empty();
    boolean resize = d.has("resize") && d.get("resize").asBoolean();
    return d.checked(() -> new DatasetSpec(format, name, d.string("dir", ""), d.string("train", ""),
        d.string("test", ""), d.string("features", ""), d.string("image", ""),
        d.string("label", format.equals("parquet") ? "label" : ""), shape, (int) d.integer("classes", 0), normalize,
        resize, trainLimit, testLimit));
  }

  private static io.modelpress.spec.Normalization normalization(Node n) {
    n.requireKeys("scale", "mean", "std");
    if (!n.has("scale")) {
      throw new ConfigException("'" + n.path + ".scale' is missing; e.g. 0.00392156862745098 (1/255) for bytes or "
          + "images, 1 for values already scaled");
    }
    double scale = n.number("scale", 1);
    float[] mean = floats(n, "mean");
    float[] std = floats(n, "std");
    return n.checked(() -> new io.modelpress.spec.Normalization(scale, mean, std));
  }

  private static float[] floats(Node n, String key) {
    if (!n.has(key)) {
      return new float[0];
    }
    java.util.List<Double> v = n.get(key).list(Node::asDouble);
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i).floatValue();
    }
    return out;
  }

  /** One search block: which keys it has decides its kind; the kind's record checks the values. */
  private static SearchBlock block(Node b, int index, int trainLimit) {
    b.requireKeys("name", "prune", "finetune", "quantize", "allocate", "evolve", "distill");
    String name = b.string("name", "block" + index);
    if (b.has("distill") && (b.has("allocate") || b.has("evolve"))) {
      throw new ConfigException("'" + b.path + "' has 'distill' with 'allocate' or 'evolve'; a distillation block "
          + "may chain 'prune', 'finetune' and 'quantize' on its students only");
    }
    if (b.has("evolve")) {
      if (b.has("prune") || b.has("quantize") || b.has("allocate") || b.has("finetune")) {
        throw new ConfigException("'" + b.path + "' has 'evolve' with 'prune', 'quantize', 'allocate' or 'finetune'; "
            + "an evolve block chooses its own per-layer levels, give only 'evolve'");
      }
      return b.checked(() -> new SearchBlock.Evolve(name, evolve(b.get("evolve"))));
    }
    Optional<FineTuneSpec> finetune = b.has("finetune") ? Optional.of(finetune(b.get("finetune"))) : Optional.empty();
    if (b.has("allocate")) {
      if (b.has("prune") || b.has("quantize")) {
        throw new ConfigException("'" + b.path + "' has 'allocate' and 'prune'/'quantize'; an allocation block takes "
            + "its levels from the sensitivity run, so give only 'allocate' (and optionally a one-shot 'finetune')");
      }
      AllocateSpec allocate = allocate(b.get("allocate"));
      return b.checked(() -> new SearchBlock.Allocate(name, allocate, finetune, List.of()));
    }
    Optional<PruneGrid> prune = b.has("prune") ? Optional.of(prune(b.get("prune"))) : Optional.empty();
    Optional<QuantGrid> quant = b.has("quantize") ? Optional.of(quant(b.get("quantize"))) : Optional.empty();
    if (b.has("distill")) {
      SweepSpec.DistillGrid distill = distill(b.get("distill"), trainLimit);
      return b.checked(() -> new SearchBlock.Distill(name, distill, prune, finetune, quant));
    }
    return b.checked(() -> new SearchBlock.Grid(name, prune, finetune, quant));
  }

  private static EvolveSpec evolve(Node e) {
    e.requireKeys("sparsities", "bits", "prune-method", "quantize-method", "population", "generations");
    if (!e.has("sparsities") || !e.has("bits")) {
      throw new ConfigException("'" + e.path + "' needs 'sparsities' and 'bits' (the per-layer choices)");
    }
    List<Double> sparsities = levels(e.get("sparsities"));
    List<Integer> bits = e.get("bits").list(Node::asInt);
    PruneSpec.Criterion pm = e.has("prune-method")
        ? enumValue(PruneSpec.Criterion.values(), e.get("prune-method").asText(), e.path + ".prune-method")
        : Defaults.EVOLVE_PRUNE_METHOD;
    QuantSpec.Algorithm qm = e.has("quantize-method")
        ? enumValue(QuantSpec.Algorithm.values(), e.get("quantize-method").asText(), e.path + ".quantize-method")
        : Defaults.EVOLVE_QUANT_METHOD;
    int population = (int) e.integer("population", Defaults.EVOLVE_POPULATION);
    int generations = (int) e.integer("generations", Defaults.EVOLVE_GENERATIONS);
    return e.checked(() -> new EvolveSpec(sparsities, bits, pm, qm, population, generations));
  }

  private static SweepSpec.DistillGrid distill(Node d, int trainLimit) {
    d.requireKeys("students", "temperatures", "alphas", "seeds", "epochs", "learning-rate", "batch-size", "parallelism",
        "averaging-frequency", "baselines", "validation");
    if (!d.has("students")) {
      throw new ConfigException("'" + d.path + ".students' is missing: the student networks to train, e.g. "
          + "[mlp-32, mlp-128]");
    }
    List<String> students = d.get("students").list(Node::asText);
    List<Double> temperatures = d.has("temperatures") ? levels(d.get("temperatures")) : Defaults.DISTILL_TEMPERATURES;
    List<Double> alphas = d.has("alphas") ? levels(d.get("alphas")) : Defaults.DISTILL_ALPHAS;
    int seeds = (int) d.integer("seeds", Defaults.DISTILL_SEEDS);
    int epochs = (int) d.integer("epochs", Defaults.DISTILL_EPOCHS);
    double lr = d.number("learning-rate", Defaults.DISTILL_LEARNING_RATE);
    int batch = (int) d.integer("batch-size", Defaults.DISTILL_BATCH_SIZE);
    DistillSpec.Parallelism parallelism = d.has("parallelism")
        ? enumValue(DistillSpec.Parallelism.values(), d.get("parallelism").asText(), d.path + ".parallelism")
        : Defaults.DISTILL_PARALLELISM;
    int averaging = (int) d.integer("averaging-frequency",
        parallelism == DistillSpec.Parallelism.DATA ? Defaults.AVERAGING_FREQUENCY : 0);
    boolean baselines = d.has("baselines") ? d.get("baselines").asBoolean() : Defaults.DISTILL_BASELINES;
    int validation = (int) d.integer("validation", trainLimit > 0 && trainLimit < 12 * Defaults.DISTILL_VALIDATION
        ? trainLimit / 12 : Defaults.DISTILL_VALIDATION);
    return d.checked(() -> new SweepSpec.DistillGrid(students, temperatures, alphas, seeds, epochs, lr, batch,
        parallelism, averaging, baselines, validation));
  }

  private static AllocateSpec allocate(Node a) {
    a.requireKeys("sensitivity", "prune-method", "quantize-method", "thresholds", "max-predicted-drop");
    if (!a.has("sensitivity") || !a.has("thresholds")) {
      throw new ConfigException("'" + a.path + "' needs 'sensitivity: {results: DIR, run-id: ID}' and 'thresholds'");
    }
    Node s = a.get("sensitivity").requireKeys("results", "run-id");
    if (!s.has("run-id")) {
      throw new ConfigException("'" + s.path + ".run-id' is missing: the sensitivity run to allocate from");
    }
    List<Double> thresholds = levels(a.get("thresholds"));
    Optional<PruneSpec.Criterion> prune = a.has("prune-method")
        ? Optional.of(enumValue(PruneSpec.Criterion.values(), a.get("prune-method").asText(), a.path + ".prune-method"))
        : Optional.empty();
    Optional<QuantSpec.Algorithm> quant = a.has("quantize-method")
        ? Optional.of(enumValue(QuantSpec.Algorithm.values(), a.get("quantize-method").asText(),
            a.path + ".quantize-method"))
        : Optional.empty();
    OptionalDouble max = a.has("max-predicted-drop") ? OptionalDouble.of(a.get("max-predicted-drop").asDouble())
        : OptionalDouble.empty();
    String results = s.string("results", Defaults.OUTPUT);
    String runId = s.get("run-id").asText();
    return a.checked(() -> new AllocateSpec(results, runId, prune, quant, thresholds, max));
  }

  private static FineTuneSpec finetune(Node f) {
    f.requireKeys("epochs", "learning-rate", "batch-size", "schedule", "prune-steps");
    int epochs = (int) f.integer("epochs", Defaults.FINETUNE_EPOCHS);
    double lr = f.number("learning-rate", Defaults.FINETUNE_LEARNING_RATE);
    int batch = (int) f.integer("batch-size", Defaults.FINETUNE_BATCH_SIZE);
    FineTuneSpec.Schedule schedule = f.has("schedule")
        ? enumValue(FineTuneSpec.Schedule.values(), f.get("schedule").asText(), f.path + ".schedule")
        : Defaults.FINETUNE_SCHEDULE;
    int steps = (int) f.integer("prune-steps", Defaults.PRUNE_STEPS);
    return f.checked(() -> new FineTuneSpec(epochs, lr, batch, schedule, steps));
  }

  private static PruneGrid prune(Node p) {
    p.requireKeys("method", "scope", "sparsities", "thresholds", "layers", "structure", "calibration-batches");
    List<PruneSpec.Criterion> criteria = p.has("method")
        ? p.get("method").list(n -> enumValue(PruneSpec.Criterion.values(), n.asText(), n.path))
        : List.of(Defaults.PRUNE_METHOD);
    PruneSpec.Structure structure = p.has("structure")
        ? enumValue(PruneSpec.Structure.values(), p.get("structure").asText(), p.path + ".structure")
        : Defaults.PRUNE_STRUCTURE;
    int calibrationBatches = (int) p.integer("calibration-batches", Defaults.CALIBRATION_BATCHES);
    GridScope scope = p.has("scope") ? enumValue(GridScope.values(), p.string("scope", ""), p.path + ".scope")
        : Defaults.PRUNE_SCOPE;
    LayerSelector layers = p.has("layers") ? selector(p.get("layers")) : LayerSelector.ALL;
    String levelsKey = scope == GridScope.THRESHOLD ? "thresholds" : "sparsities";
    String otherKey = scope == GridScope.THRESHOLD ? "sparsities" : "thresholds";
    if (p.has(otherKey) || !p.has(levelsKey)) {
      throw new ConfigException("'" + p.path + "' with scope " + scope.id() + " needs '" + levelsKey + "' (not '"
          + otherKey + "')");
    }
    List<Double> levels = levels(p.get(levelsKey));
    return p.checked(() -> new PruneGrid(scope, levels, layers, criteria, structure, calibrationBatches));
  }

  /**
   * Levels as a number, a list of numbers, or a range {@code {from: A, to: B, step: S}} (B included when
   * the steps reach it; values rounded to 10 decimals so 0.1 + 0.2 stays 0.3).
   */
  static List<Double> levels(Node n) {
    if (!n.json.isObject()) {
      return n.list(Node::asDouble);
    }
    n.requireKeys("from", "to", "step");
    double from = n.get("from").asDouble();
    double to = n.get("to").asDouble();
    double step = n.get("step").asDouble();
    if (!(step > 0) || !(to >= from)) {
      throw new ConfigException("'" + n.path + "' is the range from " + from + " to " + to + " by " + step
          + "; it needs step > 0 and to >= from");
    }
    long count = (long) Math.floor((to - from) / step + 1e-9) + 1;
    if (count > 100_000) {
      throw new ConfigException("'" + n.path + "' expands to " + count + " levels; at most 100000");
    }
    List<Double> out = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      out.add(java.math.BigDecimal.valueOf(from + i * step).setScale(10, java.math.RoundingMode.HALF_EVEN).doubleValue());
    }
    return out;
  }

  private static QuantGrid quant(Node q) {
    q.requireKeys("method", "bits", "scheme", "granularity", "layers", "clip-percentile", "train");
    List<QuantSpec.Algorithm> methods = q.has("method")
        ? q.get("method").list(n -> enumValue(QuantSpec.Algorithm.values(), n.asText(), n.path))
        : List.of(Defaults.QUANT_METHOD);
    List<Integer> bits = q.get("bits").list(Node::asInt);
    List<QuantSpec.Scheme> schemes = q.has("scheme")
        ? q.get("scheme").list(n -> enumValue(QuantSpec.Scheme.values(), n.asText(), n.path))
        : List.of(Defaults.QUANT_SCHEME);
    List<QuantSpec.Granularity> grans = q.has("granularity")
        ? q.get("granularity").list(n -> enumValue(QuantSpec.Granularity.values(), n.asText(), n.path))
        : List.of(Defaults.QUANT_GRANULARITY);
    LayerSelector layers = q.has("layers") ? selector(q.get("layers")) : LayerSelector.ALL;
    List<Double> clips = q.has("clip-percentile") ? q.get("clip-percentile").list(Node::asDouble)
        : List.of(Defaults.CLIP_PERCENTILE);
    Optional<QuantGrid.Training> training = Optional.empty();
    if (q.has("train")) {
      Node t = q.get("train").requireKeys("epochs", "learning-rate");
      int epochs = (int) t.integer("epochs", Defaults.QUANT_TRAIN_EPOCHS);
      double lr = t.number("learning-rate", Defaults.QUANT_TRAIN_LEARNING_RATE);
      training = Optional.of(q.checked(() -> new QuantGrid.Training(epochs, lr)));
    }
    Optional<QuantGrid.Training> train = training;
    return q.checked(() -> new QuantGrid(bits, schemes, grans, layers, methods, clips, train));
  }

  static LayerSelector selector(Node l) {
    l.requireKeys("names", "regex", "types", "exclude");
    List<String> names = l.has("names") ? l.get("names").list(Node::asText) : List.of();
    List<String> types = l.has("types") ? l.get("types").list(Node::asText) : List.of();
    List<String> exclude = l.has("exclude") ? l.get("exclude").list(Node::asText) : List.of();
    String regex = l.string("regex", "");
    return l.checked(() -> new LayerSelector(names, regex, types, exclude));
  }

  private static List<Objective> objectives(Node o) {
    List<Objective> out = new ArrayList<>();
    for (Node n : o.elements()) {
      n.requireKeys("metric", "direction");
      String metric = n.get("metric").asText();
      if (!OBJECTIVE_METRICS.contains(metric) && !new Objective(metric, false).estimated()) {
        throw new ConfigException("'" + n.path + ".metric' is set to \"" + metric + "\" but must be one of "
            + new java.util.TreeSet<>(OBJECTIVE_METRICS_DOCUMENTED));
      }
      String dir = n.get("direction").asText();
      if (!dir.equals("maximize") && !dir.equals("minimize")) {
        throw new ConfigException("'" + n.path + ".direction' is set to \"" + dir + "\" but must be maximize or minimize");
      }
      out.add(new Objective(metric, dir.equals("maximize")));
    }
    return out;
  }

  static <E extends Enum<E>> E enumValue(E[] values, String text, String key) {
    List<String> ids = new ArrayList<>();
    for (E v : values) {
      String id = v.name().toLowerCase(Locale.ROOT).replace('_', '-');
      ids.add(id);
      if (id.equals(text)) {
        return v;
      }
    }
    throw new ConfigException("'" + key + "' is set to \"" + text + "\" but must be one of " + ids);
  }
}
