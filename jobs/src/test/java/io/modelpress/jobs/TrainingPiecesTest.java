package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.spec.DatasetSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A training split above 'evaluation.broadcast-limit-mb' (issue #20): written in pieces by the executors and
 * read a piece at a time by the trials that train, in tasks. The checks are against the same sweep with the
 * split broadcast whole: trials that do not train give the same rows; trials that fine-tune, recalibrate
 * along AGP, or fine-tune a codebook train on the same examples in another batch order, so they land near
 * the whole split's accuracy and far above the same pruning untrained. Distillation is refused in one line.
 */
class TrainingPiecesTest extends CliTestBase {

  private static Path train;

  @BeforeAll
  static void data() {
    // 2000 MNIST training images in four Parquet files: 1.5 MiB of values, above a 0.5 MiB limit
    LabeledImages idx = Datasets.train(new DatasetSpec("mnist", "", 2000, 0), new Configuration());
    List<Row> rows = new ArrayList<>();
    for (int e = 0; e < idx.count(); e++) {
      rows.add(RowFactory.create(Arrays.copyOfRange(idx.pixels(), e * 784, (e + 1) * 784), idx.labels()[e]));
    }
    train = dir.resolve("train-pieces.parquet");
    reader().createDataFrame(rows, OwnDataTest.pixelsSchema(org.apache.spark.sql.types.DataTypes.ByteType,
        org.apache.spark.sql.types.DataTypes.IntegerType)).repartition(4).write().parquet(train.toString());
    // one Spark partition per file: four pieces
    System.setProperty("spark.sql.files.maxPartitionBytes", "65536");
    System.setProperty("spark.sql.files.openCostInBytes", "0");
  }

  @AfterAll
  static void unset() {
    System.clearProperty("spark.sql.files.maxPartitionBytes");
    System.clearProperty("spark.sql.files.openCostInBytes");
    reader().conf().unset("spark.sql.files.maxPartitionBytes");
    reader().conf().unset("spark.sql.files.openCostInBytes");
  }

  private static String config(String name, String search, String extra) {
    return "version: 1\nname: " + name + "\nmodel: {path: \"" + model + "\"}\n"
        + "dataset: {format: parquet, train: \"" + train + "\", test: \""
        + OwnDataTest.converted().resolve("test.parquet") + "\", features: pixels, shape: [1, 28, 28], test-limit: 500}\n"
        + "latency: {enabled: false}\nobjectives:\n  - {metric: accuracy, direction: maximize}\n"
        + "  - {metric: encoded_bytes, direction: minimize}\n" + search + extra;
  }

  @Test
  void trialsThatTrainReadThePiecesAndLandWhereTheWholeSplitTrains() throws Exception {
    String search = """
        search:
          - name: untuned
            prune: {scope: global, sparsities: 0.95}
          - name: tuned
            prune: {scope: global, sparsities: 0.95}
            finetune: {epochs: 1, learning-rate: 0.001}
          - name: agp
            prune: {scope: global, sparsities: 0.95, method: taylor, calibration-batches: 2}
            finetune: {epochs: 1, learning-rate: 0.001, schedule: agp, prune-steps: 3}
          - name: codebook
            quantize: {method: kmeans, bits: [2], train: {epochs: 1, learning-rate: 0.001}}
        """;
    Path out = dir.resolve("pieces-out");
    for (String[] run : new String[][] {{"whole", ""}, {"pieces", "evaluation: {broadcast-limit-mb: 0.5}\n"}}) {
      Path cfg = dir.resolve(run[0] + ".yaml");
      Files.writeString(cfg, config(run[0], search, run[1]));
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", run[0], "--master", "local[2]");
      assertThat(r.code()).as(r.err() + r.out()).isZero();
      assertThat(r.out().contains("training split: 2000 examples in 4 pieces")).as(r.out())
          .isEqualTo(run[0].equals("pieces"));
    }
    // the scratch folder of the pieces is gone with the run
    Path scratch = out.resolve("_scratch");
    assertThat(!Files.exists(scratch) || Files.list(scratch).findAny().isEmpty()).as("pieces left in " + scratch).isTrue();

    Map<String, Map<String, Double>> byRun = new HashMap<>(); // run -> block -> accuracy
    for (Row r : io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials").collectAsList()) {
      assertThat(r.<String>getAs("status")).as(r.<String>getAs("block")).isEqualTo("ok");
      byRun.computeIfAbsent(r.getAs("run_id"), k -> new HashMap<>()).put(r.getAs("block"), r.getAs("accuracy"));
    }
    Map<String, Double> whole = byRun.get("whole");
    Map<String, Double> pieces = byRun.get("pieces");
    assertThat(pieces.keySet()).isEqualTo(whole.keySet());
    assertThat(pieces.get("untuned")).isEqualTo(whole.get("untuned")); // no training: the same trial
    assertThat(pieces.get("base")).isEqualTo(whole.get("base"));
    for (String trained : List.of("tuned", "agp", "codebook")) {
      // one batch order against another moves one epoch's recovery from 95 % sparsity by a few points (seen:
      // 1.0 and 3.6 on 500 test images); a split trained on one piece of four, or not at all, falls further
      assertThat(Math.abs(pieces.get(trained) - whole.get(trained))).as(trained + " " + pieces + " vs " + whole)
          .isLessThan(0.06);
    }
    // export re-runs a trained trial on the driver, reading the pieces again: the row's accuracy exactly
    String tuned = io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials")
        .where("run_id = 'pieces' and block = 'tuned'").first().getAs("trial_id");
    Run x = cli("export", "--run-id", "pieces", "--trial-id", tuned, "--results", out.toString(), "--out",
        dir.resolve("tuned.mpz").toString(), "--master", "local[2]");
    assertThat(x.code()).as(x.err() + x.out()).isZero();
    assertThat(x.out()).contains("training split: 2000 examples in 4 pieces");
    assertThat(!Files.exists(scratch) || Files.list(scratch).findAny().isEmpty()).as("pieces left in " + scratch).isTrue();
    // and training happened: 95 % pruned without training is far below
    assertThat(pieces.get("tuned") - pieces.get("untuned")).as(pieces.toString()).isGreaterThan(0.10);
    assertThat(pieces.get("agp") - pieces.get("untuned")).as(pieces.toString()).isGreaterThan(0.10);
  }

  /**
   * Distillation on a split in pieces: the soft targets are computed a piece per task and equal the whole
   * split's (same example indices, labels, logits); task- and data-parallel students train on the pieces and
   * land near the whole split's students; the held-out validation examples are the split's last either way.
   */
  @Test
  void distillationReadsThePiecesForItsSoftTargetsAndStudents() throws Exception {
    String search = """
        search:
          - name: students
            distill: {students: [mlp-16], temperatures: [4], alphas: [0.5], epochs: 2, batch-size: 64, validation: 200}
          - name: dp
            distill: {students: [mlp-32], temperatures: [4], alphas: [0.5], epochs: 2, batch-size: 64, validation: 200,
                      parallelism: data}
        """;
    Map<String, Map<String, Double>> accuracy = new HashMap<>(); // run -> block/student -> accuracy
    Map<String, Map<Integer, List<Object>>> targets = new HashMap<>(); // run -> example -> label, logits
    for (String[] run : new String[][] {{"dwhole", ""}, {"dpieces", "evaluation: {broadcast-limit-mb: 0.5}\n"}}) {
      Path cfg = dir.resolve(run[0] + ".yaml");
      Files.writeString(cfg, config(run[0], search, run[1]));
      Path out = dir.resolve(run[0] + "-out"); // an output root each: each run computes its own soft targets
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", run[0], "--master", "local[2]");
      assertThat(r.code()).as(r.err() + r.out()).isZero();
      assertThat(r.out()).contains("soft targets: 2000 training examples computed on the executors");
      assertThat(r.out().contains("training split: 2000 examples in 4 pieces")).isEqualTo(run[0].equals("dpieces"));
      for (Row x : io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials").collectAsList()) {
        assertThat(x.<String>getAs("status")).as(x.<String>getAs("block") + " " + x.getAs("error_message")).isEqualTo("ok");
        accuracy.computeIfAbsent(run[0], k -> new HashMap<>()).put(x.getAs("block") + "/"
            + x.getAs("distill_student") + "/" + x.getAs("distill_temperature"), x.getAs("accuracy"));
      }
      for (Row x : reader().read().parquet(out.resolve("soft_targets").toString()).collectAsList()) {
        targets.computeIfAbsent(run[0], k -> new HashMap<>()).put(x.getAs("example_index"),
            List.of(x.getAs("label"), x.getList(x.fieldIndex("logits"))));
      }
    }
    Map<Integer, List<Object>> whole = targets.get("dwhole");
    assertThat(whole).hasSize(2000);
    assertThat(targets.get("dpieces").keySet()).isEqualTo(whole.keySet());
    targets.get("dpieces").forEach((i, v) -> {
      assertThat(v.get(0)).as("label of example " + i).isEqualTo(whole.get(i).get(0));
      List<?> a = (List<?>) v.get(1);
      List<?> b = (List<?>) whole.get(i).get(1);
      for (int c = 0; c < b.size(); c++) { // the teacher's outputs in batches of another size: float rounding
        assertThat((Float) a.get(c)).as("logit " + c + " of example " + i).isCloseTo((Float) b.get(c),
            org.assertj.core.api.Assertions.within(1e-4f));
      }
    });
    Map<String, Double> w = accuracy.get("dwhole");
    assertThat(accuracy.get("dpieces").keySet()).isEqualTo(w.keySet());
    assertThat(w).hasSizeGreaterThanOrEqualTo(3);
    accuracy.get("dpieces").forEach((k, a) -> {
      if (k.startsWith("students/")) { // trained in the task: the whole split's training in another batch order
        assertThat(Math.abs(a - w.get(k))).as(k + ": " + accuracy).isLessThan(0.06);
      } else if (!k.startsWith("base/")) {
        // parameter averaging over two workers depends on the order their results arrive, and two epochs on
        // 1,800 examples vary widely (seen for mlp-32 at T=4: 0.49 whole, 0.70 in pieces): trained, far above
        // the 10 % of an untrained network, is what is checked
        assertThat(a).as(k + ": " + accuracy).isGreaterThan(0.4);
      }
    });
  }
}
