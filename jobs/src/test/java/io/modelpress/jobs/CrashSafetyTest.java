package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.cli.SparkSessions;
import io.modelpress.spark.ResultReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The results survive a kill at every step of a run's writes: a sweep in a JVM of its own is halted (as
 * SIGKILL would: no shutdown hook, no finally) at a named step ({@code -Dmodelpress.test.crashAt}); the
 * same command then resumes it, and the tables end with exactly the rows of a run never interrupted,
 * each trial once, read back with Spark and with a plain Parquet reader. Also: a resume with another
 * config is refused and writes nothing, failed trials are evaluated again, and two attempts of one run id
 * never run at once.
 */
class CrashSafetyTest extends CliTestBase {

  /** Six trials (base, four quantizations, one global pruning), two per batch: three batches. */
  static Path cfg;
  static Path clean;
  static Map<String, String> cleanRows;

  @BeforeAll
  static void cleanRun() throws Exception {
    cfg = dir.resolve("crash.yaml");
    // objectives without measured latency: the ranks of two runs must not depend on timing noise
    Files.writeString(cfg, config(model.toString(), "objectives: [{metric: accuracy, direction: maximize}, "
        + "{metric: encoded_bytes, direction: minimize}]\nlatency: {enabled: false}").replace("""
          - name: single
            prune: {scope: single-layer, sparsities: [0.5, 0.9]}
        """, "").replace("""
          - name: tuned
            prune: {scope: global, sparsities: 0.9}
            finetune: {epochs: 1, learning-rate: 0.001}
        """, ""));
    clean = dir.resolve("out-clean");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", clean.toString(), "--run-id", "c", "--master", "local[2]",
        "--commit-every", "2");
    assertThat(r.code()).as(r.err()).isZero();
    cleanRows = rows(clean);
    assertThat(cleanRows).hasSize(6); // three batches of two
  }

  /** What each trial's row says, by trial id: the measured columns and the derived ones. */
  static Map<String, String> rows(Path out) {
    SparkSession spark = reader();
    try {
      Map<String, String> m = new TreeMap<>();
      String cols = "trial_id, trial_index, seed, status, accuracy, accuracy_drop, encoded_bytes, sparsity, "
          + "pareto_rank, knee, frontier_projections, run_fingerprint";
      for (Row r : ResultReader.table(spark, out.toString(), "trials").where("run_id = 'c'")
          .selectExpr(cols.split(", ")).collectAsList()) {
        assertThat(m.put(r.getString(0), r.toString())).as("trial " + r.getString(0) + " read twice").isNull();
      }
      return m;
    } finally {
      spark.stop();
    }
  }

  /** Trial ids in the trial files of run c, read by parquet-mr (no Spark): each once. */
  static List<String> plainTrialIds(Path out) throws Exception {
    List<String> ids = new ArrayList<>();
    try (var files = Files.walk(out.resolve("trials/run_id=c"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
        try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
            new org.apache.hadoop.fs.Path(f.toUri())).withConf(new Configuration()).build()) {
          for (Group g = r.read(); g != null; g = r.read()) {
            ids.add(g.getString("trial_id", 0));
          }
        }
      }
    }
    return ids;
  }

  static Process sweepProcess(Path out, Path log, String... props) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(Arrays.asList(SparkSessions.JAVA17_OPENS.split(" ")));
    cmd.addAll(Arrays.asList(props));
    cmd.addAll(List.of(classpathArgument(), "io.modelpress.cli.Cli", "sweep", "--config",
        cfg.toString(), "--out", out.toString(), "--run-id", "c", "--master", "local[2]", "--commit-every", "2"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("CI"); // as a user's shell: a CI variable hides ONNX Runtime's long-command-line crash
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  static void assertCleanRun(Path out) throws Exception {
    assertThat(rows(out)).isEqualTo(cleanRows);
    List<String> plain = plainTrialIds(out);
    assertThat(plain).hasSize(cleanRows.size());
    assertThat(new HashSet<>(plain)).isEqualTo(cleanRows.keySet());
    SparkSession spark = reader();
    try {
      assertThat(spark.read().parquet(out + "/runs").where("run_id = 'c'").count()).isEqualTo(1);
      assertThat(spark.read().parquet(out + "/frontier").where("run_id = 'c'").selectExpr("trial_id").collectAsList())
          .containsExactlyInAnyOrderElementsOf(spark.read().parquet(clean + "/frontier").where("run_id = 'c'")
              .selectExpr("trial_id").collectAsList());
      assertThat(spark.read().parquet(out + "/device_estimates").where("run_id = 'c'").count())
          .isEqualTo(spark.read().parquet(clean + "/device_estimates").where("run_id = 'c'").count());
    } finally {
      spark.stop();
    }
  }

  @ParameterizedTest
  // every state a kill can leave: before any row, after a batch, inside a batch's write (its file staged, not
  // yet published), between the derived tables, before the runs row, inside its write, after it (publishes:
  // batches 1-3, trial_ranks 4, frontier 5, device_estimates 6, runs 7)
  @ValueSource(strings = {"lease.acquired", "trials.batch.published@1", "publish.staged@2",
      "derived.trial_ranks.published", "runs.beforePublish", "publish.staged@7", "runs.published"})
  void aKillAtAnyWriteStepResumesToTheRowsOfACleanRun(String step) throws Exception {
    Path out = dir.resolve("out-" + step.replace('@', '-'));
    Path log = dir.resolve("crash-" + step + ".log");
    Process p = sweepProcess(out, log, "-Dmodelpress.test.crashAt=" + step);
    assertThat(p.waitFor(4, TimeUnit.MINUTES)).isTrue();
    String logged = Files.readString(log);
    assertThat(p.exitValue()).as(logged).isEqualTo(137);
    assertThat(logged).contains("halting at " + step.replaceAll("@.*", ""));
    if (step.equals("runs.published")) { // the run had finished: it is not run again
      Run again = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "c", "--master",
          "local[2]", "--commit-every", "2");
      assertThat(again.code()).isEqualTo(2);
      assertThat(again.err()).contains("already has results");
    } else {
      assertThat(out.resolve("runs/run_id=c/run.parquet")).as("not finished").doesNotExist();
      // the killed attempt's lease names a process of this host that is gone: taken over at once
      Run resumed = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "c", "--master",
          "local[2]", "--commit-every", "2");
      assertThat(resumed.code()).as(resumed.err()).isZero();
    }
    assertCleanRun(out);
    assertThat(out.resolve("_modelpress/runs/run_id=c/staging")).as("staging cleared").satisfiesAnyOf(
        s -> assertThat(s).doesNotExist(), s -> assertThat(s).isEmptyDirectory());
  }

  @Test
  void aResumeWithAnotherConfigIsRefusedAndWritesNothing() throws Exception {
    Path out = dir.resolve("out-changed");
    Process p = sweepProcess(out, dir.resolve("changed.log"), "-Dmodelpress.test.crashAt=trials.batch.published@2");
    assertThat(p.waitFor(4, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).isEqualTo(137);
    String original = Files.readString(cfg);
    Map<String, String> before = snapshot(out.resolve("trials"));
    Map<String, String> changes = new TreeMap<>(Map.of(
        "seed: 8", "'seed' is 42 there and 8 here",
        "LATENCY", "'latency.enabled' is false there and true here",
        "TRAIN", "'dataset.train-limit' is 2000 there and 3000 here"));
    for (var c : changes.entrySet()) {
      Path other = dir.resolve("changed.yaml");
      Files.writeString(other, switch (c.getKey()) {
        case "TRAIN" -> original.replace("train-limit: 2000", "train-limit: 3000");
        case "LATENCY" -> original.replace("latency: {enabled: false}", "latency: {enabled: true}");
        default -> original + c.getKey() + "\n";
      });
      Run r = cli("sweep", "--config", other.toString(), "--out", out.toString(), "--run-id", "c", "--master", "local[2]",
          "--commit-every", "2");
      assertThat(r.code()).as(r.err()).isEqualTo(2);
      assertThat(r.err()).contains("run id 'c' in " + out + " was started with another config or code: " + c.getValue());
      assertThat(snapshot(out.resolve("trials"))).as("nothing written").isEqualTo(before);
    }
    // the config it started with resumes it
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "c", "--master", "local[2]",
        "--commit-every", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertCleanRun(out);
  }

  @Test
  void failedTrialsAreEvaluatedAgainOnResumeUnlessKept() throws Exception {
    for (boolean keep : new boolean[] {false, true}) {
      Path out = dir.resolve("out-failed-" + keep);
      // every quantization trial fails, then the attempt dies before its runs row
      Process p = sweepProcess(out, dir.resolve("failed.log"), "-Dmodelpress.test.failAt=trial.quant@*",
          "-Dmodelpress.test.crashAt=runs.beforePublish");
      assertThat(p.waitFor(4, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as(Files.readString(dir.resolve("failed.log"))).isEqualTo(137);
      List<String> args = new ArrayList<>(List.of("sweep", "--config", cfg.toString(), "--out", out.toString(),
          "--run-id", "c", "--master", "local[2]", "--commit-every", "2"));
      if (keep) {
        args.add("--keep-failed");
      }
      Run r = cli(args.toArray(String[]::new));
      assertThat(r.code()).as(r.err()).isZero();
      if (keep) {
        assertThat(r.out()).contains((cleanRows.size() - 4) + " ok, 4 failed")
            .doesNotContain("evaluating its failed trials again");
      } else {
        assertThat(r.out()).contains("evaluating its failed trials again", cleanRows.size() + " ok, 0 failed");
        assertCleanRun(out);
      }
    }
  }

  @Test
  void aSecondLiveAttemptIsRefusedAndTakesOverOnlyAfterTheFirstDies() throws Exception {
    Path out = dir.resolve("out-two");
    Path log = dir.resolve("two.log");
    String ttl = System.getProperty("modelpress.lease.ttlSeconds");
    System.setProperty("modelpress.lease.ttlSeconds", "5"); // for the attempts in this JVM, as for the first
    try {
      twoAttempts(out, log);
    } finally {
      if (ttl == null) {
        System.clearProperty("modelpress.lease.ttlSeconds");
      } else {
        System.setProperty("modelpress.lease.ttlSeconds", ttl);
      }
    }
  }

  private void twoAttempts(Path out, Path log) throws Exception {
    // the first attempt stalls after its first batch, holding the lease (heartbeat every second)
    Process first = sweepProcess(out, log, "-Dmodelpress.test.pauseAt=trials.batch.published",
        "-Dmodelpress.test.pauseSeconds=600", "-Dmodelpress.lease.ttlSeconds=5");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.readString(log).contains("pausing at") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(log)).contains("pausing at");
    Thread.sleep(6000); // longer than the ttl: only the heartbeat keeps the lease
    Run second = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "c", "--master",
        "local[2]", "--commit-every", "2");
    assertThat(second.code()).as(second.err()).isEqualTo(2);
    assertThat(second.err()).contains("run id 'c' is being run by another attempt (host ", "pid " + first.pid());
    // another run id on the same --out is not held up
    Run other = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "other", "--master",
        "local[2]");
    assertThat(other.code()).as(other.err()).isZero();

    first.destroyForcibly().waitFor(); // SIGKILL: its lease is no longer renewed
    // its lease is younger than the ttl, but names a process of this host that is gone: taken over at once
    Run third = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "c", "--master",
        "local[2]", "--commit-every", "2");
    assertThat(third.code()).as(third.err()).isZero();
    assertThat(third.out()).contains("resuming run c");
    assertCleanRun(out);
    assertThat(rows(out).keySet()).isEqualTo(cleanRows.keySet());
    Set<String> left = new HashSet<>();
    try (var s = Files.list(out.resolve("_modelpress/runs/run_id=c"))) {
      s.forEach(f -> left.add(f.getFileName().toString()));
    }
    assertThat(left).as("the finished attempt released its lease, and the dead one's").noneMatch(n -> n.startsWith("lease-"));
  }
}
