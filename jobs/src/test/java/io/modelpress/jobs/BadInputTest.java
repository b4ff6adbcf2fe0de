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

/** Bad input, each one line on stderr, exit 2, nothing written. */
class BadInputTest extends CliTestBase {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed yaml   | MODEL | search: [{prune: {sparsities: [0.5]}       | config CFG is not valid YAML at line
      unknown key      | MODEL | sead: 3                                    | unknown key 'sead'; valid keys at the top level: dataset, devices, eval-batch-size, evaluation, latency, model, name, nightly, objectives, output, sample, search, seed, version
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
      wrong input size | SMALL |                                            | the model takes 100 input values but dataset 'mnist' has 784 per example (1×28×28); use a model made for this data
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
          classpathArgument(), "io.modelpress.cli.Cli", "sweep", "--config", cfg.toString(),
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
    assertThat(noConfig.err().strip()).isEqualTo("modelpress: error: 'modelpress sweep' needs --config FILE: the "
        + "sweep's YAML config, any Hadoop path (e.g. conf/sweeps/mnist-mlp.yaml); see modelpress sweep --help");
    Run unknown = cli("sweep", "--confg", "x.yaml");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err().strip()).isEqualTo("modelpress: error: unknown option '--confg' for 'modelpress sweep' "
        + "(did you mean --config or --commit-every?); modelpress sweep --help lists every option");
    Run missing = cli("sweep", "--config", dir.resolve("nope.yaml").toString());
    assertThat(missing.err().strip()).isEqualTo(
        "modelpress: error: '--config' is set to " + dir.resolve("nope.yaml") + " but no such file exists");
    Run badId = cli("sweep", "--config", "x.yaml", "--run-id", "2026-11-28");
    assertThat(badId.code()).isEqualTo(2);
    assertThat(badId.err().strip()).startsWith("modelpress: error: '--run-id' is set to \"2026-11-28\" but must be");
    Run twoLines = cli("sweep", "--config", "x.yaml", "--run-id", "a\nb");
    assertThat(twoLines.err().lines().toList()).hasSize(1);
    Run notANumber = cli("sweep", "--config", "x.yaml", "--commit-every", "ten");
    assertThat(notANumber.code()).isEqualTo(2);
    assertThat(notANumber.err().strip()).isEqualTo("modelpress: error: Invalid value for option '--commit-every': "
        + "'ten' is not an int (modelpress sweep --help)");
    Run train = cli("train", "--model", "mlp-64-64", "--out", "/dev/null/m.zip");
    assertThat(train.code()).isEqualTo(2);
    assertThat(train.err().strip()).isEqualTo(
        "modelpress: error: '--out' is set to /dev/null/m.zip but /dev/null is not a writable folder; choose another --out");
    Run cmd = cli("swep");
    assertThat(cmd.code()).isEqualTo(2);
    assertThat(cmd.err().strip()).isEqualTo("modelpress: error: unknown command 'swep' (did you mean sweep or "
        + "report?); commands: sweep, distill, nightly, sensitivity, results, select, report, export, train, data, help");
    Run none = cli();
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.out()).contains("Usage: modelpress", "Commands:");
  }

  /** Every command has --help that lists each of its options with its default, exit 0, nothing else run. */
  @Test
  void everyCommandHasHelpListingItsOptionsAndDefaults() {
    Run top = cli("--help");
    assertThat(top.code()).isZero();
    for (String c : List.of("sweep", "distill", "nightly", "sensitivity", "results", "select", "report", "export",
        "train", "data")) {
      assertThat(top.out()).as(c).containsPattern("(?m)^  " + c + " ");
      Run help = cli(c, "--help");
      assertThat(help.code()).as(c).isZero();
      assertThat(help.out()).as(c).startsWith("Usage: modelpress " + c);
      assertThat(help.err()).as(c).isEmpty();
    }
    Run sweep = cli("sweep", "--help");
    assertThat(sweep.out()).contains("--config=FILE", "--out, --results=DIR", "--run-id=ID", "--overwrite",
        "--master=URL", "--commit-every=N", "--max-failed-trials=N", "default: <name>-<yyyyMMdd-HHmmss> in UTC");
    Run select = cli("select", "--help");
    assertThat(select.out()).contains("--out, --results=DIR", "default: ./modelpress-out", "--device=NAME");
    Run train = cli("train", "--help");
    assertThat(train.out()).contains("--epochs=N", "default: 3", "--seed=N", "default: 42");
    Run help = cli("help", "export");
    assertThat(help.code()).isZero();
    assertThat(help.out()).startsWith("Usage: modelpress export");
    Run version = cli("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("modelpress ");
  }

  /** The tables root is --out for every command that reads tables too (--results stays an alias). */
  @Test
  void theTablesRootIsOutForEveryCommandThatReadsTables() {
    Path none = dir.resolve("no-such-root");
    for (List<String> c : List.of(List.of("select", "--run-id", "r1", "--device", "measured"),
        List.of("report", "--run-id", "r1"), List.of("results", "runs"))) {
      for (String flag : List.of("--out", "--results")) {
        List<String> args = new java.util.ArrayList<>(c);
        args.addAll(List.of(flag, none.toString()));
        Run r = cli(args.toArray(new String[0]));
        assertThat(r.code()).as(args.toString()).isEqualTo(2);
        assertThat(r.err()).as(args.toString()).contains(none.toString()).doesNotContain("unknown option");
      }
    }
  }
}
