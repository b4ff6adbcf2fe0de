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

/** modelpress sweep as users run it: tables, overwrite, latency and select, failed trials, allocate and evolve blocks. */
class SweepCommandTest extends CliTestBase {

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
      assertThat(io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'r1'").count()).isEqualTo(13);
      assertThat(io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'r2'").count()).isEqualTo(13);
      assertThat(io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").select("trial_id").distinct().count()).isEqualTo(13);
      assertThat(spark.read().parquet(out + "/runs").count()).isEqualTo(2);
      var run = spark.read().parquet(out + "/runs").where("run_id = 'r2'").first();
      assertThat(run.<String>getAs("model_fingerprint")).matches("[0-9a-f]{64}");
      assertThat(run.<String>getAs("spark_version")).isEqualTo("3.5.9");
      assertThat(run.<String>getAs("config_json")).contains("cli-test");
      // the fine-tuned trial ran on an executor with the broadcast training split and kept its masks
      var tuned = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'r2' and finetune_schedule = 'one-shot'").first();
      assertThat(tuned.<String>getAs("status")).isEqualTo("ok");
      assertThat(tuned.<Double>getAs("sparsity")).isGreaterThanOrEqualTo(0.9);
      var untuned = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials")
          .where("run_id = 'r2' and prune_scope = 'global' and finetune_schedule is null").first();
      assertThat(tuned.<Double>getAs("accuracy")).isGreaterThan(untuned.<Double>getAs("accuracy"));
      // the accuracy/encoded_bytes projection: its members are non-dominated in those two objectives alone
      var t2 = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'r2' and status = 'ok'");
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
  void theDefaultObjectivesAreExactSoTwoRunsOfOneConfigGiveOneFrontier() throws Exception {
    // the config every user starts from: no objectives, latency measured (the default)
    Path cfg = dir.resolve("repeat.yaml");
    Files.writeString(cfg, config(model.toString(), ""));
    Path out = dir.resolve("out-repeat");
    for (String id : List.of("r1", "r2")) {
      Run sweep = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", id, "--master",
          "local[2]");
      assertThat(sweep.code()).as(sweep.err()).isEqualTo(0);
      assertThat(sweep.out()).contains("latency   measured for 13 of 13 successful trials");
    }
    SparkSession spark = reader();
    try {
      var runs = spark.read().parquet(out + "/runs");
      assertThat(runs.select("objectives").distinct().collectAsList()).singleElement()
          .satisfies(r -> assertThat(r.getString(0))
              .isEqualTo("accuracy maximize, encoded_bytes minimize, est_latency_ms@phone-big-core minimize"));
      var trials = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials");
      // measured latency is still there for every trial: measured and shown, not deciding
      assertThat(trials.where("status = 'ok' and latency_b1_p50_ms is null").count()).isZero();
      List<String> front1 = ids(spark, out, "r1");
      List<String> front2 = ids(spark, out, "r2");
      assertThat(front1).hasSizeBetween(2, 12).isEqualTo(front2);
      assertThat(knee(trials, "r1")).isNotNull().isEqualTo(knee(trials, "r2"));
      // the frontier, brute force: non-dominated in accuracy, encoded size and the phone's roofline estimate,
      // read from the device_estimates table (every trial fits the phone, which has no weight-memory limit)
      spark.read().parquet(out + "/device_estimates").where("run_id = 'r1' and device = 'phone-big-core'")
          .createOrReplaceTempView("rep_est");
      List<String> brute = spark.sql("select a.trial_id from rep_est a where not exists (select 1 from rep_est b "
          + "where b.accuracy >= a.accuracy and b.encoded_bytes <= a.encoded_bytes and b.est_latency_ms <= a.est_latency_ms "
          + "and (b.accuracy > a.accuracy or b.encoded_bytes < a.encoded_bytes or b.est_latency_ms < a.est_latency_ms)) "
          + "order by a.trial_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      assertThat(brute).isEqualTo(front1);
    } finally {
      spark.stop();
    }
  }

  private static List<String> ids(SparkSession spark, Path out, String runId) {
    return spark.read().parquet(out + "/frontier").where("run_id = '" + runId + "'").select("trial_id")
        .orderBy("trial_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  private static String knee(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> trials, String runId) {
    var k = trials.where("run_id = '" + runId + "' and knee").select("trial_id").collectAsList();
    return k.size() == 1 ? k.get(0).getString(0) : null;
  }

  @Test
  void latencyIsMeasuredForEveryTrialAndSelectPicksPerDeviceAndConstraints() throws Exception {
    Path cfg = dir.resolve("latency.yaml");
    // measured latency as an objective, as a config names it (the default objectives are exact ones)
    Files.writeString(cfg, config(model.toString(), """
        latency: {runs: 60}
        objectives:
          - {metric: accuracy, direction: maximize}
          - {metric: encoded_bytes, direction: minimize}
          - {metric: latency_b1_p50_ms, direction: minimize}"""));
    Path out = dir.resolve("out-latency");
    Run sweep = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "lat", "--master",
        "local[2]");
    assertThat(sweep.code()).as(sweep.err()).isEqualTo(0);
    assertThat(sweep.out()).contains("latency   measured for 13 of 13 successful trials");
    SparkSession spark = reader();
    try {
      var trials = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'lat'");
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
    // the most accurate trial within 1 point is on the frontier, so its latency is the confirmed figure
    assertThat(measured.out()).contains("ms p50", "confirmed over 8 interleaved rounds on");
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
        List<org.apache.spark.sql.Row> rows = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = '" + run + "'")
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
      var rows = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'al1' and block = 'allocated'").collectAsList();
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
      var trials = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'e1'");
      long n = trials.count();
      assertThat(n).isGreaterThan(5).isLessThanOrEqualTo(1 + 4 * 3);
      assertThat(trials.select("trial_id").distinct().count()).isEqualTo(n);
      assertThat(trials.where("status = 'ok'").count()).isEqualTo(n);
      assertThat(trials.where("pareto_rank is null").count()).isZero();
    } finally {
      spark.stop();
    }
  }

}
