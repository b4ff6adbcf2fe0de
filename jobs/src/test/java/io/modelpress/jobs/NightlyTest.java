package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modelpress nightly} over three nights on real MNIST and local[2]: the same night twice is one
 * run, the next night with the same model reuses every trial, a worse model version the night after is
 * evaluated again, diffed and exits with the regression code.
 */
class NightlyTest {

  @TempDir
  static Path dir;

  static final String CONFIG = """
      version: 1
      name: nightly-test
      model: {path: "%s"}
      dataset: {name: mnist, test-limit: 1000}
      latency: {enabled: false}
      search:
        - name: prune
          prune: {scope: global, sparsities: [0.5, 0.9]}
        - name: quant
          quantize: {bits: [4, 8]}
      nightly: {max-best-accuracy-drop: 0.01, max-trial-accuracy-drop: 0.02}
      """;

  @Test
  void nightsAreIdempotentReuseEarlierTrialsAndDiffAgainstThePreviousNight() throws Exception {
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 4000, 0), new Configuration());
    Path good = dir.resolve("good.zip");
    Files.write(good, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(2, 64, 1e-3, 1), train, (e, s) -> { }).save());
    LabeledImages few = Datasets.train(new DatasetSpec("mnist", "", 300, 0), new Configuration());
    Path bad = dir.resolve("bad.zip");
    Files.write(bad, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 2), few, (e, s) -> { }).save());
    Path latest = dir.resolve("latest.zip"); // what a training pipeline overwrites with each model version
    Files.copy(good, latest);
    Path cfg = dir.resolve("nightly.yaml");
    Files.writeString(cfg, CONFIG.formatted(latest));
    Path out = dir.resolve("out");

    CliTestBase.Run first = night(cfg, out, "2026-12-01");
    assertThat(first.code()).as(first.err()).isEqualTo(0);
    assertThat(first.out()).contains("run nightly-test-20261201", "5 ok, 0 failed",
        "run nightly-test-20261201 is the first night of its config");
    CliTestBase.Run again = night(cfg, out, "2026-12-01");
    assertThat(again.code()).as(again.err()).isEqualTo(0);
    assertThat(again.out()).contains("nightly run nightly-test-20261201 (2026-12-01) already finished");
    SparkSession spark = CliTestBase.reader();
    assertThat(spark.read().parquet(out + "/runs").count()).as("one run for one night").isEqualTo(1);
    assertThat(spark.read().parquet(out + "/trials").count()).isEqualTo(5);

    CliTestBase.Run second = night(cfg, out, "2026-12-02");
    assertThat(second.code()).as(second.err()).isEqualTo(0);
    assertThat(second.out()).contains("reusing 5 trials measured by earlier runs", "evaluating the other 0",
        "against the previous night nightly-test-20261201", "model          unchanged", "no regression");
    spark = CliTestBase.reader();
    List<Row> night2 = spark.read().parquet(out + "/trials").where("run_id = 'nightly-test-20261202'").collectAsList();
    assertThat(night2).hasSize(5);
    assertThat(night2).allSatisfy(r -> assertThat(r.<String>getAs("measured_in_run")).isEqualTo("nightly-test-20261201"));
    assertThat(spark.read().parquet(out + "/frontier").where("run_id = 'nightly-test-20261202'").count()).isPositive();

    // a new (worse) model version: nothing to reuse, every trial evaluated, the drop is a regression
    Files.copy(bad, latest, StandardCopyOption.REPLACE_EXISTING);
    CliTestBase.Run third = night(cfg, out, "2026-12-03");
    assertThat(third.code()).as(third.out() + third.err()).isEqualTo(NightlyJob.REGRESSION);
    assertThat(third.out()).doesNotContain("reusing").contains("new model version", "REGRESSION",
        "against the previous night nightly-test-20261202");
    spark = CliTestBase.reader();
    List<Row> night3 = spark.read().parquet(out + "/trials").where("run_id = 'nightly-test-20261203'").collectAsList();
    assertThat(night3).hasSize(5).allSatisfy(r -> assertThat(r.<String>getAs("measured_in_run")).isNull());
    List<Row> diff = spark.read().parquet(out + "/nightly_diff").where("run_id = 'nightly-test-20261203'")
        .collectAsList();
    assertThat(diff).anySatisfy(r -> assertThat(r.<String>getAs("kind")).isEqualTo("model"));
    assertThat(diff).anySatisfy(r -> {
      assertThat(r.<String>getAs("kind")).isEqualTo("summary");
      assertThat(r.<String>getAs("metric")).isEqualTo("best_accuracy");
      assertThat(r.<Boolean>getAs("regression")).isTrue();
      assertThat(r.<Double>getAs("delta")).isLessThan(-0.01);
    });
    // the same spec on both nights, matched across the new trial ids
    assertThat(diff.stream().filter(r -> r.getAs("kind").equals("worse")).toList()).isNotEmpty()
        .allSatisfy(r -> {
          assertThat(r.<String>getAs("trial_id")).isNotEqualTo(r.getAs("previous_trial_id"));
          assertThat(r.<Double>getAs("current_value")).isLessThan(r.<Double>getAs("previous_value"));
        });
    assertThat(Files.readString(out.resolve("reports/run_id=nightly-test-20261203/nightly-diff.txt")))
        .contains("new model version", "REGRESSION");
    assertThat(Files.readString(out.resolve("reports/run_id=nightly-test-20261203/report.html")))
        .contains("Nightly: changes since the previous night");

    // the regressed night again: the same diff rows, not twice as many, and the same exit code
    long rows = diff.size();
    CliTestBase.Run thirdAgain = night(cfg, out, "2026-12-03");
    assertThat(thirdAgain.code()).isEqualTo(NightlyJob.REGRESSION);
    spark = CliTestBase.reader();
    assertThat(spark.read().parquet(out + "/nightly_diff").where("run_id = 'nightly-test-20261203'").count())
        .isEqualTo(rows);
    assertThat(spark.read().parquet(out + "/runs").count()).isEqualTo(3);
    // a regressed night names what failed the limits
    assertThat(thirdAgain.out()).contains("REGRESSION");

    // the good model back: its trials were measured on night 1 and reused on night 2; night 4 reuses night 2's
    // rows and still names night 1 as the run that measured them
    Files.copy(good, latest, StandardCopyOption.REPLACE_EXISTING);
    CliTestBase.Run fourth = night(cfg, out, "2026-12-04");
    assertThat(fourth.code()).as(fourth.out() + fourth.err()).isZero();
    assertThat(fourth.out()).contains("reusing 5 trials", "against the previous night nightly-test-20261203",
        "new model version");
    spark = CliTestBase.reader();
    assertThat(spark.read().parquet(out + "/trials").where("run_id = 'nightly-test-20261204'").collectAsList())
        .hasSize(5).allSatisfy(r -> assertThat(r.<String>getAs("measured_in_run")).isEqualTo("nightly-test-20261201"));

    CliTestBase.Run badDate = CliTestBase.cli("nightly", "--config", cfg.toString(), "--out", out.toString(), "--date", "12/04");
    assertThat(badDate.code()).isEqualTo(2);
    assertThat(badDate.err()).startsWith("modelpress: error: '--date' is set to \"12/04\" but must be a date YYYY-MM-DD");
  }

  private static CliTestBase.Run night(Path cfg, Path out, String date) {
    return CliTestBase.cli("nightly", "--config", cfg.toString(), "--out", out.toString(), "--date", date, "--master",
        "local[2]");
  }
}
