package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.dl4j.Dl4jZoo;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modelpress distill} end to end on real MNIST and local[2]: the teacher's soft targets as a
 * table, students trained in their tasks and one over the cluster with DL4J's parameter averaging,
 * hard-label baselines, a distill → prune → quantize chain, rows read back; bad input refused.
 */
class DistillJobTest {

  @TempDir
  static Path dir;

  static Path teacher;

  @BeforeAll
  static void teacher() throws Exception {
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 4000, 0), new Configuration());
    teacher = dir.resolve("teacher.zip");
    Files.write(teacher, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(2, 64, 1e-3, 1), train, (e, s) -> { }).save());
  }

  static String config(String modelPath) {
    return """
        version: 1
        name: distill-test
        seed: 3
        model: {path: "%s"}
        dataset: {name: mnist, train-limit: 3000, test-limit: 1000}
        latency: {enabled: false}
        search:
          - name: students
            distill: {students: [mlp-16, mlp-32], temperatures: [2, 8], alphas: [0.5], epochs: 1, batch-size: 32}
          - name: chained
            distill: {students: [mlp-32], temperatures: [8], alphas: [0.5], epochs: 1, batch-size: 32, baselines: false}
            prune: {sparsities: [0.5]}
            quantize: {bits: [6]}
          - name: cluster
            distill: {students: [mlp-24], temperatures: [4], alphas: [0.5], epochs: 2, batch-size: 32,
                      parallelism: data, averaging-frequency: 4}
        """.formatted(modelPath);
  }

  @Test
  void aDistillationSweepWritesSoftTargetsStudentsAndBaselinesAndReusesTheTargets() throws Exception {
    Path cfg = dir.resolve("distill.yaml");
    Files.writeString(cfg, config(teacher.toString()));
    Path out = dir.resolve("out");
    CliTestBase.Run first = CliTestBase.cli("distill", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "d1",
        "--master", "local[2]");
    assertThat(first.code()).as(first.err()).isEqualTo(0);
    assertThat(first.out()).contains("soft targets: 3000 training examples computed on the executors",
        "data-parallel mlp-24", "10 ok, 0 failed");

    SparkSession spark = CliTestBase.reader();
    Row run = spark.read().parquet(out + "/runs").first();
    String teacherFp = run.getAs("model_fingerprint");
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 3000, 0), new Configuration());
    // the soft targets: one row per training example, under the teacher's and the split's fingerprints
    Path targets = out.resolve("soft_targets/teacher_fingerprint=" + teacherFp + "/dataset_fingerprint="
        + train.fingerprintHex() + "-n3000");
    try (var files = Files.list(targets)) { // one file, published whole
      assertThat(files.map(f -> f.getFileName().toString()).filter(f -> !f.startsWith("."))).containsExactly("targets.parquet");
    }
    // written into an attempt folder of its own, then its one file renamed into place: nothing is left behind
    assertThat(out.resolve("soft_targets/_attempts")).isEmptyDirectory();
    // the data-parallel student is kept with its training record, so a resumed run evaluates the same network
    try (var saved = Files.list(out.resolve("students"))) { // the distilled student and its hard-label baseline
      assertThat(saved.map(f -> f.getFileName().toString()).filter(f -> !f.endsWith(".crc"))
          .map(f -> f.replaceAll("^[0-9a-f]{32}", "")).sorted().toList()).containsExactly(".json", ".json", ".zip", ".zip");
    }
    List<Row> soft = spark.read().parquet(targets.toString()).collectAsList();
    assertThat(soft).hasSize(3000);
    assertThat(soft.stream().map(r -> r.<Integer>getAs("example_index")).distinct().count()).isEqualTo(3000);
    int agree = 0;
    for (Row r : soft) {
      int i = r.getAs("example_index");
      assertThat(r.<Integer>getAs("label")).isEqualTo(train.labels()[i]);
      List<Float> z = r.getList(r.fieldIndex("logits"));
      assertThat(z).hasSize(10);
      int argmax = 0;
      for (int c = 1; c < 10; c++) {
        argmax = z.get(c) > z.get(argmax) ? c : argmax;
      }
      agree += argmax == train.labels()[i] ? 1 : 0;
    }
    assertThat(agree / 3000.0).as("the teacher's training accuracy from its logits").isBetween(0.85, 1.0);

    // and as a registered table for Spark SQL, with its partition columns
    CliTestBase.Run sql = CliTestBase.cli("results", "sql", "select teacher_fingerprint, count(*) as n, count(distinct "
        + "example_index) as d from modelpress.soft_targets group by teacher_fingerprint", "--results", out.toString(),
        "--format", "csv");
    assertThat(sql.code()).as(sql.err()).isEqualTo(0);
    assertThat(sql.out()).contains(teacherFp + ",3000,3000");
    spark = CliTestBase.reader();

    List<Row> rows = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'd1'").orderBy("trial_index").collectAsList();
    assertThat(rows).hasSize(10);
    Map<String, Long> methods = new HashMap<>();
    rows.forEach(r -> methods.merge(r.<String>getAs("method"), 1L, Long::sum));
    // base; per student a hard-label baseline and T in {2, 8}; the chain; the data-parallel student and its baseline
    assertThat(methods).containsExactlyInAnyOrderEntriesOf(Map.of("base", 1L, "student", 3L, "distill", 5L,
        "distill+magnitude+uniform", 1L));
    Row base = rows.get(0);
    assertThat(base.<String>getAs("teacher_fingerprint")).isNull();
    assertThat(base.<String>getAs("distill_student")).isNull();
    Row distilled32 = null;
    for (Row r : rows.subList(1, rows.size())) {
      String student = r.getAs("distill_student");
      assertThat(r.<String>getAs("status")).isEqualTo("ok");
      assertThat(r.<String>getAs("teacher_fingerprint")).isEqualTo(teacherFp);
      assertThat(r.<Double>getAs("train_ms")).isPositive();
      assertThat(r.<Double>getAs("accuracy")).as(student + " " + r.getAs("method")).isBetween(0.60, 1.0);
      assertThat(r.<Long>getAs("encoded_bytes")).isLessThan(base.<Long>getAs("encoded_bytes"));
      boolean baseline = r.<String>getAs("method").equals("student");
      assertThat(r.<Double>getAs("distill_alpha")).isEqualTo(baseline ? 1.0 : 0.5);
      if (baseline) {
        assertThat(r.<Double>getAs("distill_temperature")).as("a baseline has no temperature").isNull();
      } else {
        assertThat(r.<Double>getAs("distill_temperature")).isIn(student.equals("mlp-24") ? List.of(4.0)
            : List.of(2.0, 8.0));
      }
      assertThat(r.<String>getAs("distill_parallelism")).isEqualTo(student.equals("mlp-24") ? "data" : "task");
      int hidden = Integer.parseInt(student.substring(4));
      assertThat(r.<Long>getAs("params")).isEqualTo(784L * hidden + hidden + hidden * 10L + 10);
      assertThat(r.<Long>getAs("macs")).isEqualTo(784L * hidden + hidden * 10L);
      assertThat(r.<Integer>getAs("distill_epochs")).isEqualTo(student.equals("mlp-24") ? 2 : 1);
      assertThat(r.<Integer>getAs("distill_seed")).as("one replica").isZero();
      if (student.equals("mlp-32") && r.getAs("method").equals("distill") && r.<Double>getAs("distill_temperature") == 8) {
        distilled32 = r;
      }
    }
    // T and α are chosen on held-out training examples: by default a twelfth of a 3,000-example split, the last
    // 250. Train the mlp-16 baseline here on the first 2,750 only and count its errors on the last 250 and on
    // the test split with its own predictions: the row must say exactly that (a student trained on all 3,000,
    // or scored on other examples, would not)
    for (Row r : rows.subList(1, rows.size())) {
      assertThat(r.<Integer>getAs("distill_validation")).isEqualTo(250);
      assertThat(r.<Double>getAs("validation_accuracy")).isBetween(0.5, 1.0);
    }
    Row baseline16 = rows.stream().filter(r -> "mlp-16".equals(r.getAs("distill_student"))
        && r.getAs("method").equals("student")).findFirst().orElseThrow();
    float[] logits = new float[3000 * 10];
    for (Row r : soft) {
      List<Float> z = r.getList(r.fieldIndex("logits"));
      for (int c = 0; c < 10; c++) {
        logits[r.<Integer>getAs("example_index") * 10 + c] = z.get(c);
      }
    }
    Network own = Backends.dl4j().trainer().student(new io.modelpress.spec.DistillSpec("mlp-16", 1, 1, 1, 1e-3, 32, 0,
        io.modelpress.spec.DistillSpec.Parallelism.TASK, 0, 250), train.slice(0, 2750),
        java.util.Arrays.copyOf(logits, 2750 * 10), 10, Trainer.EpochListener.NONE);
    LabeledImages held = train.slice(2750, 3000);
    LabeledImages test = Datasets.test(new DatasetSpec("mnist", "", 3000, 1000), new Configuration());
    assertThat(baseline16.<Double>getAs("validation_accuracy")).isEqualTo(correct(own, held) / 250.0);
    assertThat(baseline16.<Double>getAs("accuracy")).isEqualTo(correct(own, test) / 1000.0);

    Row chained = rows.stream().filter(r -> r.getAs("method").equals("distill+magnitude+uniform")).findFirst().orElseThrow();
    // pruned on the student's layers: half of mlp-32's 784·32 + 32·10 weights are zero
    assertThat(chained.<Long>getAs("params")).isEqualTo(784L * 32 + 32 + 32 * 10 + 10);
    assertThat(chained.<Double>getAs("sparsity")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
    assertThat(chained.<Double>getAs("pruned_sparsity")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
    assertThat(chained.<Integer>getAs("quant_bits")).isEqualTo(6);
    // the chain runs on the student of its group, trained once in that task: the same training time
    assertThat(distilled32).isNotNull();
    assertThat(chained.<Double>getAs("train_ms")).isEqualTo(distilled32.<Double>getAs("train_ms"));
    assertThat(chained.<Long>getAs("encoded_bytes")).isLessThan(distilled32.<Long>getAs("encoded_bytes"));

    // a second run reads the soft targets back and trains the same students to the same accuracies
    spark.stop(); // so the CLI starts its own local[2], as a user's command does
    CliTestBase.Run second = CliTestBase.cli("distill", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "d2",
        "--master", "local[2]");
    assertThat(second.code()).as(second.err()).isEqualTo(0);
    assertThat(second.out()).contains("soft targets: 3000 training examples read from",
        "data-parallel mlp-24 T=4.0 α=0.5 seed 0: trained earlier, read from",
        "data-parallel mlp-24 T=1.0 α=1.0 seed 0: trained earlier, read from");
    Map<String, Double> accuracies = new HashMap<>();
    rows.forEach(r -> accuracies.put(r.getAs("trial_id"), r.getAs("accuracy")));
    spark = CliTestBase.reader(); // the CLI stopped the session it shared
    List<Row> again = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'd2' and distill_student is not null")
        .collectAsList();
    assertThat(again).hasSize(9);
    for (Row r : again) {
      assertThat(r.<Double>getAs("accuracy")).as("trial " + r.getAs("trial_id")).isEqualTo(accuracies.get(r.getAs("trial_id")));
    }
  }

  private static int correct(Network net, LabeledImages data) {
    int[] predicted = net.predict(net.inputs(data), 100);
    int n = 0;
    for (int i = 0; i < predicted.length; i++) {
      n += predicted[i] == data.labels()[i] ? 1 : 0;
    }
    return n;
  }

  @Test
  void badDistillationInputIsOneLineAndWritesNothing() throws Exception {
    Path out = dir.resolve("out-bad");
    Path plain = dir.resolve("plain.yaml");
    Files.writeString(plain, CliTestBase.config(teacher.toString(), ""));
    CliTestBase.Run noBlock = CliTestBase.cli("distill", "--config", plain.toString(), "--out", out.toString());
    assertThat(noBlock.code()).isEqualTo(2);
    assertThat(noBlock.err()).isEqualTo("modelpress: error: '--config' is set to " + plain + " but its search has no "
        + "'distill' block; add one (see conf/distill/mnist.yaml) or run it with modelpress sweep" + System.lineSeparator());

    // a teacher with 5 classes for 10-class students
    MultiLayerNetwork five = new MultiLayerNetwork(Dl4jZoo.config("mlp-64-64", 1, 1e-3, 1, 28, 28, 5));
    five.init();
    Path fiveClasses = dir.resolve("five.zip");
    ModelSerializer.writeModel(five, fiveClasses.toFile(), false);
    Path cfg = dir.resolve("five.yaml");
    Files.writeString(cfg, config(fiveClasses.toString()));
    CliTestBase.Run classes = CliTestBase.cli("distill", "--config", cfg.toString(), "--out", out.toString());
    assertThat(classes.code()).isEqualTo(2);
    assertThat(classes.err()).isEqualTo("modelpress: error: the teacher (the config's model) has 5 output classes but "
        + "dataset 'mnist' has 10; use a model made for this data" + System.lineSeparator());

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, config(teacher.toString()).replace("averaging-frequency: 4", "averaging-frequency: 0"));
    CliTestBase.Run freq = CliTestBase.cli("distill", "--config", bad.toString(), "--out", out.toString());
    assertThat(freq.code()).isEqualTo(2);
    assertThat(freq.err()).startsWith("modelpress: error: ").contains("'search[2].distill.averaging-frequency' is set to 0 but "
        + "must be in 1..100000");
    assertThat(freq.err().lines()).hasSize(1);
    assertThat(out).doesNotExist();
  }
}
