package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.cli.Cli;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** modelpress sensitivity: per-seed rows, summaries with intervals, the interaction check. */
class SensitivityCommandTest extends CliTestBase {

  @Test
  void sensitivityWritesPerSeedRowsSummariesWithIntervalsAndTheInteractionCheck() throws Exception {
    Path cfg = dir.resolve("sensitivity.yaml");
    Files.writeString(cfg, """
        version: 1
        name: sens-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 1000, train-limit: 1000}
        prune: {methods: [magnitude, taylor, magnitude-structured], sparsities: [0.3, 0.6, 0.9], calibration-batches: 2}
        quantize: {methods: [uniform, kmeans], bits: [2, 4]}
        seeds: 3
        interactions: {pairs: 2}
        """.formatted(model));
    Path out = dir.resolve("out-sens");
    Run r = cli("sensitivity", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "s1", "--master",
        "local[2]");
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    // base + fc1, fc2: 9 prune + 4 quant each; out: 6 prune + 4 quant; 2 pairs × (9 or 6 prune + 4 quant)
    assertThat(r.out()).containsPattern("trials    [0-9]+ ok, 0 failed")
        .containsPattern("interactions  [0-9]+ joint trials over 2 layer pairs")
        .contains("accuracy drop in points on the full test set [95 % bootstrap CI], per level (sparsity or bits)");
    SparkSession spark = reader();
    try {
      var rows = spark.read().parquet(out + "/sensitivity").where("run_id = 's1'");
      var summary = spark.read().parquet(out + "/sensitivity_summary").where("run_id = 's1'");
      long singles = summary.where("kind = 'single'").count();
      assertThat(singles).isEqualTo(13 + 13 + 10);
      // three seeds per trial, each paired with the base on the same resample
      assertThat(rows.where("kind = 'single'").count()).isEqualTo(3 * singles);
      assertThat(rows.where("kind = 'base'").selectExpr("max(abs(accuracy_drop))").first().getDouble(0)).isZero();
      for (var s : summary.collectAsList()) {
        assertThat(s.<Double>getAs("ci95_low")).isLessThanOrEqualTo(s.<Double>getAs("mean_drop"));
        assertThat(s.<Double>getAs("ci95_high")).isGreaterThanOrEqualTo(s.<Double>getAs("mean_drop"));
      }
      // 90 % unstructured magnitude pruning of fc1 hurts more than 30 %; 2-bit uniform more than 4-bit
      double p30 = summary.where("layer = 'fc1' and method = 'magnitude' and level = 0.3").first().getAs("mean_drop");
      double p90 = summary.where("layer = 'fc1' and method = 'magnitude' and level = 0.9").first().getAs("mean_drop");
      assertThat(p90).isGreaterThan(p30 + 0.05);
      double b2 = summary.where("layer = 'fc1' and method = 'uniform' and level = 2").first().getAs("mean_drop");
      double b4 = summary.where("layer = 'fc1' and method = 'uniform' and level = 4").first().getAs("mean_drop");
      assertThat(b2).isGreaterThan(b4);
      var pairs = summary.where("kind = 'pair'").collectAsList();
      assertThat(pairs).isNotEmpty();
      for (var p : pairs) {
        String[] ls = p.<String>getAs("layer").split("\\+");
        double a = summary.where("kind = 'single' and layer = '" + ls[0] + "' and method = '" + p.getAs("method")
            + "' and level = " + p.getAs("level")).first().getAs("mean_drop");
        double b = summary.where("kind = 'single' and layer = '" + ls[1] + "' and method = '" + p.getAs("method")
            + "' and level = " + p.getAs("level")).first().getAs("mean_drop");
        assertThat(p.<Double>getAs("predicted_drop")).isCloseTo(a + b, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(p.<Double>getAs("additivity_error"))
            .isCloseTo(p.<Double>getAs("mean_drop") - a - b, org.assertj.core.api.Assertions.within(1e-12));
      }
      var run = spark.read().parquet(out + "/runs").where("run_id = 's1'").first();
      assertThat(run.<String>getAs("objectives")).isEqualTo("sensitivity");
      // base_accuracy is the base model's full-sample accuracy: every single cell's full-sample accuracy plus
      // its full-sample drop, and the first number the summary prints
      double base = run.<Double>getAs("base_accuracy");
      for (var s : summary.where("kind = 'single'").collectAsList()) {
        assertThat(s.<Double>getAs("mean_accuracy") + s.<Double>getAs("mean_drop"))
            .isCloseTo(base, org.assertj.core.api.Assertions.within(1e-12));
      }
      assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "base accuracy %.2f %% on the test set, ",
          100 * base));
    } finally {
      spark.stop();
    }
  }

}
