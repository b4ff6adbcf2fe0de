package io.modelpress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.pareto.Objective;
import io.modelpress.spec.Defaults;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.SweepSpec.GridScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SweepConfigParserTest {

  static final String MINIMAL = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      search:
        - prune: {scope: global, sparsities: [0.5, 0.9]}
      """;

  /** The documented default objectives (docs/config.md#objectives). */
  private static final List<Objective> EXACT = List.of(new Objective("accuracy", true),
      new Objective("encoded_bytes", false), new Objective("est_latency_ms", false));

  @Test
  void anEstimatedLatencyObjectiveMayNameItsDeviceAndOtherMetricsAreRefused() {
    SweepSpec s = SweepConfigParser.parse(MINIMAL + "objectives: [{metric: accuracy, direction: maximize}, "
        + "{metric: est_latency_ms@mcu-cortex-m7, direction: minimize}]\n", "t.yaml");
    assertThat(s.objectives()).containsExactly(new Objective("accuracy", true),
        new Objective("est_latency_ms@mcu-cortex-m7", false));
    assertThatThrownBy(() -> SweepConfigParser.parse(MINIMAL + "objectives: [{metric: est_latency, "
        + "direction: minimize}]\n", "t.yaml")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'objectives[0].metric' is set to \"est_latency\"");
  }

  @Test
  void minimalConfigGetsTheDocumentedDefaults() {
    SweepSpec s = SweepConfigParser.parse(MINIMAL, "t.yaml");
    assertThat(s.name()).isEqualTo("sweep");
    assertThat(s.seed()).isEqualTo(Defaults.SEED);
    assertThat(s.output()).isEqualTo(Defaults.OUTPUT);
    // latency is measured by default, but the objectives are the exact ones, written out here
    assertThat(s.latency()).isEqualTo(Defaults.LATENCY);
    assertThat(s.objectives()).isEqualTo(EXACT);
    assertThat(s.devices()).isEmpty();
    assertThat(s.explicitObjectives()).isEmpty();
    assertThat(((ModelSpec.Zoo) s.model()).train().epochs()).isEqualTo(3);
    assertThat(((SearchBlock.Grid) s.search().get(0)).prune().orElseThrow().scope()).isEqualTo(GridScope.GLOBAL);
    assertThat(((SearchBlock.Grid) s.search().get(0)).prune().orElseThrow().levels()).containsExactly(0.5, 0.9);
  }

  @Test
  void theLatencyBlockTakesDefaultsForKeysLeftOutAndOffRestoresTheOldObjectives() {
    SweepSpec s = SweepConfigParser.parse(MINIMAL + "latency: {runs: 50, max-iqr-ratio: 0.1}\ndevices: my.yaml\n", "t.yaml");
    assertThat(s.latency()).isEqualTo(new io.modelpress.spec.LatencySpec(true, 50, 50, 20, 500, 0.1, 2, 8));
    assertThat(s.devices()).contains("my.yaml");
    SweepSpec off = SweepConfigParser.parse(MINIMAL + "latency: {enabled: false}\n", "t.yaml");
    assertThat(off.latency().enabled()).isFalse();
    assertThat(off.objectives()).isEqualTo(EXACT);
  }

  @Test
  void evolveSweepsDefaultToObjectivesThatDoNotVaryAndRefuseMeasuredLatency() {
    String evolve = """
        version: 1
        model: {zoo: mlp-64-64}
        dataset: mnist
        search:
          - name: evo
            evolve: {sparsities: [0, 0.5, 0.8], bits: [3, 5, 32], population: 4, generations: 2}
        """;
    assertThat(SweepConfigParser.parse(evolve, "t.yaml").objectives()).isEqualTo(EXACT);
    assertThatThrownBy(() -> SweepConfigParser.parse(evolve
        + "objectives: [{metric: accuracy, direction: maximize}, {metric: latency_b1_p50_ms, direction: minimize}]\n",
        "t.yaml")).isInstanceOf(ConfigException.class).hasMessageStartingWith("an 'evolve' block breeds from the "
        + "objectives, and measured latency (latency_b1_p50_ms) differs from run to run");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      too few runs       | latency: {runs: 3}                    | 'latency.runs' is set to 3 but must be >= min-runs (20)
      unknown key        | latency: {run: 3}                     | unknown key 'latency.run'; valid keys in 'latency': budget-ms, confirm-rounds, enabled, engine, max-iqr-ratio, min-runs, retries, runs, warmup
      enabled not a flag | latency: {enabled: yes please}        | 'latency.enabled' is set to "yes please" but must be true or false
      zero ratio         | latency: {max-iqr-ratio: 0}           | 'latency.max-iqr-ratio' is set to 0.0 but must be > 0
      unknown engine     | latency: {engine: tflite}             | 'latency.engine' is set to "tflite" but must be runtime, onnxruntime or both
      latency objective  | 'latency: {enabled: false}\\nobjectives: [{metric: latency_b1_p50_ms, direction: minimize}]' | objective 'latency_b1_p50_ms' needs latency measurement, which is off ('latency.enabled: false'); turn it on or choose another objective
      """)
  void badLatencySettingsNameTheKey(String name, String extra, String message) {
    String yaml = MINIMAL + extra.replace("\\n", "\n") + "\n";
    assertThatThrownBy(() -> SweepConfigParser.parse(yaml, "t.yaml")).isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void theShippedDefaultSweepParses() throws Exception {
    Path p = Path.of("..", "conf", "sweeps", "mnist-mlp.yaml");
    SweepSpec s = SweepConfigParser.parse(Files.readString(p), p.toString());
    assertThat(s.name()).isEqualTo("mnist-mlp");
    assertThat(s.search()).hasSizeGreaterThanOrEqualTo(5);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown top key   | version: 1\\nmodle: {zoo: mlp-64-64}                     | unknown key 'modle'; valid keys at the top level: dataset, devices, eval-batch-size, evaluation, latency, model, name, nightly, objectives, output, sample, search, seed, version
      missing version   | name: x                                                   | missing key 'version' in t.yaml; add 'version: 1' as the first line
      wrong version     | version: 2                                                | 'version' is set to 2 but this modelpress reads version 1
      seed not a number | version: 1\\nseed: abc                                     | 'seed' is set to "abc" but must be an integer
      sparsity >= 1     | BASE\\n  - prune: {scope: layer, sparsities: [0.5, 1.5]}   | 'search[1].prune.sparsities[1]' is set to 1.5 but must be in [0, 1)
      bits 9            | BASE\\n  - quantize: {bits: [4, 9]}                        | 'search[1].quantize.bits[1]' is set to 9 but must be in 2..8, 16 or 32
      unknown prune key | BASE\\n  - prune: {scope: layer, sparsity: 0.5}            | unknown key 'search[1].prune.sparsity'; valid keys in 'search[1].prune': calibration-batches, layers, method, scope, sparsities, structure, thresholds
      unknown scope     | BASE\\n  - prune: {scope: channel, sparsities: 0.5}        | 'search[1].prune.scope' is set to "channel" but must be one of [layer, global, threshold, single-layer]
      unknown scheme    | BASE\\n  - quantize: {bits: 4, scheme: log}                | 'search[1].quantize.scheme' is set to "log" but must be one of [symmetric, affine]
      unknown zoo       | version: 1\\nmodel: {zoo: resnet}\\ndataset: mnist           | 'model.zoo' is set to "resnet" but must be one of [mlp-64-64, lenet-300-100, lenet5, mlp-1200-1200]
      zoo and path      | version: 1\\nmodel: {zoo: mlp-64-64, path: m.zip}          | 'model' needs exactly one of 'zoo' (one of [mlp-64-64, lenet-300-100, lenet5, mlp-1200-1200]), 'path' (a saved DL4J model) or 'onnx' (an ONNX file)
      onnx and train    | version: 1\\nmodel: {onnx: m.onnx, train: {epochs: 2}}   | 'model.train' applies to 'model.zoo' only; remove it or use 'zoo'
      unknown dataset   | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: cifar        | 'dataset.name' is set to "cifar" but must be one of [mnist, fashion-mnist] (other data: 'format: parquet' or 'format: image-folder' with 'train' and 'test')
      no format         | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {train: a, test: b} | 'dataset.format' is missing; with 'train' and 'test' it must be one of [parquet, image-folder]
      no shape          | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {format: parquet, train: a, test: b, features: x} | 'dataset.shape' is missing; format parquet needs [C, H, W], e.g. 'shape: [1, 28, 28]'
      features and image | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {format: parquet, train: a, test: b, features: x, image: y, shape: [1, 2, 2]} | 'dataset.features' or 'image' must be given, not both: 'features' names an array column of C·H·W values, 'image' a binary column of encoded PNG/JPEG images
      two channels      | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {format: image-folder, train: a, test: b, shape: [2, 8, 8]} | 'dataset.shape' has 2 channels but images decode to 1 (greyscale) or 3 (RGB)
      resize features   | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {format: parquet, train: a, test: b, features: x, shape: [1, 2, 2], resize: true} | 'dataset.resize' applies to images; an array column 'x' is not resized
      name with parquet | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {format: parquet, name: mnist, train: a, test: b} | 'dataset.name' applies to format idx only; format parquet reads 'train' and 'test'
      bad shape         | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {format: parquet, train: a, test: b, features: x, shape: [1, 0, 2]} | 'dataset.shape' is set to [1, 0, 2] but must be [C, H, W] of positive integers, e.g. [1, 28, 28]
      no scale          | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {name: mnist, normalize: {mean: [0.1], std: [0.3]}} | 'dataset.normalize.scale' is missing; e.g. 0.00392156862745098 (1/255) for bytes or images, 1 for values already scaled
      mean for 3 on idx | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: {name: mnist, normalize: {scale: 1, mean: [0, 0, 0], std: [1, 1, 1]}} | 'dataset.normalize' has 3 mean and std values but the data has 1 channel; give one per channel
      empty search      | version: 1\\nmodel: {zoo: mlp-64-64}\\ndataset: mnist\\nsearch: [] | 'search' is empty; add at least one block with 'prune', 'quantize' or 'distill'
      bad regex         | BASE\\n  - prune: {scope: layer, sparsities: 0.5, layers: {regex: 'fc['}} | 'search[1].prune.layers': 'layers.regex' is set to 'fc[' which is not a valid regular expression: Unclosed character class
      unknown metric    | BASE\\nobjectives: [{metric: speed, direction: maximize}]  | 'objectives[0].metric' is set to "speed" but must be one of [accuracy, accuracy_drop, compression_ratio, effective_macs, encoded_bytes, energy_estimate_uj, est_latency_ms[@DEVICE], latency_b1_p50_ms, latency_b1_p95_ms, latency_b32_p50_ms, latency_b32_p95_ms, macro_f1, macs, nonzero_params, params, sparsity]
      agp without prune | BASE\\n  - finetune: {schedule: agp}                           | 'search[1].finetune.schedule' is agp, which ramps the sparsity of a 'prune' block with scope layer, global or single-layer; add one or use schedule one-shot
      finetune lr       | BASE\\n  - prune: {sparsities: 0.5}\\n    finetune: {learning-rate: 0} | 'search[1].finetune.learning-rate' is set to 0.0 but must be in (0, 10)
      epochs 0          | version: 1\\nmodel: {zoo: mlp-64-64, train: {epochs: 0}}\\ndataset: mnist   | 'model.train.epochs' is set to 0 but must be in 1..1000
      duplicate version | version: 1\\nversion: 1\\nmodel: {zoo: mlp-64-64}         | key 'version' appears twice in t.yaml, at line 1 and line 2; keep one
      duplicate level   | BASE\\n  - prune: {scope: layer, sparsities: 0.5}\\n    quantize: {bits: 4, bits: 8} | key 'search[1].quantize.bits' appears twice in t.yaml, at line 7 and line 7; keep one
      duplicate nested  | BASE\\n  - prune:\\n      sparsities: [0.5]\\n      sparsities: [0.9] | key 'search[1].prune.sparsities' appears twice in t.yaml, at line 7 and line 8; keep one
      """)
  void badConfigsGetOneLineNamingKeyValueAndFix(String name, String yaml, String message) {
    String text = yaml.replace("\\n", "\n").replace("BASE", MINIMAL.strip());
    assertThatThrownBy(() -> SweepConfigParser.parse(text, "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void levelsMayBeARange() {
    SweepSpec s = SweepConfigParser.parse(MINIMAL.replace("sparsities: [0.5, 0.9]", "sparsities: {from: 0.1, to: 0.3, step: 0.1}"), "t");
    assertThat(((SearchBlock.Grid) s.search().get(0)).prune().orElseThrow().levels()).containsExactly(0.1, 0.2, 0.3);
    assertThatThrownBy(() -> SweepConfigParser.parse(
        MINIMAL.replace("sparsities: [0.5, 0.9]", "sparsities: {from: 0.5, to: 1.2, step: 0.5}"), "t"))
        .hasMessage("'search[0].prune.sparsities' is set to 1.0 but must be in [0, 1)");
    assertThatThrownBy(() -> SweepConfigParser.parse(
        MINIMAL.replace("sparsities: [0.5, 0.9]", "sparsities: {from: 0.5, to: 0.2, step: 0.1}"), "t"))
        .hasMessage("'search[0].prune.sparsities' is the range from 0.5 to 0.2 by 0.1; it needs step > 0 and to >= from");
  }

  @Test
  void malformedYamlNamesTheLine() {
    assertThatThrownBy(() -> SweepConfigParser.parse("version: 1\nmodel: [zoo\n", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config t.yaml is not valid YAML at line 3, column 1: expected ',' or ']', but got <stream end>");
  }

  /**
   * config_json is written in the config's own schema: every shipped sweep config, written and parsed back,
   * gives an equal spec, and writing that gives the same text.
   */
  @Test
  void everyShippedConfigRoundTripsThroughItsConfigJson() throws Exception {
    List<Path> configs;
    try (var files = Files.walk(Path.of("..", "conf"))) {
      configs = files.filter(p -> p.toString().endsWith(".yaml"))
          .filter(p -> !p.toString().contains("sensitivity") && !p.toString().contains("logging")
              && !p.getFileName().toString().equals("devices.yaml") && !p.toString().contains("small-sensitivity"))
          .sorted().toList();
    }
    assertThat(configs).hasSizeGreaterThanOrEqualTo(10);
    for (Path p : configs) {
      SweepSpec s = SweepConfigParser.parse(Files.readString(p), p.toString());
      String json = ConfigWriter.json(s);
      SweepSpec back = SweepConfigParser.parse(json, "config_json of " + p);
      assertThat(back).as(p.toString()).isEqualTo(s);
      assertThat(ConfigWriter.json(back)).as(p.toString()).isEqualTo(json);
    }
    // defaults are written out: a minimal config's text names the training epochs and the latency settings
    String minimal = ConfigWriter.json(SweepConfigParser.parse(MINIMAL, "t.yaml"));
    assertThat(minimal).contains("\"epochs\":3", "\"warmup\":50", "\"calibration-batches\":16")
        .doesNotContain("objectives");
    // every dataset key round-trips, and the parsed record holds what the text says
    for (String ds : List.of(
        "{format: parquet, train: s3a://b/tr, test: s3a://b/te, image: png, label: y, shape: [3, 32, 32], classes: 7, "
            + "resize: true, normalize: {scale: 0.5, mean: [0.1, 0.2, 0.3], std: [1, 2, 4]}, test-limit: 9}",
        "{format: image-folder, train: a, test: b, shape: [1, 8, 8]}",
        "{name: fashion-mnist, normalize: {scale: 2}}")) {
      SweepSpec s = SweepConfigParser.parse(MINIMAL.replace("dataset: mnist", "dataset: " + ds), "t.yaml");
      SweepSpec back = SweepConfigParser.parse(ConfigWriter.json(s), "json");
      assertThat(back).as(ds).isEqualTo(s);
    }
    SweepSpec limited = SweepConfigParser.parse(MINIMAL + "evaluation: {broadcast-limit-mb: 0.5}\n", "t.yaml");
    assertThat(limited.broadcastLimitMb()).isEqualTo(0.5);
    assertThat(SweepConfigParser.parse(ConfigWriter.json(limited), "json")).isEqualTo(limited);
    assertThat(SweepConfigParser.parse(MINIMAL, "t.yaml").broadcastLimitMb()).isEqualTo(256);
    // the evaluation engine and the latency engine read back from the config_json a run keeps
    SweepSpec engines = SweepConfigParser.parse(MINIMAL + "evaluation: {engine: onnxruntime, broadcast-limit-mb: 2}\n"
        + "latency: {engine: onnxruntime}\n", "t.yaml");
    assertThat(engines.evalEngine()).isEqualTo(io.modelpress.spec.EvalEngine.ONNXRUNTIME);
    assertThat(engines.latency().engine()).isEqualTo(io.modelpress.spec.LatencySpec.Engine.ONNXRUNTIME);
    assertThat(SweepConfigParser.parse(ConfigWriter.json(engines), "json")).isEqualTo(engines);
    assertThat(SweepConfigParser.parse(MINIMAL, "t.yaml").evalEngine()).isEqualTo(io.modelpress.spec.EvalEngine.DL4J);
    assertThatThrownBy(() -> SweepConfigParser.parse(MINIMAL + "evaluation: {engine: tensorrt}\n", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("'evaluation.engine' is set to \"tensorrt\" but must be dl4j or onnxruntime");
    var d = SweepConfigParser.parse(MINIMAL.replace("dataset: mnist", "dataset: {format: parquet, train: a, test: b, "
        + "image: png, shape: [3, 32, 32], normalize: {scale: 0.5, mean: [0.1, 0.2, 0.3], std: [1, 2, 4]}}"), "t").dataset();
    assertThat(d.label()).isEqualTo("label");
    assertThat(d.shape()).containsExactly(3, 32, 32);
    assertThat(d.normalize().orElseThrow().apply(2, 2)).isEqualTo((2 * 0.5f - 0.3f) / 4);
  }
}
