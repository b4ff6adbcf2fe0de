package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code evaluation.engine: onnxruntime} (issue #21): every kind of trial evaluated by ONNX Runtime on its ONNX
 * form against the same sweep evaluated by DL4J. Kinds whose ONNX form computes in fp32 (the base, pruned,
 * structured, codebook, fp16, a distilled student) predict as DL4J does but for near-ties; int8 QDQ also
 * quantizes activations, so its accuracy may move, by little. The int8 row is then checked against the exported
 * file's accuracy in ONNX Runtime, which {@code export} computes on its own.
 */
class EvalEngineTest extends CliTestBase {

  private static final String SEARCH = """
      search:
        - name: pruned
          prune: {scope: global, sparsities: 0.8}
        - name: structured
          prune: {scope: layer, sparsities: 0.5, structure: structured}
        - name: int8
          quantize: {bits: [8], granularity: [per-channel]}
        - name: codebook
          quantize: {method: [kmeans], bits: [4]}
        - name: fp16
          quantize: {bits: [16]}
        - name: student
          distill: {students: [mlp-16], temperatures: [4], alphas: [0.5], epochs: 1, batch-size: 64, validation: 200}
      latency: {enabled: false}
      objectives:
        - {metric: accuracy, direction: maximize}
        - {metric: encoded_bytes, direction: minimize}
      """;

  @Test
  void onnxRuntimeAgreesWithDl4jOnEveryKindOfTrial() throws Exception {
    Path out = dir.resolve("engines-out");
    Map<String, Map<String, Double>> accuracy = new HashMap<>(); // run -> trial id -> accuracy
    Map<String, String> blocks = new HashMap<>(); // trial id -> block (trial ids do not depend on the engine)
    for (String engine : new String[] {"dl4j", "onnxruntime"}) {
      Path cfg = dir.resolve(engine + ".yaml");
      Files.writeString(cfg, "version: 1\nname: " + engine + "\nmodel: {path: \"" + model + "\"}\n"
          + "dataset: {name: mnist, test-limit: 1000, train-limit: 2000}\nevaluation: {engine: " + engine + "}\n" + SEARCH);
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", engine, "--master", "local[2]");
      assertThat(r.code()).as(r.err() + r.out()).isZero();
      for (Row x : io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials")
          .where("run_id = '" + engine + "'").collectAsList()) {
        String block = x.getAs("block");
        assertThat(x.<String>getAs("status")).as(block + " " + x.getAs("error_message")).isEqualTo("ok");
        accuracy.computeIfAbsent(engine, k -> new HashMap<>()).put(x.getAs("trial_id"), x.getAs("accuracy"));
        blocks.put(x.getAs("trial_id"), block);
      }
    }
    Map<String, Double> dl4j = accuracy.get("dl4j");
    Map<String, Double> ort = accuracy.get("onnxruntime");
    assertThat(ort.keySet()).isEqualTo(dl4j.keySet());
    assertThat(blocks.values()).contains("base", "pruned", "structured", "int8", "codebook", "fp16", "student");
    ort.forEach((id, a) -> {
      // fp32 arithmetic in another order: at most a near-tie of 1,000 flips; int8 activations: a point at most
      double within = blocks.get(id).equals("int8") ? 0.01 : 0.001;
      assertThat(Math.abs(a - dl4j.get(id))).as(blocks.get(id) + " " + id + ": onnxruntime " + a + ", dl4j " + dl4j.get(id))
          .isLessThanOrEqualTo(within + 1e-9);
    });
    String int8 = blocks.entrySet().stream().filter(e -> e.getValue().equals("int8")).findFirst().orElseThrow().getKey();

    // the int8 row is ONNX Runtime's accuracy on the file export writes (calibrated on the same training images)
    Path file = dir.resolve("int8.onnx");
    Run x = cli("export", "--run-id", "onnxruntime", "--trial-id", int8, "--results", out.toString(),
        "--out", file.toString(), "--master", "local[2]", "--tolerance", "0");
    assertThat(x.code()).as(x.err() + x.out()).isZero();
    assertThat(x.out()).contains(String.format(java.util.Locale.ROOT, "ONNX Runtime accuracy %.2f %% on 1000 test images "
        + "(row: %.2f %%", 100 * ort.get(int8), 100 * ort.get(int8)));
  }

  @Test
  void aTestSplitInShardsIsRefusedWithOnnxRuntime() throws Exception {
    Path cfg = dir.resolve("ort-shards.yaml");
    Files.writeString(cfg, "version: 1\nname: s\nmodel: {path: \"" + model + "\"}\n"
        + "dataset: {format: parquet, train: \"" + OwnDataTest.converted().resolve("train.parquet") + "\", test: \""
        + OwnDataTest.converted().resolve("test.parquet") + "\", features: pixels, shape: [1, 28, 28], test-limit: 2000}\n"
        + "evaluation: {engine: onnxruntime, broadcast-limit-mb: 0.5}\n" + SEARCH);
    Run r = cli("sweep", "--config", cfg.toString(), "--out", dir.resolve("s-out").toString(), "--master", "local[2]");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("evaluation.engine onnxruntime does not yet evaluate a test split in shards");
  }
}
