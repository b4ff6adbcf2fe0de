package io.modelpress.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.ModelStore;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs computing the same teacher's soft targets at once: one file stands, both read the same values. */
class SoftTargetsTest {

  @TempDir
  Path tmp;

  @Test
  void twoRunsPublishingTheSameSoftTargetsAtOnceLeaveOneReadableFile() throws Exception {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("soft-targets-test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 600, 0), new Configuration());
      byte[] teacher = Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 1), train, (e, s) -> { })
          .save();
      String fp = ModelStore.hex(ModelStore.sha256(teacher));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<float[]>> runs = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        runs.add(pool.submit(() -> {
          go.await();
          return Distillation.softTargets(spark, tmp.toString(), teacher, fp, io.modelpress.data.TrainingSplit.of(train), 10,
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        }));
      }
      go.countDown();
      float[] a = runs.get(0).get();
      float[] b = runs.get(1).get();
      assertThat(a).hasSize(600 * 10).isEqualTo(b);
      Path partition = tmp.resolve("soft_targets/teacher_fingerprint=" + fp + "/dataset_fingerprint="
          + train.fingerprintHex() + "-n600");
      try (var files = Files.list(partition)) { // one file, not a folder nested in a folder
        assertThat(files.map(f -> f.getFileName().toString()).filter(f -> !f.startsWith(".")))
            .containsExactly("targets.parquet");
      }
      try (var left = Files.list(tmp.resolve("soft_targets/_attempts"))) {
        assertThat(left).isEmpty();
      }
      // a third run reads them back
      assertThat(spark.read().parquet(tmp.resolve("soft_targets").toString()).count()).isEqualTo(600);
    } finally {
      pool.shutdown();
      spark.stop();
    }
  }
}
