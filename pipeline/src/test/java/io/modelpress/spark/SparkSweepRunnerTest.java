package io.modelpress.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.TestData;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.LayerWorkload;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.plan.SweepPlan;
import io.modelpress.plan.SweepPlanner;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrainSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.Frontier;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.RunOutcome;
import io.modelpress.sweep.TrialResult;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real sweep on real MNIST rows through a shared local[2] session, read back with Spark and without. */
class SparkSweepRunnerTest {

  static SparkSession spark;
  static byte[] model;
  static LabeledImages test;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("modelpress-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
    model = Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(2, 64, 1e-3, 3), TestData.mnistTrain(5000), (e, s) -> { }).save();
    test = TestData.mnistTest(1000);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /**
   * Three objectives that all vary across these trials: pruning lowers the effective MACs (non-zero weights
   * × positions), quantization the bytes. (The dense MACs, the default third objective with latency off, are
   * the same for every trial here: the frontier would really be 2-D.)
   */
  static final String CONFIG = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      search:
        - prune: {scope: single-layer, sparsities: [0.5, 0.9]}
        - quantize: {bits: [2, 4, 8], scheme: [symmetric, affine]}
        - prune: {scope: global, sparsities: [0.8]}
          quantize: {bits: 4}
      objectives:
        - {metric: accuracy, direction: maximize}
        - {metric: encoded_bytes, direction: minimize}
        - {metric: effective_macs, direction: minimize}
      """;

  @Test
  void workloadsWrittenBeforeTheirArithmeticWasRecordedReadBackAsTheyWereEstimated() throws Exception {
    // layer_workloads as rows of earlier versions wrote it: without the arithmetic field
    StructType old = new StructType(java.util.Arrays.stream(ResultSchemas.WORKLOAD.fields())
        .filter(f -> !f.name().equals("arithmetic")).toArray(StructField[]::new));
    StructType oldTable = new StructType(new StructField[] {
        DataTypes.createStructField("layer_workloads", DataTypes.createArrayType(old, true), true)});
    String path = tmp.resolve("old").toString();
    spark.createDataFrame(List.of(RowFactory.create(List.of(RowFactory.create("fc1", 100L, 100L, false, 4, 60L),
        RowFactory.create("out", 10L, 10L, false, 32, 40L)))), oldTable).write().parquet(path);
    StructType now = new StructType(new StructField[] {
        DataTypes.createStructField("layer_workloads", DataTypes.createArrayType(ResultSchemas.WORKLOAD, true), true)});
    Row read = spark.read().schema(now).parquet(path).collectAsList().get(0);
    assertThat(ResultSchemas.workloads(read)).containsExactly(
        new LayerWorkload("fc1", 100, 100, false, 4, 60, LayerWorkload.Arithmetic.INT8),
        new LayerWorkload("out", 10, 10, false, 32, 40, LayerWorkload.Arithmetic.FP32));
  }

  @Test
  void sweepEvaluatesEveryTrialOnceAndWritesReadableTables() throws Exception {
    SweepSpec spec = SweepConfigParser.parse(CONFIG, "t");
    byte[] fp = ModelStore.sha256(model);
    Network m = Backends.dl4j().restore(model);
    SweepPlan plan = SweepPlanner.plan(spec, m.weights(), ModelStore.hex(fp), test.fingerprintHex());
    List<TrialResult> results = SparkSweepRunner.run(spark, plan, SparkSweepRunner.Inputs.of(model, fp, test, null, 1000));
    double base = TrialResult.baseAccuracy(results);

    assertThat(results).hasSize(plan.size()).hasSize(1 + 6 + 6 + 1);
    assertThat(results).allMatch(TrialResult::isOk);
    assertThat(results.stream().map(r -> r.trial().trialId()).distinct()).hasSize(plan.size());
    assertThat(results.get(0).trial().spec().steps()).isEmpty();
    assertThat(results.get(0).measurements().orElseThrow().accuracyDrop()).isZero();
    for (TrialResult r : results) {
      Measurements x = r.measurements().orElseThrow();
      assertThat(x.accuracyDrop()).isEqualTo(base - x.accuracy());
    }
    assertThat(base).isBetween(0.85, 1.0);

    // the same plan again gives the same metrics (deterministic trials)
    List<TrialResult> again = SparkSweepRunner.run(spark, plan, SparkSweepRunner.Inputs.of(model, fp, test, null, 1000));
    for (int i = 0; i < results.size(); i++) {
      assertThat(again.get(i).measurements().orElseThrow().accuracy())
          .isEqualTo(results.get(i).measurements().orElseThrow().accuracy());
      assertThat(again.get(i).measurements().orElseThrow().encodedBytes())
          .isEqualTo(results.get(i).measurements().orElseThrow().encodedBytes());
    }

    Map<String, Integer> ranks = Frontier.ranks(results, spec.objectives());
    String out = tmp.resolve("out").toString();
    RunOutcome outcome = RunOutcome.of(new RunOutcome.Header("r1", "t", Instant.now(),
        new RunInfo.Inputs("{}", "zoo:mlp-64-64", ModelStore.hex(fp), "mnist", test.fingerprintHex()),
        new RunInfo.Provenance("local[2]", "test", spark.version(), "1.0.0-M2", "17", "amd64")), spec.objectives(),
        results, List.of(), 1.0);
    assertThat(outcome.ranks()).isEqualTo(ranks);
    assertThat(ResultTables.runExists(out, "r1", new Configuration())).isFalse();
    ResultTables.appendTrials(spark, out, "r1", "test-fingerprint", ModelStore.hex(fp), results);
    ResultTables.write(spark, out, outcome, "test-fingerprint");
    assertThat(ResultTables.runExists(out, "r1", new Configuration())).isTrue();

    // Spark reads the tables back
    Dataset<Row> trials = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials");
    assertThat(trials.count()).isEqualTo(plan.size());
    assertThat(trials.schema().fieldNames()).contains("run_id", "trial_id", "accuracy", "status", "accuracy_drop",
        "dense_bytes", "encoded_bytes", "compression_ratio", "params", "nonzero_params", "macs", "seed");
    assertThat(trials.where("status = 'ok' and accuracy between 0 and 1").count()).isEqualTo(plan.size());
    Dataset<Row> frontier = spark.read().parquet(out + "/frontier");
    assertThat(frontier.count()).isEqualTo(ranks.values().stream().filter(r -> r == 0).count());
    assertThat(spark.read().parquet(out + "/runs").where("run_id = 'r1'").count()).isEqualTo(1);

    // the frontier by brute force over the trials table, with dominance written out here: a point dominates
    // another when its accuracy is >= and its bytes and effective MACs are <=, one of them strictly
    Map<String, double[]> all = new HashMap<>();
    for (Row r : trials.collectAsList()) {
      all.put(r.getAs("trial_id"), new double[] {r.<Double>getAs("accuracy"), r.<Long>getAs("encoded_bytes"),
          r.<Long>getAs("effective_macs")});
    }
    assertThat(all.values().stream().map(p -> p[2]).distinct().count()).as("effective MACs vary").isGreaterThan(2);
    java.util.Set<String> front3 = bruteForceFrontier(all, 3);
    assertThat(ranks.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey))
        .containsExactlyInAnyOrderElementsOf(front3);
    // the third objective matters: some trial is on the 3-D frontier only (dominated in accuracy and bytes alone)
    assertThat(front3).isNotEqualTo(bruteForceFrontier(all, 2));

    // a plain Parquet reader (no Spark) reads the frontier table: exactly the brute-force frontier
    List<String> frontierIds = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of(out, "frontier"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
            new org.apache.hadoop.fs.Path(f.toUri())).build()) {
          for (Group g = r.read(); g != null; g = r.read()) {
            String id = g.getString("trial_id", 0);
            frontierIds.add(id);
            assertThat(g.getString("status", 0)).isEqualTo("ok");
            assertThat(new double[] {g.getDouble("accuracy", 0), g.getLong("encoded_bytes", 0),
                g.getLong("effective_macs", 0)}).containsExactly(all.get(id));
          }
        }
      }
    }
    assertThat(frontierIds).hasSize((int) frontier.count()).containsExactlyInAnyOrderElementsOf(front3);
    assertThat(new File(out, "trials/run_id=r1").isDirectory()).isTrue();
  }

  /** The ids of the points no other point dominates in their first {@code k} coordinates (max, min, min). */
  static java.util.Set<String> bruteForceFrontier(Map<String, double[]> points, int k) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (Map.Entry<String, double[]> a : points.entrySet()) {
      boolean dominated = false;
      for (double[] b : points.values()) {
        double[] p = a.getValue();
        boolean noWorse = b[0] >= p[0] && b[1] <= p[1] && (k < 3 || b[2] <= p[2]);
        boolean better = b[0] > p[0] || b[1] < p[1] || (k >= 3 && b[2] < p[2]);
        dominated |= noWorse && better;
      }
      if (!dominated) {
        out.add(a.getKey());
      }
    }
    return out;
  }
}
