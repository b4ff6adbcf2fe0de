package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code latency.engine} (issue #21): the latency stage times each trial's ONNX form in ONNX Runtime. The size
 * it records is checked against the file {@code modelpress export --out FILE.onnx} writes for the same trial
 * (written and verified by the export, not by the stage); the engines switch their columns on and off.
 */
class OnnxTimingTest extends CliTestBase {

  private static final String SEARCH = """
      search:
        - name: int8
          quantize: {bits: [8], granularity: [per-channel]}
        - name: structured
          prune: {scope: layer, sparsities: 0.5, structure: structured}
        - name: kmeans
          quantize: {method: [kmeans], bits: [4]}
      objectives:
        - {metric: accuracy, direction: maximize}
        - {metric: encoded_bytes, direction: minimize}
      """;

  private static Path sweep(String name, String engine, Path out) throws Exception {
    Path cfg = dir.resolve(name + ".yaml");
    Files.writeString(cfg, "version: 1\nname: " + name + "\nmodel: {path: \"" + model + "\"}\n"
        + "dataset: {name: mnist, test-limit: 500}\n" + SEARCH
        + "latency: {warmup: 3, runs: 20, min-runs: 5, budget-ms: 50, confirm-rounds: 0" + engine + "}\n");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", name, "--master", "local[2]");
    assertThat(r.code()).as(r.err() + r.out()).isZero();
    assertThat(r.out().contains("measured for 4 of 4 successful trials by ONNX Runtime on their ONNX form"))
        .as(r.out()).isEqualTo(!engine.equals(", engine: runtime"));
    assertThat(r.out().contains("ort_b1_ms")).isEqualTo(!engine.equals(", engine: runtime"));
    return out;
  }

  private static List<Row> rows(Path out, String run) {
    return io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials").where("run_id = '" + run + "'")
        .collectAsList();
  }

  @Test
  void bothEnginesTimeEveryTrialAndOnnxBytesIsTheExportedFilesSize() throws Exception {
    Path out = sweep("both", "", dir.resolve("timing-out"));
    List<Row> rows = rows(out, "both");
    assertThat(rows).hasSize(4);
    for (Row r : rows) {
      String what = r.getAs("block") + " " + r.getAs("ort_latency_error");
      assertThat(r.<String>getAs("ort_latency_error")).as(what).isNull();
      assertThat(r.<Double>getAs("ort_latency_b1_p50_ms")).as(what).isPositive();
      assertThat(r.<Double>getAs("ort_latency_b1_p95_ms")).as(what).isGreaterThanOrEqualTo(r.getAs("ort_latency_b1_p50_ms"));
      assertThat(r.<Double>getAs("ort_latency_b32_p50_ms")).as(what).isPositive();
      assertThat(r.<Double>getAs("latency_b1_p50_ms")).as(what).isPositive(); // the runtime too
      Path file = dir.resolve(r.<String>getAs("trial_id") + ".onnx");
      Run x = cli("export", "--run-id", "both", "--trial-id", r.getAs("trial_id"), "--results", out.toString(), "--out",
          file.toString(), "--master", "local[2]", "--tolerance", "2"); // int8 activations on 500 images
      assertThat(x.code()).as(x.err() + x.out()).isZero();
      assertThat(r.<Long>getAs("onnx_bytes")).as(what).isEqualTo(Files.size(file));
    }
    // the forms differ in size as their codings do: int8 weights a quarter of fp32's, structured about half
    long base = bytes(rows, "base");
    assertThat((double) bytes(rows, "int8") / base).isBetween(0.2, 0.35);
    assertThat((double) bytes(rows, "structured") / base).isBetween(0.4, 0.6);
  }

  private static long bytes(List<Row> rows, String block) {
    return rows.stream().filter(r -> r.getAs("block").equals(block)).findFirst().orElseThrow().getAs("onnx_bytes");
  }

  @Test
  void eachEngineAloneFillsItsOwnColumnsAndOnnxRuntimeAloneRefusesARuntimeObjective() throws Exception {
    Path out = dir.resolve("engines-out");
    sweep("rt", ", engine: runtime", out);
    sweep("ort", ", engine: onnxruntime", out);
    for (Row r : rows(out, "rt")) {
      assertThat(r.<Double>getAs("latency_b1_p50_ms")).isPositive();
      assertThat(r.<Long>getAs("onnx_bytes")).isNull();
      assertThat(r.<String>getAs("ort_latency_error")).isNull();
    }
    for (Row r : rows(out, "ort")) {
      assertThat(r.<Double>getAs("latency_b1_p50_ms")).isNull();
      assertThat(r.<String>getAs("latency_error")).isEqualTo("not measured: latency.engine is onnxruntime");
      assertThat(r.<Double>getAs("ort_latency_b32_p50_ms")).isPositive();
    }
    Path cfg = dir.resolve("ort-objective.yaml");
    Files.writeString(cfg, "version: 1\nname: x\nmodel: {path: \"" + model + "\"}\ndataset: {name: mnist, test-limit: 500}\n"
        + SEARCH.replace("{metric: encoded_bytes, direction: minimize}", "{metric: latency_b1_p50_ms, direction: minimize}")
        + "latency: {engine: onnxruntime}\n");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "x", "--master", "local[2]");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'latency.engine: onnxruntime' does not measure");
  }
}
