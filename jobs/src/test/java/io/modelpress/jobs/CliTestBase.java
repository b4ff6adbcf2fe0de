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

/**
 * What every test of the commands shares: real MNIST, two saved models (trained once per JVM: a small
 * mlp-64-64 and one for 10×10 images), the CLI run in this JVM with its output captured, a local Spark
 * session to read the tables back, and helpers over output folders.
 */
abstract class CliTestBase {

  /** One folder for the whole JVM: the saved models outlive each test class's own temporary folder. */
  static final Path SHARED;
  static Path model;
  static Path model10x10;

  static {
    try {
      SHARED = Files.createTempDirectory("modelpress-cli-tests");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @org.junit.jupiter.api.io.TempDir
  static Path dir;

  @BeforeAll
  static synchronized void models() throws Exception {
    if (model != null) {
      return;
    }
    Path mnist = Path.of(Datasets.cacheDir(), "data", "mnist");
    if (!Files.exists(mnist.resolve("train-images-idx3-ubyte"))) {
      throw new IllegalStateException("MNIST is not in " + mnist + "; run bin/fetch-data mnist first");
    }
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 4000, 0), new Configuration());
    Path m = SHARED.resolve("mlp.zip");
    Files.write(m, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 1), train, (e, s) -> { }).save());
    // a model for 10×10 images: the wrong input size for MNIST
    Random r = new Random(1);
    byte[] px = new byte[50 * 100];
    r.nextBytes(px);
    int[] y = new int[50];
    LabeledImages tiny = new LabeledImages(50, 10, 10, px, y, new byte[32]);
    Path m10 = SHARED.resolve("mlp10x10.zip");
    Files.write(m10, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 50, 1e-3, 1), tiny, (e, s) -> { })
        .save());
    model10x10 = m10;
    model = m;
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

  /**
   * This JVM's classpath as a java argument ({@code @FILE} holding {@code -cp "..."}), for the tests that start
   * a CLI in a process of its own: as bin/modelpress does, because ONNX Runtime 1.29 crashes (SIGSEGV) in a
   * process whose command line is longer than about 4 KB ({@code OnnxRunnerLaunchTest}), and the latency stage
   * and export run it.
   */
  static synchronized String classpathArgument() {
    Path args = SHARED.resolve("classpath.args");
    try {
      if (!Files.exists(args)) {
        Files.writeString(args, "-cp \"" + System.getProperty("java.class.path") + "\"\n");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return "@" + args;
  }

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }


  static String chosen(String selectOutput) {
    var m = java.util.regex.Pattern.compile("(?m)^  trial +([0-9a-f]{16})").matcher(selectOutput);
    assertThat(m.find()).as(selectOutput).isTrue();
    return m.group(1);
  }

  /**
   * A local Spark session for reading the tables back; with the global temporary database modelpress's
   * sessions have, so a command run while it is open (sharing it) registers its views there.
   */
  static SparkSession reader() {
    return SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.globalTempDatabase", "modelpress").getOrCreate();
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

}
