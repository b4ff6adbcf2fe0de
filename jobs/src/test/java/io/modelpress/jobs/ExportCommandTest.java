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

/** modelpress export: a trial re-run from its row, its artifact and the restored network. */
class ExportCommandTest extends CliTestBase {

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
}
