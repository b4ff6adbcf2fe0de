package io.modelpress.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelpress.data.Datasets;
import io.modelpress.model.Zoo;
import io.modelpress.pareto.Objective;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.LatencySpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.SweepSpec.GridScope;
import io.modelpress.spec.SweepSpec.PruneGrid;
import io.modelpress.spec.SweepSpec.QuantGrid;
import io.modelpress.spec.SweepSpec.SearchBlock;
import io.modelpress.spec.TrainSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sweep YAML (format {@code version: 1}, kebab-case keys) → {@link SweepSpec}. Unknown keys, wrong
 * types and out-of-range values are {@link ConfigException}s naming the key, the value and the valid
 * choices. Defaults are the named constants of the spec records.
 */
public final class SweepConfigParser {

  public static final int VERSION = 1;

  /** Metrics that may be objectives: numeric columns of the trials table. */
  public static final Set<String> OBJECTIVE_METRICS = Set.of("accuracy", "accuracy_drop", "macro_f1", "encoded_bytes",
      "compression_ratio", "macs", "effective_macs", "energy_estimate_uj", "params", "nonzero_params", "sparsity",
      "latency_b1_p50_ms", "latency_b1_p95_ms", "latency_b32_p50_ms", "latency_b32_p95_ms");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private SweepConfigParser() {}

  /** Parses YAML text; {@code source} names the file in messages. */
  public static SweepSpec parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + source + " is not valid YAML" + yamlProblem(e));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException("config " + source + " is empty; start it with 'version: 1'");
    }
    Node top = new Node(root, "");
    top.requireKeys("version", "name", "seed", "model", "dataset", "search", "objectives", "output", "eval-batch-size",
        "sample", "latency", "devices", "nightly");
    if (top.has("nightly")) {
      nightly(top.get("nightly")); // validated with the rest; modelpress nightly reads it with nightly(yaml, source)
    }
    if (!top.has("version")) {
      throw new ConfigException("missing key 'version' in " + source + "; add 'version: 1' as the first line");
    }
    long version = top.get("version").asLong();
    if (version != VERSION) {
      throw new ConfigException("'version' is set to " + version + " but this modelpress reads version " + VERSION);
    }
    String name = top.string("name", "sweep");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new ConfigException("'name' is set to \"" + name + "\" but must be letters, digits, '.', '_' or '-'");
    }
    long seed = top.has("seed") ? top.get("seed").asLong() : SweepSpec.DEFAULT_SEED;
    ModelSpec model = model(top.get("model"), seed);
    DatasetSpec dataset = dataset(top.get("dataset"));
    List<SearchBlock> search = new ArrayList<>();
    if (!top.has("search")) {
      throw new ConfigException("missing key 'search': list the prune/quantize blocks to sweep");
    }
    List<Node> blocks = top.get("search").elements();
    if (blocks.isEmpty()) {
      throw new ConfigException("'search' is empty; add at least one block with 'prune', 'quantize' or 'distill'");
    }
    for (Node b : blocks) {
      search.add(block(b, search.size()));
    }
    LatencySpec latency = top.has("latency") ? latency(top.get("latency")) : LatencySpec.DEFAULT;
    List<Objective> objectives = top.has("objectives") ? objectives(top.get("objectives"))
        // evolve blocks breed from the objectives: they default to ones that do not vary from run to run
        : latency.enabled() && search.stream().noneMatch(b -> b.evolve() != null)
            ? SweepSpec.DEFAULT_OBJECTIVES_WITH_LATENCY : SweepSpec.DEFAULT_OBJECTIVES;
    String devices = top.has("devices") ? top.get("devices").asText() : null;
    String output = top.string("output", SweepSpec.DEFAULT_OUTPUT);
    int evalBatch = top.has("eval-batch-size") ? top.get("eval-batch-size").asInt() : SweepSpec.DEFAULT_EVAL_BATCH_SIZE;
    if (evalBatch < 1) {
      throw new ConfigException("'eval-batch-size' is set to " + evalBatch + " but must be >= 1");
    }
    int sample = top.has("sample") ? top.get("sample").asInt() : 0;
    if (sample < 0) {
      throw new ConfigException("'sample' is set to " + sample + " but must be >= 0 (0: every trial)");
    }
    try {
      return new SweepSpec(name, seed, model, dataset, search, objectives, output, evalBatch, sample, latency, devices);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /**
   * The {@code nightly:} block of a config ({@link io.modelpress.spec.NightlySpec#DEFAULT} when it has none);
   * the config must be a valid sweep config too.
   */
  public static io.modelpress.spec.NightlySpec nightly(String yaml, String source) {
    parse(yaml, source);
    try {
      JsonNode n = YAML.readTree(yaml).path("nightly");
      return n.isMissingNode() ? io.modelpress.spec.NightlySpec.DEFAULT : nightly(new Node(n, "nightly"));
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + source + " is not valid YAML" + yamlProblem(e));
    }
  }

  private static io.modelpress.spec.NightlySpec nightly(Node n) {
    n.requireKeys("max-best-accuracy-drop", "max-hypervolume-drop", "max-trial-accuracy-drop");
    io.modelpress.spec.NightlySpec d = io.modelpress.spec.NightlySpec.DEFAULT;
    try {
      return new io.modelpress.spec.NightlySpec(n.number("max-best-accuracy-drop", d.maxBestAccuracyDrop()),
          n.number("max-hypervolume-drop", d.maxHypervolumeDrop()),
          n.number("max-trial-accuracy-drop", d.maxTrialAccuracyDrop()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** The {@code latency:} block; keys left out take {@link LatencySpec#DEFAULT}'s values. */
  private static LatencySpec latency(Node l) {
    l.requireKeys("enabled", "warmup", "runs", "min-runs", "budget-ms", "max-iqr-ratio", "retries");
    LatencySpec d = LatencySpec.DEFAULT;
    boolean enabled = true;
    if (l.has("enabled")) {
      if (!l.get("enabled").json.isBoolean()) {
        throw new ConfigException("'latency.enabled' is set to " + Node.describe(l.get("enabled").json)
            + " but must be true or false");
      }
      enabled = l.get("enabled").json.asBoolean();
    }
    if (!enabled) {
      return LatencySpec.OFF;
    }
    try {
      return new LatencySpec(true, (int) l.integer("warmup", d.warmup()), (int) l.integer("runs", d.runs()),
          (int) l.integer("min-runs", d.minRuns()), l.number("budget-ms", d.budgetMs()),
          l.number("max-iqr-ratio", d.maxIqrRatio()), (int) l.integer("retries", d.retries()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** " at line L, column C: problem" on one line, from SnakeYAML's multi-line message. */
  static String yamlProblem(JsonProcessingException e) {
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
      return " at line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1)
          + ": " + m.getProblem();
    }
    String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr();
    return where + ": " + e.getOriginalMessage().lines().findFirst().orElse("").strip();
  }

  static ModelSpec model(Node m, long seed) {
    m.requireKeys("zoo", "path", "train");
    if (m.has("zoo") == m.has("path")) {
      throw new ConfigException("'model' needs exactly one of 'zoo' (one of " + Zoo.NAMES + ") or 'path' (a saved DL4J model)");
    }
    if (m.has("path")) {
      if (m.has("train")) {
        throw new ConfigException("'model.train' applies to 'model.zoo' only; remove it or use 'zoo'");
      }
      return new ModelSpec.Saved(m.get("path").asText());
    }
    String zoo = m.get("zoo").asText();
    if (!Zoo.NAMES.contains(zoo)) {
      throw new ConfigException("'model.zoo' is set to \"" + zoo + "\" but must be one of " + Zoo.NAMES);
    }
    TrainSpec train;
    if (m.has("train")) {
      Node t = m.get("train").requireKeys("epochs", "batch-size", "learning-rate", "seed");
      int epochs = t.has("epochs") ? t.get("epochs").asInt() : TrainSpec.DEFAULT_EPOCHS;
      int batch = t.has("batch-size") ? t.get("batch-size").asInt() : TrainSpec.DEFAULT_BATCH_SIZE;
      double lr = t.has("learning-rate") ? t.get("learning-rate").asDouble() : TrainSpec.DEFAULT_LEARNING_RATE;
      long s = t.has("seed") ? t.get("seed").asLong() : seed;
      train = t.checked(() -> new TrainSpec(epochs, batch, lr, s));
    } else {
      train = new TrainSpec(TrainSpec.DEFAULT_EPOCHS, TrainSpec.DEFAULT_BATCH_SIZE, TrainSpec.DEFAULT_LEARNING_RATE, seed);
    }
    return new ModelSpec.Zoo(zoo, train);
  }

  static DatasetSpec dataset(Node d) {
    if (d.json.isTextual()) {
      return dataset(new Node(YAML.createObjectNode().put("name", d.json.asText()), d.path));
    }
    d.requireKeys("name", "dir", "train-limit", "test-limit");
    String name = d.get("name").asText();
    if (!Datasets.NAMES.contains(name)) {
      throw new ConfigException("'dataset.name' is set to \"" + name + "\" but must be one of " + Datasets.NAMES);
    }
    int trainLimit = d.has("train-limit") ? d.get("train-limit").asInt() : 0;
    int testLimit = d.has("test-limit") ? d.get("test-limit").asInt() : 0;
    return d.checked(() -> new DatasetSpec(name, d.string("dir", ""), trainLimit, testLimit));
  }

  private static SearchBlock block(Node b, int index) {
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
      Node e = b.get("evolve").requireKeys("sparsities", "bits", "prune-method", "quantize-method", "population",
          "generations");
      if (!e.has("sparsities") || !e.has("bits")) {
        throw new ConfigException("'" + e.path + "' needs 'sparsities' and 'bits' (the per-layer choices)");
      }
      List<Double> sp = levels(e.get("sparsities"));
      List<Integer> bitChoices = e.get("bits").list(Node::asInt);
      PruneSpec.Criterion pm = e.has("prune-method")
          ? enumValue(PruneSpec.Criterion.values(), e.get("prune-method").asText(), e.path + ".prune-method")
          : PruneSpec.Criterion.MAGNITUDE;
      QuantSpec.Algorithm qm = e.has("quantize-method")
          ? enumValue(QuantSpec.Algorithm.values(), e.get("quantize-method").asText(), e.path + ".quantize-method")
          : QuantSpec.Algorithm.KMEANS;
      int pop = e.has("population") ? e.get("population").asInt() : 16;
      int gens = e.has("generations") ? e.get("generations").asInt() : 4;
      io.modelpress.spec.EvolveSpec spec = e.checked(() -> new io.modelpress.spec.EvolveSpec(sp, bitChoices, pm, qm, pop,
          gens));
      return new SearchBlock(name, List.of(), List.of(), List.of(), null, List.of(), spec);
    }
    if (b.has("allocate")) {
      if (b.has("prune") || b.has("quantize")) {
        throw new ConfigException("'" + b.path + "' has 'allocate' and 'prune'/'quantize'; an allocation block takes "
            + "its levels from the sensitivity run, so give only 'allocate' (and optionally a one-shot 'finetune')");
      }
      List<FineTuneSpec> ft = b.has("finetune") ? List.of(finetune(b.get("finetune"))) : List.of();
      if (!ft.isEmpty() && ft.get(0).schedule() == FineTuneSpec.Schedule.AGP) {
        throw new ConfigException("'" + b.path + ".finetune.schedule' is agp, but allocated sparsities differ per layer; "
            + "use schedule one-shot");
      }
      return new SearchBlock(name, List.of(), ft, List.of(), allocate(b.get("allocate")), List.of());
    }
    List<PruneGrid> prune = new ArrayList<>();
    List<FineTuneSpec> finetune = new ArrayList<>();
    List<QuantGrid> quant = new ArrayList<>();
    if (b.has("prune")) {
      prune.add(prune(b.get("prune")));
    }
    if (b.has("finetune")) {
      finetune.add(finetune(b.get("finetune")));
      if (finetune.get(0).schedule() == FineTuneSpec.Schedule.AGP
          && (prune.isEmpty() || prune.get(0).scope() == GridScope.THRESHOLD)) {
        throw new ConfigException("'" + b.path + ".finetune.schedule' is agp, which ramps the sparsity of a 'prune' "
            + "block with scope layer, global or single-layer; add one or use schedule one-shot");
      }
      if (finetune.get(0).schedule() == FineTuneSpec.Schedule.AGP
          && prune.get(0).structure() == PruneSpec.Structure.STRUCTURED) {
        throw new ConfigException("'" + b.path + ".finetune.schedule' is agp, which ramps unstructured sparsity; "
            + "structured pruning takes schedule one-shot");
      }
    }
    if (b.has("quantize")) {
      quant.add(quant(b.get("quantize")));
    }
    SweepSpec.DistillGrid distill = b.has("distill") ? distill(b.get("distill")) : null;
    if (prune.isEmpty() && quant.isEmpty() && distill == null) {
      throw new ConfigException("'" + b.path + "' has none of 'prune', 'quantize' and 'distill'; give at least one");
    }
    return new SearchBlock(name, prune, finetune, quant, null, List.of(), null, distill);
  }

  private static SweepSpec.DistillGrid distill(Node d) {
    d.requireKeys("students", "temperatures", "alphas", "seeds", "epochs", "learning-rate", "batch-size", "parallelism",
        "averaging-frequency", "baselines");
    if (!d.has("students")) {
      throw new ConfigException("'" + d.path + ".students' is missing: the student networks to train, e.g. "
          + "[mlp-32, mlp-128]");
    }
    List<String> students = d.get("students").list(Node::asText);
    List<Double> temperatures = d.has("temperatures") ? levels(d.get("temperatures")) : List.of(4.0);
    List<Double> alphas = d.has("alphas") ? levels(d.get("alphas")) : List.of(0.5);
    int seeds = d.has("seeds") ? d.get("seeds").asInt() : 1;
    int epochs = d.has("epochs") ? d.get("epochs").asInt() : DistillSpec.DEFAULT_EPOCHS;
    double lr = d.has("learning-rate") ? d.get("learning-rate").asDouble() : DistillSpec.DEFAULT_LEARNING_RATE;
    int batch = d.has("batch-size") ? d.get("batch-size").asInt() : DistillSpec.DEFAULT_BATCH_SIZE;
    DistillSpec.Parallelism parallelism = d.has("parallelism")
        ? enumValue(DistillSpec.Parallelism.values(), d.get("parallelism").asText(), d.path + ".parallelism")
        : DistillSpec.Parallelism.TASK;
    if (d.has("averaging-frequency") && parallelism != DistillSpec.Parallelism.DATA) {
      throw new ConfigException("'" + d.path + ".averaging-frequency' is set but 'parallelism' is task; it applies to "
          + "students trained data-parallel only (parallelism: data)");
    }
    int averaging = d.has("averaging-frequency") ? d.get("averaging-frequency").asInt()
        : DistillSpec.DEFAULT_AVERAGING_FREQUENCY;
    boolean baselines = !d.has("baselines") || d.get("baselines").asBoolean();
    return d.checked(() -> {
      SweepSpec.DistillGrid g = new SweepSpec.DistillGrid(students, temperatures, alphas, seeds, epochs, lr, batch,
          parallelism, averaging, baselines);
      g.expand(); // validates every student, temperature and alpha
      return g;
    });
  }

  private static io.modelpress.spec.AllocateSpec allocate(Node a) {
    a.requireKeys("sensitivity", "prune-method", "quantize-method", "thresholds", "max-predicted-drop");
    if (!a.has("sensitivity") || !a.has("thresholds")) {
      throw new ConfigException("'" + a.path + "' needs 'sensitivity: {results: DIR, run-id: ID}' and 'thresholds'");
    }
    Node s = a.get("sensitivity").requireKeys("results", "run-id");
    if (!s.has("run-id")) {
      throw new ConfigException("'" + s.path + ".run-id' is missing: the sensitivity run to allocate from");
    }
    List<Double> thresholds = levels(a.get("thresholds"));
    for (double t : thresholds) {
      if (!(t >= 0 && t < 1)) {
        throw new ConfigException("'" + a.path + ".thresholds' has " + t + " but drops are fractions in [0, 1)");
      }
    }
    String prune = a.has("prune-method") ? a.get("prune-method").asText() : null;
    String quant = a.has("quantize-method") ? a.get("quantize-method").asText() : null;
    if (prune != null) {
      enumValue(PruneSpec.Criterion.values(), prune, a.path + ".prune-method");
    }
    if (quant != null) {
      enumValue(QuantSpec.Algorithm.values(), quant, a.path + ".quantize-method");
    }
    double max = a.has("max-predicted-drop") ? a.get("max-predicted-drop").asDouble() : Double.NaN;
    String results = s.string("results", SweepSpec.DEFAULT_OUTPUT);
    String runId = s.get("run-id").asText();
    if (!runId.matches("(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new ConfigException("'" + s.path + ".run-id' is set to \"" + runId + "\" which is not a run id (letters, "
          + "digits, '.', '_' or '-')");
    }
    return a.checked(() -> new io.modelpress.spec.AllocateSpec(results, runId, prune, quant, thresholds, max));
  }

  private static FineTuneSpec finetune(Node f) {
    f.requireKeys("epochs", "learning-rate", "batch-size", "schedule", "prune-steps");
    int epochs = f.has("epochs") ? f.get("epochs").asInt() : 1;
    double lr = f.has("learning-rate") ? f.get("learning-rate").asDouble() : FineTuneSpec.DEFAULT_LEARNING_RATE;
    int batch = f.has("batch-size") ? f.get("batch-size").asInt() : FineTuneSpec.DEFAULT_BATCH_SIZE;
    FineTuneSpec.Schedule schedule = f.has("schedule")
        ? enumValue(FineTuneSpec.Schedule.values(), f.get("schedule").asText(), f.path + ".schedule")
        : FineTuneSpec.Schedule.ONE_SHOT;
    int steps = f.has("prune-steps") ? f.get("prune-steps").asInt() : FineTuneSpec.DEFAULT_PRUNE_STEPS;
    return f.checked(() -> new FineTuneSpec(epochs, lr, batch, schedule, steps));
  }

  private static PruneGrid prune(Node p) {
    p.requireKeys("method", "scope", "sparsities", "thresholds", "layers", "structure", "calibration-batches");
    List<PruneSpec.Criterion> criteria = p.has("method")
        ? p.get("method").list(n -> enumValue(PruneSpec.Criterion.values(), n.asText(), n.path))
        : List.of(PruneSpec.Criterion.MAGNITUDE);
    PruneSpec.Structure structure = p.has("structure")
        ? enumValue(PruneSpec.Structure.values(), p.get("structure").asText(), p.path + ".structure")
        : PruneSpec.Structure.UNSTRUCTURED;
    int calibrationBatches = p.has("calibration-batches") ? p.get("calibration-batches").asInt()
        : PruneSpec.DEFAULT_CALIBRATION_BATCHES;
    for (PruneSpec.Criterion c : criteria) {
      if (structure == PruneSpec.Structure.UNSTRUCTURED && c.scoresNeuronsOnly()) {
        throw new ConfigException("'" + p.path + ".method' " + c.id() + " scores neurons, not weights; add "
            + "'structure: structured' or use magnitude, gradient or taylor");
      }
    }
    if (calibrationBatches < 1 || calibrationBatches > 10_000) {
      throw new ConfigException("'" + p.path + ".calibration-batches' is set to " + calibrationBatches
          + " but must be in 1..10000");
    }
    String scopeText = p.string("scope", "layer");
    GridScope scope = enumValue(GridScope.values(), scopeText, p.path + ".scope");
    LayerSelector layers = p.has("layers") ? selector(p.get("layers")) : LayerSelector.ALL;
    List<Double> levels;
    if (scope == GridScope.THRESHOLD) {
      if (p.has("sparsities") || !p.has("thresholds")) {
        throw new ConfigException("'" + p.path + "' with scope threshold needs 'thresholds' (not 'sparsities')");
      }
      levels = levels(p.get("thresholds"));
      for (double v : levels) {
        p.get("thresholds").checked(() -> new PruneSpec(PruneSpec.Scope.THRESHOLD, v, LayerSelector.ALL));
      }
    } else {
      if (p.has("thresholds") || !p.has("sparsities")) {
        throw new ConfigException("'" + p.path + "' with scope " + scope.id() + " needs 'sparsities' (not 'thresholds')");
      }
      levels = levels(p.get("sparsities"));
      for (int i = 0; i < levels.size(); i++) {
        double v = levels.get(i);
        if (!(v >= 0 && v < 1)) {
          String key = p.get("sparsities").json.isArray() ? p.path + ".sparsities[" + i + "]" : p.path + ".sparsities";
          throw new ConfigException("'" + key + "' is set to " + v + " but must be in [0, 1)");
        }
      }
    }
    if (structure == PruneSpec.Structure.STRUCTURED && scope != GridScope.LAYER && scope != GridScope.SINGLE_LAYER) {
      throw new ConfigException("'" + p.path + ".scope' is " + scope.id() + " but structured pruning ranks the neurons "
          + "of each layer separately; use scope layer or single-layer");
    }
    return new PruneGrid(scope, levels, layers, criteria, structure, calibrationBatches);
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
        : List.of(QuantSpec.Algorithm.UNIFORM);
    List<Integer> bits = q.get("bits").list(n -> {
      int v = n.asInt();
      if (!QuantSpec.isValidBits(v)) {
        throw new ConfigException("'" + n.path + "' is set to " + v + " but must be in 2..8, 16 or 32");
      }
      return v;
    });
    List<QuantSpec.Scheme> schemes = q.has("scheme")
        ? q.get("scheme").list(n -> enumValue(QuantSpec.Scheme.values(), n.asText(), n.path))
        : List.of(QuantSpec.Scheme.SYMMETRIC);
    List<QuantSpec.Granularity> grans = q.has("granularity")
        ? q.get("granularity").list(n -> enumValue(QuantSpec.Granularity.values(), n.asText(), n.path))
        : List.of(QuantSpec.Granularity.PER_CHANNEL);
    LayerSelector layers = q.has("layers") ? selector(q.get("layers")) : LayerSelector.ALL;
    if (methods.stream().anyMatch(m -> m != QuantSpec.Algorithm.UNIFORM) && bits.stream().anyMatch(b -> b > 8)
        && methods.size() == 1) {
      throw new ConfigException("'" + q.path + ".bits' has 16 or 32 but '" + q.path + ".method' is "
          + methods.get(0).id() + ", which takes 2..8 bits");
    }
    List<Double> clips = q.has("clip-percentile") ? q.get("clip-percentile").list(n -> {
      double v = n.asDouble();
      if (!(v > 50 && v <= 100)) {
        throw new ConfigException("'" + n.path + "' is set to " + v + " but must be in (50, 100]; 100 means min/max");
      }
      return v;
    }) : List.of(100.0);
    if (clips.stream().anyMatch(c -> c < 100) && !methods.contains(QuantSpec.Algorithm.UNIFORM)) {
      throw new ConfigException("'" + q.path + ".clip-percentile' applies to method uniform only; add it to '"
          + q.path + ".method' or remove the key");
    }
    int trainEpochs = 0;
    double trainLr = QuantSpec.DEFAULT_TRAIN_LEARNING_RATE;
    if (q.has("train")) {
      Node t = q.get("train").requireKeys("epochs", "learning-rate");
      trainEpochs = t.has("epochs") ? t.get("epochs").asInt() : 1;
      trainLr = t.has("learning-rate") ? t.get("learning-rate").asDouble() : trainLr;
      if (trainEpochs < 1 || trainEpochs > 1000) {
        throw new ConfigException("'" + t.path + ".epochs' is set to " + trainEpochs + " but must be in 1..1000");
      }
      if (!(trainLr > 0 && trainLr < 10)) {
        throw new ConfigException("'" + t.path + ".learning-rate' is set to " + trainLr + " but must be in (0, 10)");
      }
      if (bits.stream().anyMatch(b -> b > 8)) {
        throw new ConfigException("'" + t.path + "' trains integer quantizers; remove 16 and 32 from '" + q.path + ".bits'");
      }
    }
    return new QuantGrid(bits, schemes, grans, layers, methods, clips, trainEpochs, trainLr);
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
      if (!OBJECTIVE_METRICS.contains(metric)) {
        throw new ConfigException("'" + n.path + ".metric' is set to \"" + metric + "\" but must be one of "
            + new java.util.TreeSet<>(OBJECTIVE_METRICS));
      }
      String dir = n.get("direction").asText();
      if (!dir.equals("maximize") && !dir.equals("minimize")) {
        throw new ConfigException("'" + n.path + ".direction' is set to \"" + dir + "\" but must be maximize or minimize");
      }
      out.add(new Objective(metric, dir.equals("maximize")));
    }
    if (out.isEmpty()) {
      throw new ConfigException("'objectives' is empty; name at least one metric to optimise");
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
