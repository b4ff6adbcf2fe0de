package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.cli.Cli;
import io.modelpress.cli.SparkSessions;
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

/** A sweep killed while it runs resumes and ends with exactly the rows of an uninterrupted run. */
class ResumeTest extends CliTestBase {

  @Test
  void aKilledSweepResumesAndEndsWithExactlyTheRowsOfAnUninterruptedRun() throws Exception {
    Path cfg = dir.resolve("resume.yaml");
    // objectives without measured latency: ranks must not depend on timing noise to compare two runs
    Files.writeString(cfg, config(model.toString(), "objectives: [{metric: accuracy, direction: maximize}, "
        + "{metric: encoded_bytes, direction: minimize}]"));
    Path out = dir.resolve("out-resume");
    Path partition = out.resolve("trials/run_id=k1");
    // a real process, killed with SIGKILL as soon as its first batch of rows is committed
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(Arrays.asList(SparkSessions.JAVA17_OPENS.split(" ")));
    cmd.addAll(List.of(classpathArgument(), "io.modelpress.cli.Cli", "sweep", "--config",
        cfg.toString(), "--out", out.toString(), "--run-id", "k1", "--master", "local[2]", "--commit-every", "2"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("k1.log").toFile());
    pb.environment().remove("CI"); // as a user's shell: a CI variable hides ONNX Runtime's long-command-line crash
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process proc = pb.start();
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (proc.isAlive() && System.nanoTime() < deadline && !hasParquet(partition)) {
      Thread.sleep(20);
    }
    proc.destroyForcibly().waitFor();
    assertThat(hasParquet(partition)).as(Files.readString(dir.resolve("k1.log"))).isTrue();
    assertThat(out.resolve("runs/run_id=k1")).as("killed before it finished").doesNotExist();

    Run resumed = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "k1", "--master",
        "local[2]", "--commit-every", "2");
    assertThat(resumed.code()).as(resumed.err()).isEqualTo(0);
    assertThat(resumed.out()).containsPattern("resuming run k1: [1-9][0-9]* of 13 trials already have rows");
    Path straight = dir.resolve("out-straight");
    Run uninterrupted = cli("sweep", "--config", cfg.toString(), "--out", straight.toString(), "--run-id", "k1",
        "--master", "local[2]");
    assertThat(uninterrupted.code()).as(uninterrupted.err()).isEqualTo(0);

    SparkSession spark = reader();
    try {
      String cols = "trial_id, trial_index, status, accuracy, accuracy_drop, encoded_bytes, sparsity, pareto_rank";
      var a = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'k1'").selectExpr(cols.split(", "));
      var b = io.modelpress.spark.ResultReader.table(spark, String.valueOf(straight), "trials").where("run_id = 'k1'").selectExpr(cols.split(", "));
      assertThat(a.count()).isEqualTo(13);
      assertThat(a.select("trial_id").distinct().count()).isEqualTo(13);
      assertThat(a.orderBy("trial_index").collectAsList()).isEqualTo(b.orderBy("trial_index").collectAsList());
      // rows committed before the kill keep the latency measured then
      assertThat(io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'k1' and status = 'ok' and "
          + "(latency_b1_p50_ms is null or latency_b32_p95_ms is null or latency_host is null)").count()).isZero();
      assertThat(spark.read().parquet(out + "/frontier").where("run_id = 'k1'").count())
          .isEqualTo(spark.read().parquet(straight + "/frontier").where("run_id = 'k1'").count());
      assertThat(spark.read().parquet(out + "/runs").where("run_id = 'k1'").first().<Integer>getAs("trials_ok")).isEqualTo(13);
    } finally {
      spark.stop();
    }
    // a finished run is not resumed again
    Run again = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "k1", "--master", "local[2]");
    assertThat(again.code()).isEqualTo(2);
    // rows from another config under the same run id are refused, not mixed
    Path other = dir.resolve("other.yaml");
    Files.writeString(other, config(model.toString(), "").replace("sparsities: [0.5, 0.9]", "sparsities: [0.6]"));
    Path partial = dir.resolve("out-partial");
    Files.createDirectories(partial.resolve("trials"));
    copyTree(partition.getParent(), partial.resolve("trials"));
    Files.walk(partial.resolve("trials")).filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    deleteTree(partial.resolve("runs"));
    Run mixed = cli("sweep", "--config", other.toString(), "--out", partial.toString(), "--run-id", "k1", "--master",
        "local[2]");
    assertThat(mixed.code()).isEqualTo(2);
    // (only the trial files were copied, not the run's identity: the refusal names both fingerprints)
    assertThat(mixed.err()).contains("run id 'k1' in " + partial + " was started with another config or code: "
        + "its rows have run fingerprint ");
  }

}
