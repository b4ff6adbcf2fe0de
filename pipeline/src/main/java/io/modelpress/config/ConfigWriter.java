package io.modelpress.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelpress.pareto.Objective;
import io.modelpress.spec.AllocateSpec;
import io.modelpress.spec.EvolveSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.LatencySpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SensitivitySpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.SweepSpec.DistillGrid;
import io.modelpress.spec.SweepSpec.PruneGrid;
import io.modelpress.spec.SweepSpec.QuantGrid;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@link SweepSpec} and {@link SensitivitySpec} → the config file's own schema, as one line of JSON (which is
 * YAML): the {@code config_json} of a run. Every default is written out, so the text says exactly what ran, and
 * {@link SweepConfigParser#parse} ({@link SensitivityConfigParser#parse}) reads it back into an equal spec (objectives stay empty when the config
 * left them to their defaults).
 */
public final class ConfigWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigWriter() {}

  /** The keys every config starts with: version, name, seed, model and dataset. */
  private static ObjectNode header(String name, long seed, ModelSpec model, io.modelpress.spec.DatasetSpec dataset) {
    ObjectNode o = JSON.createObjectNode();
    o.put("version", SweepConfigParser.VERSION);
    o.put("name", name);
    o.put("seed", seed);
    model(o, model);
    dataset(o, dataset);
    return o;
  }

  public static String json(SweepSpec s) {
    ObjectNode o = header(s.name(), s.seed(), s.model(), s.dataset());
    ArrayNode search = o.putArray("search");
    for (SearchBlock b : s.search()) {
      search.add(block(b));
    }
    s.explicitObjectives().ifPresent(list -> {
      ArrayNode a = o.putArray("objectives");
      for (Objective x : list) {
        a.addObject().put("metric", x.metric()).put("direction", x.maximize() ? "maximize" : "minimize");
      }
    });
    o.put("output", s.output());
    o.put("eval-batch-size", s.evalBatchSize());
    o.put("sample", s.sample());
    if (s.broadcastLimitMb() != io.modelpress.spec.Defaults.BROADCAST_LIMIT_MB) { // earlier runs' config_json unchanged
      o.putObject("evaluation").put("broadcast-limit-mb", s.broadcastLimitMb());
    }
    if (s.evalEngine() != io.modelpress.spec.EvalEngine.DL4J) {
      (o.has("evaluation") ? (ObjectNode) o.get("evaluation") : o.putObject("evaluation"))
          .put("engine", s.evalEngine().id());
    }
    o.set("latency", latency(s.latency()));
    s.devices().ifPresent(v -> o.put("devices", v));
    return text(o);
  }

  public static String json(SensitivitySpec s) {
    ObjectNode o = header(s.name(), s.seed(), s.model(), s.dataset());
    selector(o, s.layers());
    if (!s.pruneMethods().isEmpty()) {
      ObjectNode p = o.putObject("prune");
      ArrayNode methods = p.putArray("methods");
      s.pruneMethods().forEach(m -> methods.add(m.id()));
      numbers(p.putArray("sparsities"), s.sparsities());
      p.put("calibration-batches", s.calibrationBatches());
    }
    if (!s.quantMethods().isEmpty()) {
      ObjectNode q = o.putObject("quantize");
      ArrayNode methods = q.putArray("methods");
      s.quantMethods().forEach(m -> methods.add(m.id()));
      s.bits().forEach(q.putArray("bits")::add);
    }
    o.put("seeds", s.seeds());
    o.putObject("interactions").put("pairs", s.pairs());
    o.put("output", s.output());
    o.put("eval-batch-size", s.evalBatchSize());
    if (s.broadcastLimitMb() != io.modelpress.spec.Defaults.BROADCAST_LIMIT_MB) { // earlier runs' config_json unchanged
      o.putObject("evaluation").put("broadcast-limit-mb", s.broadcastLimitMb());
    }
    return text(o);
  }

  private static String text(ObjectNode o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void model(ObjectNode o, ModelSpec spec) {
    ObjectNode model = o.putObject("model");
    if (spec instanceof ModelSpec.Saved saved) {
      model.put("path", saved.path());
    } else if (spec instanceof ModelSpec.Onnx onnx) {
      model.put("onnx", onnx.path());
    } else {
      ModelSpec.Zoo z = (ModelSpec.Zoo) spec;
      model.put("zoo", z.name());
      ObjectNode t = model.putObject("train");
      t.put("epochs", z.train().epochs());
      t.put("batch-size", z.train().batchSize());
      t.put("learning-rate", z.train().learningRate());
      t.put("seed", z.train().seed());
    }
  }

  private static void dataset(ObjectNode o, io.modelpress.spec.DatasetSpec ds) {
    ObjectNode d = o.putObject("dataset");
    if (!ds.format().equals("idx")) {
      d.put("format", ds.format());
    }
    for (String[] kv : new String[][] {{"name", ds.name()}, {"dir", ds.dir()}, {"train", ds.train()},
        {"test", ds.test()}, {"features", ds.features()}, {"image", ds.image()}, {"label", ds.label()}}) {
      if (!kv[1].isEmpty()) {
        d.put(kv[0], kv[1]);
      }
    }
    if (!ds.shape().isEmpty()) {
      ds.shape().forEach(d.putArray("shape")::add);
    }
    if (ds.classes() > 0) {
      d.put("classes", ds.classes());
    }
    ds.normalize().ifPresent(n -> {
      ObjectNode m = d.putObject("normalize");
      m.put("scale", n.scale());
      if (n.mean().length > 0) {
        for (float v : n.mean()) {
          m.withArray("mean").add(v);
        }
        for (float v : n.std()) {
          m.withArray("std").add(v);
        }
      }
    });
    if (ds.resize()) {
      d.put("resize", true);
    }
    d.put("train-limit", ds.trainLimit());
    d.put("test-limit", ds.testLimit());
  }

  private static ObjectNode block(SearchBlock block) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", block.name());
    if (block instanceof SearchBlock.Grid b) {
      chain(o, b.prune(), b.finetune(), b.quantize());
    } else if (block instanceof SearchBlock.Allocate b) {
      AllocateSpec a = b.allocate();
      ObjectNode n = o.putObject("allocate");
      n.putObject("sensitivity").put("results", a.results()).put("run-id", a.runId());
      a.pruneMethod().ifPresent(m -> n.put("prune-method", m.id()));
      a.quantMethod().ifPresent(m -> n.put("quantize-method", m.id()));
      numbers(n.putArray("thresholds"), a.thresholds());
      a.maxPredictedDrop().ifPresent(v -> n.put("max-predicted-drop", v));
      b.finetune().ifPresent(f -> o.set("finetune", finetune(f)));
    } else if (block instanceof SearchBlock.Evolve b) {
      EvolveSpec e = b.evolve();
      ObjectNode n = o.putObject("evolve");
      numbers(n.putArray("sparsities"), e.sparsities());
      e.bits().forEach(n.putArray("bits")::add);
      n.put("prune-method", e.pruneMethod().id());
      n.put("quantize-method", e.quantMethod().id());
      n.put("population", e.population());
      n.put("generations", e.generations());
    } else if (block instanceof SearchBlock.Distill b) {
      DistillGrid g = b.distill();
      ObjectNode n = o.putObject("distill");
      g.students().forEach(n.putArray("students")::add);
      numbers(n.putArray("temperatures"), g.temperatures());
      numbers(n.putArray("alphas"), g.alphas());
      n.put("seeds", g.seeds());
      n.put("epochs", g.epochs());
      n.put("learning-rate", g.learningRate());
      n.put("batch-size", g.batchSize());
      n.put("parallelism", g.parallelism().name().toLowerCase(Locale.ROOT));
      if (g.averagingFrequency() != 0) {
        n.put("averaging-frequency", g.averagingFrequency());
      }
      n.put("baselines", g.baselines());
      n.put("validation", g.validation());
      chain(o, b.prune(), b.finetune(), b.quantize());
    }
    return o;
  }

  private static void chain(ObjectNode o, Optional<PruneGrid> prune, Optional<FineTuneSpec> finetune,
      Optional<QuantGrid> quantize) {
    prune.ifPresent(p -> o.set("prune", prune(p)));
    finetune.ifPresent(f -> o.set("finetune", finetune(f)));
    quantize.ifPresent(q -> o.set("quantize", quant(q)));
  }

  private static ObjectNode prune(PruneGrid p) {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode methods = n.putArray("method");
    p.criteria().forEach(c -> methods.add(c.id()));
    n.put("scope", p.scope().id());
    numbers(n.putArray(p.scope() == SweepSpec.GridScope.THRESHOLD ? "thresholds" : "sparsities"), p.levels());
    selector(n, p.layers());
    n.put("structure", p.structure().name().toLowerCase(Locale.ROOT));
    n.put("calibration-batches", p.calibrationBatches());
    return n;
  }

  private static ObjectNode finetune(FineTuneSpec f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("epochs", f.epochs());
    n.put("learning-rate", f.learningRate());
    n.put("batch-size", f.batchSize());
    n.put("schedule", f.schedule().id());
    n.put("prune-steps", f.pruneSteps());
    return n;
  }

  private static ObjectNode quant(QuantGrid q) {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode methods = n.putArray("method");
    q.algorithms().forEach(a -> methods.add(a.id()));
    q.bits().forEach(n.putArray("bits")::add);
    ArrayNode schemes = n.putArray("scheme");
    q.schemes().forEach(s -> schemes.add(s.name().toLowerCase(Locale.ROOT)));
    ArrayNode grans = n.putArray("granularity");
    q.granularities().forEach(g -> grans.add(g.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    selector(n, q.layers());
    numbers(n.putArray("clip-percentile"), q.clipPercentiles());
    q.training().ifPresent(t -> n.putObject("train").put("epochs", t.epochs()).put("learning-rate", t.learningRate()));
    return n;
  }

  private static void selector(ObjectNode parent, LayerSelector l) {
    if (l.equals(LayerSelector.ALL)) {
      return;
    }
    ObjectNode n = parent.putObject("layers");
    if (!l.names().isEmpty()) {
      l.names().forEach(n.putArray("names")::add);
    }
    if (!l.regex().isEmpty()) {
      n.put("regex", l.regex());
    }
    if (!l.types().isEmpty()) {
      l.types().forEach(n.putArray("types")::add);
    }
    if (!l.exclude().isEmpty()) {
      l.exclude().forEach(n.putArray("exclude")::add);
    }
  }

  private static ObjectNode latency(LatencySpec l) {
    ObjectNode n = JSON.createObjectNode();
    n.put("enabled", l.enabled());
    if (l.enabled()) {
      n.put("warmup", l.warmup());
      n.put("runs", l.runs());
      n.put("min-runs", l.minRuns());
      n.put("budget-ms", l.budgetMs());
      n.put("max-iqr-ratio", l.maxIqrRatio());
      n.put("retries", l.retries());
      n.put("confirm-rounds", l.confirmRounds());
      if (l.engine() != LatencySpec.Engine.BOTH) { // the default left out: configs from before the key read the same
        n.put("engine", l.engine().id());
      }
    }
    return n;
  }

  private static void numbers(ArrayNode a, List<Double> values) {
    values.forEach(a::add);
  }
}
