package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CLI as users run it: real MNIST, a real saved model, local[2], Parquet tables; bad input refused. */
class CliTest {

  @TempDir
  static Path dir;

  static Path model;
  static Path model10x10;

  @BeforeAll
  static void models() throws Exception {
    Path mnist = Path.of(Datasets.cacheDir(), "data", "mnist");
    if (!Files.exists(mnist.resolve("train-images-idx3-ubyte"))) {
      throw new IllegalStateException("MNIST is not in " + mnist + "; run bin/fetch-data mnist first");
    }
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 4000, 0), new Configuration());
    model = dir.resolve("mlp.zip");
    Files.write(model, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 1), train, (e, s) -> { }).save());
    // a model for 10×10 images: the wrong input size for MNIST
    Random r = new Random(1);
    byte[] px = new byte[50 * 100];
    r.nextBytes(px);
    int[] y = new int[50];
    LabeledImages tiny = new LabeledImages(50, 10, 10, px, y, new byte[32]);
    model10x10 = dir.resolve("mlp10x10.zip");
    Files.write(model10x10, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 50, 1e-3, 1), tiny, (e, s) -> { }).save());
  }

  static String config(String modelPath, String extra) {
    return """
        version: 1
        name: cli-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 1000, train-limit: 2000}
        search:
          - name: single
            prune: {scope: single-layer, sparsities: [0.5, 0.9]}
          - name: quant
            quantize: {bits: [4, 8], granularity: [per-tensor, per-channel]}
          - name: tuned
            prune: {scope: global, sparsities: 0.9}
            finetune: {epochs: 1, learning-rate: 0.001}
          - name: untuned
            prune: {scope: global, sparsities: 0.9}
        %s
        """.formatted(modelPath, extra);
  }

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void sweepWritesTablesAndRefusesToReuseARunIdWithoutOverwrite() throws Exception {
    Path cfg = dir.resolve("ok.yaml");
    Files.writeString(cfg, config(model.toString(), ""));
    Path out = dir.resolve("out-ok");
    Run first = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "r1", "--master", "local[2]");
    assertThat(first.code()).as(first.err()).isEqualTo(0);
    assertThat(first.out()).contains("modelpress sweep 'cli-test' finished: run r1", "13 ok, 0 failed", "frontier");
    assertThat(out.resolve("trials/run_id=r1")).isDirectory();
    assertThat(out.resolve("frontier/run_id=r1")).isDirectory();
    assertThat(out.resolve("runs/run_id=r1")).isDirectory();

    java.util.Map<String, String> before = snapshot(out);
    Run again = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "r1", "--master", "local[2]");
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).isEqualTo("modelpress: error: run id 'r1' already has results in " + out
        + "; pass --overwrite to replace them or choose another --run-id" + System.lineSeparator());
    assertThat(snapshot(out)).as("the refused run touched nothing").isEqualTo(before);

    Run over = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "r1", "--master", "local[2]",
        "--overwrite");
    assertThat(over.code()).as(over.err()).isEqualTo(0);
    Run second = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "r2", "--master", "local[2]");
    assertThat(second.code()).isEqualTo(0);

    SparkSession spark = reader();
    try {
      // overwrite replaced r1 (no duplicates) and left r2 alone; trial ids are the same in both runs
      assertThat(spark.read().parquet(out + "/trials").where("run_id = 'r1'").count()).isEqualTo(13);
      assertThat(spark.read().parquet(out + "/trials").where("run_id = 'r2'").count()).isEqualTo(13);
      assertThat(spark.read().parquet(out + "/trials").select("trial_id").distinct().count()).isEqualTo(13);
      assertThat(spark.read().parquet(out + "/runs").count()).isEqualTo(2);
      var run = spark.read().parquet(out + "/runs").where("run_id = 'r2'").first();
      assertThat(run.<String>getAs("model_fingerprint")).matches("[0-9a-f]{64}");
      assertThat(run.<String>getAs("spark_version")).isEqualTo("3.5.9");
      assertThat(run.<String>getAs("config_json")).contains("cli-test");
      // the fine-tuned trial ran on an executor with the broadcast training split and kept its masks
      var tuned = spark.read().parquet(out + "/trials").where("run_id = 'r2' and finetune_schedule = 'one-shot'").first();
      assertThat(tuned.<String>getAs("status")).isEqualTo("ok");
      assertThat(tuned.<Double>getAs("sparsity")).isGreaterThanOrEqualTo(0.9);
      var untuned = spark.read().parquet(out + "/trials")
          .where("run_id = 'r2' and prune_scope = 'global' and finetune_schedule is null").first();
      assertThat(tuned.<Double>getAs("accuracy")).isGreaterThan(untuned.<Double>getAs("accuracy"));
      // the accuracy/encoded_bytes projection: its members are non-dominated in those two objectives alone
      var t2 = spark.read().parquet(out + "/trials").where("run_id = 'r2' and status = 'ok'");
      t2.createOrReplaceTempView("t2");
      assertThat(t2.where("frontier_projections like '%accuracy/encoded_bytes%'").count()).isPositive();
      assertThat(spark.sql("select a.trial_id from t2 a join t2 b on b.accuracy >= a.accuracy "
          + "and b.encoded_bytes <= a.encoded_bytes and (b.accuracy > a.accuracy or b.encoded_bytes < a.encoded_bytes) "
          + "where a.frontier_projections like '%accuracy/encoded_bytes%'").count()).isZero();
      assertThat(spark.sql("select a.trial_id from t2 a where a.frontier_projections not like '%accuracy/encoded_bytes%' "
          + "or a.frontier_projections is null").count()).isPositive();
    } finally {
      spark.stop();
    }
  }

  @Test
  void latencyIsMeasuredForEveryTrialAndSelectPicksPerDeviceAndConstraints() throws Exception {
    Path cfg = dir.resolve("latency.yaml");
    Files.writeString(cfg, config(model.toString(), "latency: {runs: 60}"));
    Path out = dir.resolve("out-latency");
    Run sweep = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "lat", "--master",
        "local[2]");
    assertThat(sweep.code()).as(sweep.err()).isEqualTo(0);
    assertThat(sweep.out()).contains("latency   measured for 13 of 13 successful trials");
    SparkSession spark = reader();
    try {
      var trials = spark.read().parquet(out + "/trials").where("run_id = 'lat'");
      trials.createOrReplaceTempView("lat_trials");
      assertThat(trials.where("status = 'ok'").count()).isEqualTo(13);
      // every trial: batch 1 and 32, p95 >= p50 > 0, run counts within the bounds, where and how it ran
      assertThat(trials.where("not (latency_b1_p50_ms > 0 and latency_b1_p95_ms >= latency_b1_p50_ms "
          + "and latency_b32_p50_ms > 0 and latency_b32_p95_ms >= latency_b32_p50_ms and latency_b1_iqr_ms >= 0 "
          + "and latency_b1_runs between 20 and 60 and latency_b32_runs between 20 and 60 and latency_attempts >= 2 "
          + "and latency_host is not null and latency_noisy is not null and latency_error is null)").count()).isZero();
      // the compressed form is what runs: 90 % sparse layers as CSR, uniform per-tensor codes as codebooks
      assertThat(trials.where("prune_scope = 'global'").select("runtime_kinds").distinct().collectAsList())
          .allSatisfy(r -> assertThat(r.getString(0)).contains("csr-fp32"));
      assertThat(trials.where("quant_bits = 4 and quant_granularity = 'per-tensor'").first()
          .<String>getAs("runtime_kinds")).isEqualTo("codebook,codebook,codebook");
      // the frontier is over accuracy, size and measured latency, and every frontier row has p50 and p95
      var frontier = spark.read().parquet(out + "/frontier").where("run_id = 'lat'");
      assertThat(frontier.count()).isPositive();
      assertThat(frontier.where("latency_b1_p50_ms is null or latency_b1_p95_ms is null").count()).isZero();
      assertThat(spark.read().parquet(out + "/runs").where("run_id = 'lat'").first().<String>getAs("objectives"))
          .isEqualTo("accuracy maximize, encoded_bytes minimize, latency_b1_p50_ms minimize");
      // estimates: every successful trial on every bundled device, each device's frontier non-dominated
      var est = spark.read().parquet(out + "/device_estimates").where("run_id = 'lat'");
      est.createOrReplaceTempView("lat_est");
      assertThat(est.count()).isEqualTo(13 * 4);
      assertThat(est.select("device").distinct().count()).isEqualTo(4);
      assertThat(est.where("on_device_frontier").count()).isPositive();
      assertThat(spark.sql("select a.trial_id from lat_est a join lat_est b on a.device = b.device and b.fits "
          + "and b.accuracy >= a.accuracy and b.encoded_bytes <= a.encoded_bytes and b.est_latency_ms <= a.est_latency_ms "
          + "and (b.accuracy > a.accuracy or b.encoded_bytes < a.encoded_bytes or b.est_latency_ms < a.est_latency_ms) "
          + "where a.on_device_frontier").count()).isZero();
    } finally {
      spark.stop();
    }
    String results = out.toString();
    Run phone = cli("select", "--run-id", "lat", "--results", results, "--device", "phone-big-core");
    assertThat(phone.code()).as(phone.err()).isEqualTo(0);
    Run mcu = cli("select", "--run-id", "lat", "--results", results, "--device", "mcu-cortex-m4", "--max-size-kb", "40");
    assertThat(mcu.code()).as(mcu.err()).isEqualTo(0);
    assertThat(mcu.out()).contains("latency and energy are ESTIMATES", "(estimate)", "encoded size <= 40960 bytes");
    assertThat(chosen(phone.out())).isNotEqualTo(chosen(mcu.out()));
    Run measured = cli("select", "--run-id", "lat", "--results", results, "--device", "measured", "--max-accuracy-drop",
        "1");
    assertThat(measured.code()).as(measured.err()).isEqualTo(0);
    assertThat(measured.out()).contains("ms p50", "measured on");
    // no trial meets the limit: which one, and the closest trial; exit 1
    Run none = cli("select", "--run-id", "lat", "--results", results, "--device", "mcu-cortex-m4", "--max-latency-ms",
        "0.001");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.out()).contains("no trial meets --max-latency-ms 0.001 on mcu-cortex-m4 (fastest: ", "closest trial:");
    Run toaster = cli("select", "--run-id", "lat", "--results", results, "--device", "toaster");
    assertThat(toaster.code()).isEqualTo(2);
    assertThat(toaster.err()).isEqualTo("modelpress: error: '--device' is set to \"toaster\" but the profiles of "
        + "conf/devices.yaml are [phone-big-core, phone-little-core, mcu-cortex-m7, mcu-cortex-m4] (or 'measured')"
        + System.lineSeparator());
    Run badDrop = cli("select", "--run-id", "lat", "--results", results, "--device", "measured", "--max-accuracy-drop",
        "lots");
    assertThat(badDrop.code()).isEqualTo(2);
    assertThat(badDrop.err().lines().toList()).containsExactly("modelpress: error: '--max-accuracy-drop' is set to "
        + "\"lots\" but must be a number >= 0 and <= 100 (percentage points)");
    Path artifact = dir.resolve("selected/mcu.mpz");
    Run export = cli("select", "--run-id", "lat", "--results", results, "--device", "mcu-cortex-m4", "--max-size-kb",
        "40", "--export", artifact.toString());
    assertThat(export.code()).as(export.err()).isEqualTo(0);
    assertThat(export.out()).contains("exported trial " + chosen(mcu.out()));
    assertThat(artifact).isRegularFile();
  }

  /** The trial id a select printed. */
  static String chosen(String selectOutput) {
    var m = java.util.regex.Pattern.compile("(?m)^  trial +([0-9a-f]{16})").matcher(selectOutput);
    assertThat(m.find()).as(selectOutput).isTrue();
    return m.group(1);
  }

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
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.modelpress.jobs.Cli", "sweep", "--config",
        cfg.toString(), "--out", out.toString(), "--run-id", "k1", "--master", "local[2]", "--commit-every", "2"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("k1.log").toFile());
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
      var a = spark.read().parquet(out + "/trials").where("run_id = 'k1'").selectExpr(cols.split(", "));
      var b = spark.read().parquet(straight + "/trials").where("run_id = 'k1'").selectExpr(cols.split(", "));
      assertThat(a.count()).isEqualTo(13);
      assertThat(a.select("trial_id").distinct().count()).isEqualTo(13);
      assertThat(a.orderBy("trial_index").collectAsList()).isEqualTo(b.orderBy("trial_index").collectAsList());
      // rows committed before the kill keep the latency measured then
      assertThat(spark.read().parquet(out + "/trials").where("run_id = 'k1' and status = 'ok' and "
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
    assertThat(mixed.err()).contains("run id 'k1' has rows in " + partial + "/trials from another config");
  }

  @Test
  void tooManyFailedTrialsFailTheJobAfterWritingEveryRow() throws Exception {
    // 8-bit k-means needs 256 weights per layer: 'out' has 640, but after removing 3/4 of fc2's neurons it has
    // 160, which only the trial itself finds out: a failed row, not a refused config
    Path cfg = dir.resolve("failing.yaml");
    Files.writeString(cfg, """
        version: 1
        name: failing
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        search:
          - name: ok
            quantize: {bits: 8}
          - name: fails
            prune: {structure: structured, sparsities: 0.75, layers: {names: [fc2]}}
            quantize: {method: kmeans, bits: 8}
        """.formatted(model));
    Path out = dir.resolve("out-failing");
    Run tolerated = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "f1", "--master",
        "local[2]", "--max-failed-trials", "1");
    assertThat(tolerated.code()).as(tolerated.err()).isEqualTo(0);
    assertThat(tolerated.out()).contains("2 ok, 1 failed", "layer 'out' has 160 weights, fewer than the 256 centroids");
    Run failed = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "f2", "--master",
        "local[2]", "--max-failed-trials", "0");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).isEqualTo("modelpress: failed: 1 of 3 trials failed, more than --max-failed-trials 0; their "
        + "rows (status 'failed', error_class, error_message) are in " + out + "/trials" + System.lineSeparator());
    assertThat(out.resolve("runs/run_id=f2")).isDirectory(); // every row is written, failures included
    SparkSession spark = reader();
    try {
      for (String run : List.of("f1", "f2")) {
        List<org.apache.spark.sql.Row> rows = spark.read().parquet(out + "/trials").where("run_id = '" + run + "'")
            .orderBy("trial_index").collectAsList();
        assertThat(rows).extracting(r -> r.<String>getAs("status")).containsExactly("ok", "ok", "failed");
        org.apache.spark.sql.Row f = rows.get(2);
        assertThat(f.<String>getAs("block")).isEqualTo("fails");
        assertThat(f.<String>getAs("error_class")).isNotBlank();
        assertThat(f.<String>getAs("error_message")).contains("layer 'out' has 160 weights, fewer than the 256 centroids");
        assertThat(f.<Double>getAs("accuracy")).isNull();
        assertThat(f.<Integer>getAs("pareto_rank")).as("a failed trial is on no frontier").isNull();
      }
      assertThat(spark.read().parquet(out + "/frontier").where("run_id = 'f1'").collectAsList())
          .extracting(r -> r.<String>getAs("status")).containsOnly("ok");
    } finally {
      spark.stop();
    }
    Run bad = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "f3", "--commit-every", "0");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("modelpress: error: '--commit-every' is set to \"0\" but must be a whole number >= 1"
        + System.lineSeparator());
  }

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
        .containsPattern("interactions  [0-9]+ joint trials over 2 layer pairs");
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
      assertThat(spark.read().parquet(out + "/runs").where("run_id = 's1'").first().<String>getAs("objectives"))
          .isEqualTo("sensitivity");
    } finally {
      spark.stop();
    }
  }

  @Test
  void resultsCommandsQueryTheRegisteredTables() throws Exception {
    Path cfg = dir.resolve("results.yaml");
    Files.writeString(cfg, """
        version: 1
        name: results-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        search:
          - quantize: {bits: [2, 4, 8]}
        """.formatted(model));
    Path out = dir.resolve("out-results");
    for (String id : List.of("a1", "a2")) {
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", id, "--master", "local[2]");
      assertThat(r.code()).as(r.err()).isEqualTo(0);
    }
    Run runs = cli("results", "runs", "--results", out.toString());
    assertThat(runs.code()).as(runs.err()).isEqualTo(0);
    assertThat(runs.out()).startsWith("run_id  name          started_at").contains("a1  ", "a2  ", "(2 rows)");

    Run frontier = cli("results", "frontier", "--run-id", "a1", "--results", out.toString(), "--format", "csv");
    assertThat(frontier.code()).as(frontier.err()).isEqualTo(0);
    List<String> lines = frontier.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("trial_id,method,accuracy,accuracy_drop,encoded_bytes,ratio,macs,energy_uj,"
        + "b1_p50_ms,b1_p95_ms,b32_p50_ms,noisy");
    assertThat(lines.size()).isGreaterThan(1);

    Run compare = cli("results", "compare", "--run-id", "a1", "--run-id", "a2", "--results", out.toString(), "--format",
        "json");
    assertThat(compare.code()).as(compare.err()).isEqualTo(0);
    List<String> json = compare.out().lines().toList();
    assertThat(json).hasSize(4); // base + 3 bit widths, matched by trial id
    for (String l : json) {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
      assertThat(node.get("accuracy_diff").asDouble()).isZero(); // same trials, same results
    }

    Run sql = cli("results", "sql", "select count(*) as n, count(distinct run_id) as runs from modelpress.trials",
        "--results", out.toString(), "--format", "csv");
    assertThat(sql.code()).as(sql.err()).isEqualTo(0);
    assertThat(sql.out()).isEqualTo("n,runs" + System.lineSeparator() + "8,2" + System.lineSeparator());

    // the schema is defined once (ResultSchemas): the written tables have exactly it, and README documents every column
    SparkSession spark = reader();
    try {
      for (String t : List.of("trials", "frontier", "runs", "device_estimates")) {
        var declared = t.equals("runs") ? io.modelpress.spark.ResultSchemas.RUNS
            : t.equals("device_estimates") ? io.modelpress.spark.ResultSchemas.DEVICE_ESTIMATES
            : io.modelpress.spark.ResultSchemas.TRIALS;
        var written = spark.read().parquet(out + "/" + t).schema();
        assertThat(java.util.Set.of(written.fieldNames())).isEqualTo(java.util.Set.of(declared.fieldNames()));
        for (var f : declared.fields()) {
          assertThat(written.apply(f.name()).dataType()).as(t + "." + f.name()).isEqualTo(f.dataType());
        }
      }
    } finally {
      spark.stop();
    }
    String readme = Files.readString(Path.of("..", "README.md"));
    for (var schema : List.of(io.modelpress.spark.ResultSchemas.TRIALS, io.modelpress.spark.ResultSchemas.RUNS,
        io.modelpress.spark.ResultSchemas.DEVICE_ESTIMATES,
        io.modelpress.spark.ResultSchemas.SENSITIVITY, io.modelpress.spark.ResultSchemas.SENSITIVITY_SUMMARY,
        io.modelpress.spark.ResultSchemas.SOFT_TARGETS, io.modelpress.spark.ResultSchemas.NIGHTLY_DIFF)) {
      for (String c : schema.fieldNames()) {
        assertThat(readme).as("README documents column " + c).contains("`" + c + "`");
      }
    }

    Run badSql = cli("results", "sql", "select nope from modelpress.trials", "--results", out.toString());
    assertThat(badSql.code()).isEqualTo(2);
    assertThat(badSql.err()).startsWith("modelpress: error: query failed: ").contains("nope", "modelpress.trials");
    Run noRun = cli("results", "frontier", "--run-id", "zz9", "--results", out.toString());
    assertThat(noRun.code()).isEqualTo(2);
    assertThat(noRun.err()).isEqualTo("modelpress: error: run 'zz9' has no row in " + out + "/runs" + System.lineSeparator());
    Run badFormat = cli("results", "runs", "--results", out.toString(), "--format", "xml");
    assertThat(badFormat.err()).isEqualTo("modelpress: error: '--format' is set to \"xml\" but must be table, csv or json"
        + System.lineSeparator());
    Run empty = cli("results", "runs", "--results", dir.resolve("nothing-here").toString());
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("no results tables under");
  }

  @Test
  void anAllocatedSweepTakesPerLayerLevelsFromASensitivityRunOfTheSameModel() throws Exception {
    Path out = dir.resolve("out-alloc");
    Path sens = dir.resolve("alloc-sens.yaml");
    Files.writeString(sens, """
        version: 1
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        prune: {methods: [magnitude], sparsities: [0.3, 0.6, 0.9]}
        quantize: {methods: [kmeans], bits: [2, 3, 5]}
        seeds: 2
        interactions: {pairs: 0}
        """.formatted(model));
    Run s = cli("sensitivity", "--config", sens.toString(), "--out", out.toString(), "--run-id", "sens1", "--master",
        "local[2]");
    assertThat(s.code()).as(s.err()).isEqualTo(0);
    Path cfg = dir.resolve("alloc.yaml");
    String yaml = """
        version: 1
        name: alloc
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        search:
          - name: allocated
            allocate:
              sensitivity: {results: "%s", run-id: sens1}
              prune-method: magnitude
              quantize-method: kmeans
              thresholds: [0.0, 0.005, 0.02, 0.1]
        objectives:
          - {metric: accuracy, direction: maximize}
          - {metric: encoded_bytes, direction: minimize}
        """.formatted(model, out);
    Files.writeString(cfg, yaml);
    Run sweep = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "al1", "--master", "local[2]");
    assertThat(sweep.code()).as(sweep.err()).isEqualTo(0);
    assertThat(sweep.out()).containsPattern("block allocated: [1-4] allocations from sensitivity run sens1")
        .contains("hypervolume ");
    SparkSession spark = reader();
    try {
      var rows = spark.read().parquet(out + "/trials").where("run_id = 'al1' and block = 'allocated'").collectAsList();
      assertThat(rows).isNotEmpty();
      for (var r : rows) {
        assertThat(r.<String>getAs("status")).isEqualTo("ok");
        String json = r.getAs("spec_json");
        assertThat(json).containsPattern("\"(sparsity|bits)\":\\{"); // per-layer maps
      }
      var run = spark.read().parquet(out + "/runs").where("run_id = 'al1'").first();
      assertThat(run.<Double>getAs("hypervolume")).isGreaterThan(0.0);
      assertThat(spark.read().parquet(out + "/frontier").where("run_id = 'al1' and knee").count()).isEqualTo(1);
    } finally {
      spark.stop();
    }
    // a sensitivity run of another model is refused
    Path another = dir.resolve("another.zip");
    Files.write(another, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 2),
        Datasets.train(new DatasetSpec("mnist", "", 500, 0), new Configuration()), (e, x) -> { }).save());
    Files.writeString(cfg, yaml.replaceFirst(java.util.regex.Pattern.quote(model.toString()), another.toString()));
    Run other = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "al2", "--master",
        "local[2]");
    assertThat(other.code()).isEqualTo(2);
    assertThat(other.err()).contains("sensitivity run sens1 measured another model");
    Files.writeString(cfg, yaml.replace("run-id: sens1", "run-id: nope"));
    Run missing = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "al3", "--master",
        "local[2]");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("'allocate.sensitivity.run-id' is nope but");
  }

  @Test
  void anEvolveBlockBreedsGenerationsOnSpark() throws Exception {
    Path cfg = dir.resolve("evolve.yaml");
    Files.writeString(cfg, """
        version: 1
        name: evolve-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        search:
          - name: evo
            evolve: {sparsities: [0, 0.5, 0.8], bits: [3, 5, 32], population: 4, generations: 3}
        objectives:
          - {metric: accuracy, direction: maximize}
          - {metric: encoded_bytes, direction: minimize}
        """.formatted(model));
    Path out = dir.resolve("out-evolve");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "e1", "--master", "local[2]");
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertThat(r.out()).contains("block evo: generation 2 of 3", "block evo: generation 3 of 3");
    SparkSession spark = reader();
    try {
      var trials = spark.read().parquet(out + "/trials").where("run_id = 'e1'");
      long n = trials.count();
      assertThat(n).isGreaterThan(5).isLessThanOrEqualTo(1 + 4 * 3);
      assertThat(trials.select("trial_id").distinct().count()).isEqualTo(n);
      assertThat(trials.where("status = 'ok'").count()).isEqualTo(n);
      assertThat(trials.where("pareto_rank is null").count()).isZero();
    } finally {
      spark.stop();
    }
  }

  /** A local Spark session for reading the tables back. */
  static SparkSession reader() {
    return SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
  }

  static boolean hasParquet(Path p) {
    try (var s = Files.walk(p)) {
      // committed files only: a write in progress stages its files under _temporary
      return s.anyMatch(f -> f.toString().endsWith(".parquet") && !f.toString().contains("_temporary"));
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return false; // not there yet, or a staging file vanished under the walk as its task committed: look again
    }
  }

  static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var s = Files.walk(from)) {
      for (Path f : s.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static void deleteTree(Path p) throws java.io.IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  @Test
  void exportReRunsATrialFromItsRowAndWritesTheArtifactAndTheRestoredNetwork() throws Exception {
    Path cfg = dir.resolve("toolbox.yaml");
    Files.writeString(cfg, """
        version: 1
        name: export-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 1000, train-limit: 2000}
        search:
          - name: toolbox
            prune: {method: taylor, structure: structured, sparsities: 0.5, calibration-batches: 2}
            quantize: {bits: 4, train: {epochs: 1, learning-rate: 0.001}}
        """.formatted(model));
    Path out = dir.resolve("out-export");
    Run sweep = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "x1", "--master", "local[2]");
    assertThat(sweep.code()).as(sweep.err()).isEqualTo(0);
    String trialId;
    long bytes;
    long params;
    SparkSession spark = reader();
    try {
      var row = spark.read().parquet(out + "/trials").where("run_id = 'x1' and trial_index = 1").first();
      assertThat(row.<String>getAs("status")).as(row.toString()).isEqualTo("ok");
      assertThat(row.<String>getAs("method")).isEqualTo("taylor-structured+uniform+qat");
      assertThat(row.<String>getAs("prune_structure")).isEqualTo("structured");
      assertThat(row.<Integer>getAs("quant_train_epochs")).isEqualTo(1);
      assertThat(row.<Long>getAs("macs")).isEqualTo(784 * 32 + 32 * 32 + 32 * 10);
      trialId = row.getAs("trial_id");
      bytes = row.getAs("encoded_bytes");
      params = row.getAs("params");
    } finally {
      spark.stop();
    }
    Path mpz = dir.resolve("exported/model.mpz");
    Path zip = dir.resolve("exported/model.zip");
    Files.createDirectories(mpz.getParent());
    Run export = cli("export", "--run-id", "x1", "--trial-id", trialId, "--results", out.toString(), "--out", mpz.toString(),
        "--dl4j", zip.toString());
    assertThat(export.code()).as(export.err()).isEqualTo(0);
    assertThat(export.out()).contains("exported trial " + trialId + " of run x1", "(as in its row)");
    assertThat(Files.size(mpz)).isEqualTo(bytes);
    Network restored = Backends.dl4j().restore(Files.readAllBytes(zip));
    assertThat(restored.numParams()).isEqualTo(params);
    assertThat(restored.weights().layer("fc1").shape()).containsExactly(784, 32);

    Run noRun = cli("export", "--run-id", "nope", "--trial-id", trialId, "--results", out.toString(), "--out",
        dir.resolve("exported/none.mpz").toString());
    assertThat(noRun.code()).isEqualTo(2);
    assertThat(noRun.err()).isEqualTo("modelpress: error: run 'nope' has no row in " + out + "/runs; list runs with the "
        + "runs table or pass --results DIR" + System.lineSeparator());
    Run badId = cli("export", "--run-id", "x1", "--trial-id", "123", "--results", out.toString(), "--out",
        dir.resolve("exported/none.mpz").toString());
    assertThat(badId.code()).isEqualTo(2);
    assertThat(badId.err()).isEqualTo("modelpress: error: '--trial-id' is set to \"123\" but trial ids are 16 hex digits"
        + System.lineSeparator());
    Run noTrial = cli("export", "--run-id", "x1", "--trial-id", "0123456789abcdef", "--results", out.toString(), "--out",
        dir.resolve("exported/none.mpz").toString());
    assertThat(noTrial.code()).isEqualTo(2);
    assertThat(noTrial.err()).contains("run 'x1' has no trial '0123456789abcdef'");
    assertThat(dir.resolve("exported/none.mpz")).doesNotExist();
  }

  /**
   * The bad-input matrix: every case gets one line naming what, why and how to fix, exit 2, and nothing
   * under --out. Placeholders: model kinds MODEL (a good saved model), NONE (missing), SMALL (10×10
   * inputs), TRUNC (a third of the file), NOTMODEL (a text file), NANMODEL (a NaN weight); in the extra
   * YAML and the message, EMPTY / CORRUPT / TRUNCIDX / BADLABEL / MISMATCH are dataset folders (see
   * {@link #datasets}) and CFG is the config's path.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed yaml   | MODEL | search: [{prune: {sparsities: [0.5]}       | config CFG is not valid YAML at line
      unknown key      | MODEL | sead: 3                                    | unknown key 'sead'; valid keys at the top level: dataset, devices, eval-batch-size, latency, model, name, nightly, objectives, output, sample, search, seed, version
      wrong type       | MODEL | seed: forty-two                            | 'seed' is set to "forty-two" but must be an integer
      wrong list type  | MODEL | search: [{prune: {sparsities: {a: 1}}}]     | unknown key 'search[0].prune.sparsities.a'; valid keys in 'search[0].prune.sparsities': from, step, to
      sparsity 1.5     | MODEL | search: [{prune: {sparsities: [1.5]}}]      | 'search[0].prune.sparsities[0]' is set to 1.5 but must be in [0, 1)
      sparsity 1       | MODEL | search: [{prune: {sparsities: [1.0]}}]      | 'search[0].prune.sparsities[0]' is set to 1.0 but must be in [0, 1)
      bits 9           | MODEL | search: [{quantize: {bits: 9}}]             | 'search[0].quantize.bits' is set to 9 but must be in 2..8, 16 or 32
      bits 1           | MODEL | search: [{quantize: {bits: 1}}]             | 'search[0].quantize.bits' is set to 1 but must be in 2..8, 16 or 32
      empty search     | MODEL | search: []                                 | 'search' is empty; add at least one block with 'prune', 'quantize' or 'distill'
      empty block      | MODEL | search: [{name: nothing}]                  | 'search[0]' has none of 'prune', 'quantize' and 'distill'; give at least one
      missing model    | NONE  |                                            | 'model.path' is set to NONE but no such file exists; train one with 'modelpress train' or fix the path
      truncated model  | TRUNC |                                            | 'model.path' is set to NONE but that file is not a DL4J MultiLayerNetwork model file
      not a model      | NOTMODEL |                                         | 'model.path' is set to NONE but that file is not a DL4J MultiLayerNetwork model file
      nan weights      | NANMODEL |                                         | layer 'fc1' has a non-finite weight (NaN
      wrong input size | SMALL |                                            | the model takes 100 input features but dataset 'mnist' has 784 (28×28); use a model trained on this dataset
      unknown layer    | MODEL | search: [{prune: {sparsities: 0.5, layers: {names: [conv1]}}}] | layer selector names layer 'conv1' which the model does not have; layers: [fc1, fc2, out]
      missing dataset  | MODEL | dataset: {name: mnist, dir: EMPTY}          | 'dataset' mnist is missing t10k-images-idx3-ubyte[.gz] in EMPTY; run bin/fetch-data mnist or set 'dataset.dir' to the folder holding the IDX files
      corrupt idx      | MODEL | dataset: {name: mnist, dir: CORRUPT}        | IDX file CORRUPT/t10k-images-idx3-ubyte has magic number 0x00000999; expected 0x00000803 (unsigned bytes, 3 dimensions)
      truncated idx    | MODEL | dataset: {name: mnist, dir: TRUNCIDX}       | IDX file TRUNCIDX/t10k-images-idx3-ubyte is truncated: it declares
      labels out of range | MODEL | dataset: {name: mnist, dir: BADLABEL}    | label 12 at index 5 of
      count mismatch   | MODEL | dataset: {name: mnist, dir: MISMATCH}       | IDX files disagree:
      unknown devices  | MODEL | devices: /nonexistent/devices.yaml         | 'devices' is set to /nonexistent/devices.yaml
      """)
  void badInputGetsOneLineExitTwoAndWritesNothing(String name, String modelKind, String extra, String message)
      throws Exception {
    Path truncated = dir.resolve("truncated.zip");
    byte[] bytes = Files.readAllBytes(model);
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 3));
    String modelPath = switch (modelKind) {
      case "NONE" -> dir.resolve("no-such-model.zip").toString();
      case "SMALL" -> model10x10.toString();
      case "TRUNC" -> truncated.toString();
      case "NOTMODEL" -> Files.writeString(dir.resolve("notes.zip"), "these are notes, not a model\n").toString();
      case "NANMODEL" -> nanModel().toString();
      default -> model.toString();
    };
    java.util.Map<String, String> places = datasets();
    String yaml = config(modelPath, extra == null ? "" : extra);
    if (extra != null && (extra.startsWith("search:") || extra.startsWith("dataset:"))) {
      // replace the block rather than adding a second one
      String key = extra.substring(0, extra.indexOf(':'));
      yaml = yaml.replaceAll("(?s)\\n" + key + ":.*?(?=\\n[a-z]|\\n\\s*$)", "\n");
      yaml = yaml.replace(extra, "") + extra + "\n";
    }
    for (var e : places.entrySet()) {
      yaml = yaml.replace(e.getKey(), e.getValue());
    }
    Path cfg = dir.resolve(name.replace(' ', '-') + ".yaml");
    Files.writeString(cfg, yaml);
    Path out = dir.resolve("out-" + name.replace(' ', '-'));
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--master", "local[1]");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    String expected = "modelpress: error: " + message.replace("NONE", modelPath).replace("CFG", cfg.toString());
    for (var e : places.entrySet()) {
      expected = expected.replace(e.getKey(), e.getValue());
    }
    assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
    assertThat(r.err().strip()).startsWith(expected);
    assertThat(out).doesNotExist();
  }

  /** Every file under {@code root} with its size and modification time. */
  static java.util.Map<String, String> snapshot(Path root) throws java.io.IOException {
    java.util.Map<String, String> m = new java.util.TreeMap<>();
    try (var s = Files.walk(root)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        m.put(root.relativize(f).toString(), Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
      }
    }
    return m;
  }

  /**
   * Bad input to the CLI in a JVM of its own, logging as the launcher configures it: what the user sees
   * on stderr is the one error line, however far the run got (Spark is running when the data is read).
   */
  @Test
  void badInputInItsOwnJvmIsOneLineOnStderrAndExitTwo() throws Exception {
    Path notModel = Files.writeString(dir.resolve("own-jvm-notes.zip"), "notes, not a model\n");
    String truncated = datasets().get("TRUNCIDX");
    List<List<String>> cases = List.of(
        List.of("malformed", "version: 1\nsearch: [{prune: {sparsities: [0.5]}\n", "is not valid YAML at line"),
        List.of("not-a-model", config(notModel.toString(), ""), "'model.path' is set to " + notModel
            + " but that file is not a DL4J MultiLayerNetwork model file"),
        List.of("truncated-idx", config(model.toString(), "").replaceAll("(?m)^dataset:.*$",
            "dataset: {name: mnist, dir: \"" + truncated + "\"}"), "IDX file " + truncated + "/t10k-images-idx3-ubyte is truncated"));
    for (List<String> c : cases) {
      Path cfg = Files.writeString(dir.resolve("own-jvm-" + c.get(0) + ".yaml"), c.get(1));
      Path out = dir.resolve("own-jvm-out-" + c.get(0));
      List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      cmd.addAll(Arrays.asList(SparkSessions.JAVA17_OPENS.split(" ")));
      cmd.addAll(List.of("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "logging", "log4j2.properties").toAbsolutePath(),
          "-cp", System.getProperty("java.class.path"), "io.modelpress.jobs.Cli", "sweep", "--config", cfg.toString(),
          "--out", out.toString(), "--master", "local[1]"));
      Path err = dir.resolve("own-jvm-" + c.get(0) + ".err");
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(dir.resolve("own-jvm.out").toFile())
          .start();
      assertThat(p.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
      String stderr = Files.readString(err);
      assertThat(p.exitValue()).as(c.get(0) + ": " + stderr).isEqualTo(2);
      assertThat(stderr.lines().toList()).as(c.get(0)).hasSize(1);
      assertThat(stderr).as(c.get(0)).startsWith("modelpress: error: ").contains(c.get(2));
      assertThat(out).as(c.get(0)).doesNotExist();
    }
  }

  /** A saved model whose first weight is NaN. */
  static Path nanModel() throws Exception {
    Path p = dir.resolve("nan.zip");
    if (!Files.exists(p)) {
      org.deeplearning4j.nn.multilayer.MultiLayerNetwork net =
          org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(model.toFile(), false);
      net.getLayer(0).getParam("W").putScalar(0, Double.NaN);
      org.deeplearning4j.util.ModelSerializer.writeModel(net, p.toFile(), false);
    }
    return p;
  }

  /**
   * Dataset folders with the real training split (linked) and a broken test split: EMPTY (nothing),
   * CORRUPT (wrong magic number), TRUNCIDX (images cut in half), BADLABEL (label 12 at index 5),
   * MISMATCH (9,999 labels for 10,000 images).
   */
  static java.util.Map<String, String> datasets() throws Exception {
    Path mnist = Path.of(Datasets.cacheDir(), "data", "mnist");
    Path root = dir.resolve("datasets");
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String kind : List.of("EMPTY", "CORRUPT", "TRUNCIDX", "BADLABEL", "MISMATCH")) {
      m.put(kind, root.resolve(kind.toLowerCase(java.util.Locale.ROOT)).toString());
    }
    if (Files.exists(root)) {
      return m;
    }
    Files.createDirectories(Path.of(m.get("EMPTY")));
    byte[] images = Files.readAllBytes(mnist.resolve("t10k-images-idx3-ubyte"));
    byte[] labels = Files.readAllBytes(mnist.resolve("t10k-labels-idx1-ubyte"));
    for (String kind : List.of("CORRUPT", "TRUNCIDX", "BADLABEL", "MISMATCH")) {
      Path d = Files.createDirectories(Path.of(m.get(kind)));
      for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte")) {
        Files.createSymbolicLink(d.resolve(f), mnist.resolve(f));
      }
      byte[] im = images.clone();
      byte[] lb = labels.clone();
      switch (kind) {
        case "CORRUPT" -> im[2] = 0x09; // 0x00000803 -> 0x00000903 ... then 0x999 below
        case "TRUNCIDX" -> im = Arrays.copyOf(im, im.length / 2);
        case "BADLABEL" -> lb[8 + 5] = 12;
        default -> { // MISMATCH: one label fewer, declared so
          lb = Arrays.copyOf(lb, lb.length - 1);
          java.nio.ByteBuffer.wrap(lb).putInt(4, 9999);
        }
      }
      if (kind.equals("CORRUPT")) {
        java.nio.ByteBuffer.wrap(im).putInt(0, 0x00000999);
      }
      Files.write(d.resolve("t10k-images-idx3-ubyte"), im);
      Files.write(d.resolve("t10k-labels-idx1-ubyte"), lb);
    }
    return m;
  }

  @Test
  void anUnwritableOutputAndAnUnknownDeviceAreOneLineToo() throws Exception {
    Path cfg = dir.resolve("unwritable.yaml");
    Files.writeString(cfg, config(model.toString(), ""));
    Run r = cli("sweep", "--config", cfg.toString(), "--out", "/proc/modelpress-out", "--master", "local[1]");
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err().strip()).isEqualTo("modelpress: error: '--out' is set to /proc/modelpress-out but /proc is not "
        + "writable; choose another --out");
    assertThat(Path.of("/proc/modelpress-out")).doesNotExist();
    Run device = cli("select", "--run-id", "nope", "--device", "toaster", "--results", dir.resolve("none").toString());
    assertThat(device.code()).isEqualTo(2);
    assertThat(device.err().lines().toList()).hasSize(1);
    assertThat(device.err()).startsWith("modelpress: error: ").contains("toaster");
  }

  @Test
  void aMasterSparkCannotUseAndAnOutputThatIsAFileAreRefusedBeforeAnyWork() throws Exception {
    Path cfg = dir.resolve("ok2.yaml");
    Files.writeString(cfg, config(model.toString(), ""));
    Path out = dir.resolve("out-master");
    Run master = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--master", "foo");
    assertThat(master.code()).isEqualTo(2);
    assertThat(master.err().lines().toList()).hasSize(1);
    assertThat(master.err()).startsWith("modelpress: error: '--master' is set to 'foo' which is not a Spark master URL");
    assertThat(out).doesNotExist();

    Path blocked = Files.createDirectories(dir.resolve("out-blocked"));
    Files.writeString(blocked.resolve("frontier"), "not a folder");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", blocked.toString(), "--master", "local[1]");
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("modelpress: error: '--out' is set to " + blocked + " but "
        + blocked.resolve("frontier") + " is a file, not a folder; choose another --out");
    try (var files = Files.list(blocked)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("frontier");
    }
  }

  @Test
  void argumentMistakesAreOneLineToo() {
    Run noConfig = cli("sweep", "--out", "x");
    assertThat(noConfig.code()).isEqualTo(2);
    assertThat(noConfig.err().strip()).isEqualTo(
        "modelpress: error: missing --config FILE: the sweep's YAML config (e.g. conf/sweeps/mnist-mlp.yaml)");
    Run unknown = cli("sweep", "--confg", "x.yaml");
    assertThat(unknown.err().strip()).startsWith("modelpress: error: unknown argument '--confg' for 'sweep'; valid: ");
    Run missing = cli("sweep", "--config", dir.resolve("nope.yaml").toString());
    assertThat(missing.err().strip()).isEqualTo(
        "modelpress: error: '--config' is set to " + dir.resolve("nope.yaml") + " but no such file exists");
    Run badId = cli("sweep", "--config", "x.yaml", "--run-id", "2026-11-28");
    assertThat(badId.code()).isEqualTo(2);
    assertThat(badId.err().strip()).startsWith("modelpress: error: '--run-id' is set to \"2026-11-28\" but must be");
    Run twoLines = cli("sweep", "--config", "x.yaml", "--run-id", "a\nb");
    assertThat(twoLines.err().lines().toList()).hasSize(1);
    Run train = cli("train", "--model", "mlp-64-64", "--out", "/dev/null/m.zip");
    assertThat(train.code()).isEqualTo(2);
    assertThat(train.err().strip()).isEqualTo(
        "modelpress: error: '--out' is set to /dev/null/m.zip but /dev/null is not a writable folder; choose another --out");
    Run cmd = cli("swep");
    assertThat(cmd.code()).isEqualTo(2);
    assertThat(cmd.err().strip()).isEqualTo("modelpress: error: unknown command 'swep'; valid: sweep, distill, nightly, sensitivity, results, select, report, export, train, bench, help");
  }
}
