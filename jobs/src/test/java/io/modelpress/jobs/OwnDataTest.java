package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.spark.DataReader;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.Normalization;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Data of the user's own (issue #20): the bundled IDX sets converted to Parquet read back value for value;
 * a Parquet file written without Spark (pyarrow's layout for a uint8 list); image folders written with
 * ImageIO; a sweep on Parquet that gives the IDX sweep's rows; an RGB set through a sweep. Each is
 * checked against the IDX reader or the arrays the test wrote, not against the reader under test.
 */
class OwnDataTest extends CliTestBase {

  static DatasetSpec parquet(Path dir, String features, List<Integer> shape, int trainLimit, int testLimit) {
    return new DatasetSpec("parquet", "", "", dir.resolve("train.parquet").toString(), dir.resolve("test.parquet").toString(),
        features, "", "label", shape, 0, Optional.empty(), false, trainLimit, testLimit);
  }

  static Path converted() {
    Path out = SHARED.resolve("mnist-parquet");
    if (!Files.exists(out.resolve("test.parquet"))) {
      Run r = cli("data", "convert", "--from", "idx", "--to", "parquet", "--dataset", "mnist", "--out", out.toString(),
          "--master", "local[2]");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("train: 60000 examples of 1×28×28, 10 classes").contains("test: 10000 examples");
    }
    return out;
  }

  @Test
  void convertedParquetReadsBackAsTheIdxValuesAndAPlainParquetReaderSeesThem() throws Exception {
    Path out = converted();
    LabeledImages idxTest = Datasets.test(new DatasetSpec("mnist", "", 0, 0), new Configuration());
    LabeledImages idxTrain = Datasets.train(new DatasetSpec("mnist", "", 0, 0), new Configuration());
    SparkSession spark = reader();
    LabeledImages test = DataReader.test(spark, parquet(out, "pixels", List.of(1, 28, 28), 0, 0));
    LabeledImages train = DataReader.train(spark, parquet(out, "pixels", List.of(1, 28, 28), 0, 0));
    assertThat(test.bytes()).isTrue();
    assertThat(test.pixels()).isEqualTo(idxTest.pixels());
    assertThat(test.labels()).isEqualTo(idxTest.labels());
    assertThat(train.pixels()).isEqualTo(idxTrain.pixels());
    assertThat(train.labels()).isEqualTo(idxTrain.labels());
    assertThat(test.classes()).isEqualTo(10);
    assertThat(test.normalize()).isEqualTo(Normalization.UNIT);
    assertThat(test.features(0, 3)).isEqualTo(idxTest.features(0, 3));
    // the IDX fingerprint is over the files, Parquet's over the values: different, and stable
    assertThat(DataReader.test(spark, parquet(out, "pixels", List.of(1, 28, 28), 0, 0)).fingerprintHex())
        .isEqualTo(test.fingerprintHex()).isNotEqualTo(idxTest.fingerprintHex());

    // a Parquet reader without Spark sees the same bytes and labels in the first rows
    Path file;
    try (var s = Files.list(out.resolve("test.parquet"))) {
      file = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
        new org.apache.hadoop.fs.Path(file.toUri())).build()) {
      for (int e = 0; e < 3; e++) {
        Group g = r.read();
        assertThat(g.getInteger("label", 0)).isEqualTo(idxTest.labels()[e]);
        Group list = g.getGroup("pixels", 0);
        int n = list.getFieldRepetitionCount("list");
        assertThat(n).isEqualTo(784);
        for (int i = 0; i < n; i++) {
          int v = list.getGroup("list", i).getInteger("element", 0);
          assertThat(v & 0xff).isEqualTo(idxTest.pixels()[e * 784 + i] & 0xff);
        }
      }
    }
  }

  @Test
  void aParquetFileWrittenWithoutSparkAsPyarrowWritesUint8ListsReads() throws Exception {
    LabeledImages idx = Datasets.test(new DatasetSpec("mnist", "", 0, 300), new Configuration());
    Path dir = CliTestBase.dir.resolve("plain");
    MessageType schema = MessageTypeParser.parseMessageType("message m { optional group image (LIST) { repeated group "
        + "list { optional int32 element (INTEGER(8,false)); } } optional int64 digit; }");
    for (String split : List.of("train", "test")) {
      Path file = dir.resolve(split + ".parquet").resolve("part-0.parquet");
      Files.createDirectories(file.getParent());
      try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
          .withType(schema).build()) {
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        for (int e = 0; e < idx.count(); e++) {
          Group g = f.newGroup();
          Group list = g.addGroup("image");
          for (int i = 0; i < 784; i++) {
            list.addGroup("list").append("element", idx.pixels()[e * 784 + i] & 0xff);
          }
          g.append("digit", (long) idx.labels()[e]);
          f = new SimpleGroupFactory(schema);
          w.write(g);
        }
      }
    }
    DatasetSpec spec = new DatasetSpec("parquet", "", "", dir.resolve("train.parquet").toString(),
        dir.resolve("test.parquet").toString(), "image", "", "digit", List.of(1, 28, 28), 0, Optional.empty(), false, 0, 0);
    LabeledImages read = DataReader.test(reader(), spec);
    // uint8 arrives as smallint: stored as floats, integer columns scaled by 1/255 as bytes are
    assertThat(read.bytes()).isFalse();
    assertThat(read.labels()).isEqualTo(idx.labels());
    assertThat(read.features(0, read.count())).isEqualTo(idx.features(0, idx.count()));
    assertThat(read.classes()).isEqualTo(idx.maxLabel() + 1);
  }

  @Test
  void imageFoldersDecodeToTheValuesWrittenInClassOrderRoundRobin() throws Exception {
    LabeledImages idx = Datasets.test(new DatasetSpec("mnist", "", 0, 200), new Configuration());
    Path root = CliTestBase.dir.resolve("folders");
    String[] names = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    Map<String, Integer> counts = new HashMap<>();
    for (String split : List.of("train", "test")) {
      for (int e = 0; e < idx.count(); e++) {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        byte[] px = Arrays.copyOfRange(idx.pixels(), e * 784, (e + 1) * 784);
        img.getRaster().setDataElements(0, 0, 28, 28, px);
        Path f = root.resolve(split).resolve(names[idx.labels()[e]]).resolve(String.format("img%04d.png", e));
        Files.createDirectories(f.getParent());
        ImageIO.write(img, "png", f.toFile());
        counts.merge(split + names[idx.labels()[e]], 1, Integer::sum);
      }
    }
    DatasetSpec spec = new DatasetSpec("image-folder", "", "", root.resolve("train").toString(),
        root.resolve("test").toString(), "", "", "", List.of(1, 28, 28), 0, Optional.empty(), false, 0, 0);
    SparkSession spark = reader();
    LabeledImages read = DataReader.test(spark, spec);
    List<String> sorted = new ArrayList<>(List.of(names));
    java.util.Collections.sort(sorted);
    assertThat(DataReader.classNames(spark, spec)).isEqualTo(sorted);
    assertThat(read.count()).isEqualTo(idx.count());
    assertThat(read.classes()).isEqualTo(10);
    // the expected order written out: per sorted class the files by name, then round-robin over the classes
    List<List<Integer>> byClass = new ArrayList<>();
    for (String c : sorted) {
      List<Integer> members = new ArrayList<>();
      for (int e = 0; e < idx.count(); e++) {
        if (names[idx.labels()[e]].equals(c)) {
          members.add(e); // file names img%04d follow e
        }
      }
      byClass.add(members);
    }
    int at = 0;
    for (int i = 0; at < idx.count(); i++) {
      for (int c = 0; c < byClass.size(); c++) {
        if (i < byClass.get(c).size()) {
          int e = byClass.get(c).get(i);
          assertThat(read.labels()[at]).isEqualTo(c);
          assertThat(Arrays.copyOfRange(read.pixels(), at * 784, (at + 1) * 784))
              .isEqualTo(Arrays.copyOfRange(idx.pixels(), e * 784, (e + 1) * 784));
          at++;
        }
      }
    }
    assertThat(DataReader.describe(spark, spec)).contains("classes [eight, five, four, nine, one, seven, six, three, two, zero]");

    // above the broadcast limit the folder stays on the executors in shards of consecutive examples: 200 × 784
    // bytes against 0.05 MiB, shards of at most 0.025 MiB = 33 images, so 7 of them; in shard order they are
    // the examples read whole, with the same fingerprint
    DataReader.Split split = DataReader.testSplit(spark, spec, 0.05);
    assertThat(split.sharded()).isTrue();
    assertThat(split.count()).isEqualTo(200);
    assertThat(split.pieces()).isEqualTo(7);
    assertThat(split.images().fingerprintHex()).isEqualTo(read.fingerprintHex());
    List<scala.Tuple2<Integer, LabeledImages>> shards = new ArrayList<>(split.shards().collect());
    shards.sort(java.util.Comparator.comparingInt(scala.Tuple2::_1));
    java.io.ByteArrayOutputStream px = new java.io.ByteArrayOutputStream();
    List<Integer> labels = new ArrayList<>();
    for (var t : shards) {
      px.write(t._2().pixels());
      Arrays.stream(t._2().labels()).forEach(labels::add);
    }
    assertThat(shards).hasSize(7);
    assertThat(px.toByteArray()).isEqualTo(read.pixels());
    assertThat(labels).isEqualTo(Arrays.stream(read.labels()).boxed().toList());
    assertThat(DataReader.testSplit(spark, spec, 1).sharded()).isFalse(); // 0.15 MiB fits 1 MiB
  }

  @Test
  void aSweepOnParquetGivesTheRowsOfTheSweepOnIdx() throws Exception {
    Path pq = converted();
    Path cfgIdx = CliTestBase.dir.resolve("idx.yaml");
    String noLatency = """
        latency: {enabled: false}
        objectives:
          - {metric: accuracy, direction: maximize}
          - {metric: encoded_bytes, direction: minimize}
        """;
    Files.writeString(cfgIdx, config(model.toString(), noLatency));
    Path cfgPq = CliTestBase.dir.resolve("pq.yaml");
    Files.writeString(cfgPq, config(model.toString(), noLatency).replace("dataset: {name: mnist, test-limit: 1000, train-limit: 2000}",
        "dataset: {format: parquet, train: \"" + pq.resolve("train.parquet") + "\", test: \"" + pq.resolve("test.parquet")
            + "\", features: pixels, label: label, shape: [1, 28, 28], test-limit: 1000, train-limit: 2000}"));
    Path out = CliTestBase.dir.resolve("same-rows");
    for (Path cfg : List.of(cfgIdx, cfgPq)) {
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id",
          cfg.getFileName().toString().replace(".yaml", ""), "--master", "local[2]");
      assertThat(r.code()).as(r.err()).isZero();
    }
    SparkSession spark = reader();
    Map<String, Map<String, Object>> byRun = new HashMap<>();
    for (Row r : io.modelpress.spark.ResultReader.table(spark, out.toString(), "trials").collectAsList()) {
      byRun.computeIfAbsent(r.getAs("run_id"), k -> new HashMap<>()).put(r.getAs("spec_json"),
          List.of(r.getAs("status"), r.getAs("accuracy"), r.getAs("encoded_bytes"), r.getAs("macro_f1")));
    }
    assertThat(byRun.get("idx")).hasSize(13);
    assertThat(byRun.get("pq")).isEqualTo(byRun.get("idx"));
    Row run = io.modelpress.spark.ResultReader.table(spark, out.toString(), "runs").where("run_id = 'pq'").first();
    assertThat(run.<String>getAs("dataset")).isEqualTo("parquet " + pq.resolve("test.parquet"));
  }

  /**
   * A test split above 'evaluation.broadcast-limit-mb' is evaluated in shards (one per Parquet file here)
   * and its rows equal those of the same split broadcast whole: accuracy, F1, bytes, status and trial ids
   * (the fingerprint is the same whichever way the split is held). Pruned, structured, quantized and
   * fine-tuned trials, with latency measured.
   */
  @Test
  void aTestSplitInShardsGivesTheRowsOfTheSplitBroadcastWhole() throws Exception {
    LabeledImages idx = Datasets.test(new DatasetSpec("mnist", "", 0, 2000), new Configuration());
    List<Row> rows = new ArrayList<>();
    for (int e = 0; e < idx.count(); e++) {
      rows.add(RowFactory.create(Arrays.copyOfRange(idx.pixels(), e * 784, (e + 1) * 784), idx.labels()[e]));
    }
    Path dir = CliTestBase.dir.resolve("sharded");
    StructType bytes = pixelsSchema(DataTypes.ByteType, DataTypes.IntegerType);
    // four files of 500 rows: several partitions, several shards
    reader().createDataFrame(rows, bytes).repartition(4).write().parquet(dir.resolve("test.parquet").toString());
    Path train = converted().resolve("train.parquet");
    String dataset = "dataset: {format: parquet, train: \"" + train + "\", test: \"" + dir.resolve("test.parquet")
        + "\", features: pixels, shape: [1, 28, 28], train-limit: 600}"; // 0.45 MiB: the training split stays whole
    String search = """
        search:
          - name: single
            prune: {scope: single-layer, sparsities: [0.5, 0.9]}
          - name: structured
            prune: {scope: layer, sparsities: 0.5, structure: structured}
          - name: quant
            quantize: {bits: [4, 8], granularity: [per-tensor, per-channel]}
          - name: tuned
            prune: {scope: global, sparsities: 0.9}
            finetune: {epochs: 1, learning-rate: 0.001}
          - name: students
            distill: {students: [mlp-16], temperatures: [4], alphas: [0.5], epochs: 1, batch-size: 64, validation: 200}
            quantize: {bits: [8]}
        """;
    Path out = CliTestBase.dir.resolve("sharded-out");
    // one Spark partition per file (each smaller than the split size, no packing cost): four shards to sum,
    // where Spark's defaults would pack the four small files into one
    System.setProperty("spark.sql.files.maxPartitionBytes", "65536");
    System.setProperty("spark.sql.files.openCostInBytes", "0");
    try {
      shardedRuns(dataset, search, out);
    } finally {
      System.clearProperty("spark.sql.files.maxPartitionBytes");
      System.clearProperty("spark.sql.files.openCostInBytes");
      reader().conf().unset("spark.sql.files.maxPartitionBytes");
      reader().conf().unset("spark.sql.files.openCostInBytes");
    }
  }

  private static void shardedRuns(String dataset, String search, Path out) throws Exception {
    for (String[] run : new String[][] {{"whole", ""}, {"shards", "evaluation: {broadcast-limit-mb: 0.5}\n"}}) {
      Path cfg = CliTestBase.dir.resolve(run[0] + ".yaml");
      Files.writeString(cfg, "version: 1\nname: " + run[0] + "\nmodel: {path: \"" + model + "\"}\n" + dataset + "\n"
          + search + run[1]);
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", run[0], "--master", "local[2]");
      assertThat(r.code()).as(r.err() + r.out()).isZero();
      if (run[0].equals("shards")) {
        // 2000 examples × 784 bytes = 1.5 MiB > 0.5 MiB, in the four files' shards
        assertThat(r.out()).contains("test split: 2000 examples in 4 shards on the executors");
      }
    }
    Map<String, Map<String, Object>> byRun = new HashMap<>();
    for (Row r : io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials").collectAsList()) {
      byRun.computeIfAbsent(r.getAs("run_id"), k -> new HashMap<>()).put(r.getAs("trial_id"),
          List.of(r.getAs("status"), r.getAs("accuracy"), r.getAs("encoded_bytes"), r.getAs("macro_f1"),
              r.getAs("examples")));
    }
    assertThat(byRun.get("whole")).hasSize(17);
    assertThat(byRun.get("whole").values()).allSatisfy(v -> assertThat(((List<?>) v).get(4)).isEqualTo(2000L));
    assertThat(byRun.get("shards")).isEqualTo(byRun.get("whole"));

    // export reads the split as the run did: the sharded run's trial, checked shard by shard (the restored
    // network and ONNX Runtime), prints what the whole run's prints, file name aside
    String quantized = byRun.get("whole").keySet().stream().sorted().filter(id -> io.modelpress.spark.ResultReader
        .table(reader(), out.toString(), "trials").where("run_id = 'whole' and trial_id = '" + id + "' and block = 'quant' and quant_bits = 8")
        .count() > 0).findFirst().orElseThrow();
    Map<String, String> exported = new HashMap<>();
    for (String run : List.of("whole", "shards")) {
      Path file = CliTestBase.dir.resolve(run + ".onnx");
      Run x = cli("export", "--run-id", run, "--trial-id", quantized, "--results", out.toString(), "--out",
          file.toString(), "--master", "local[2]", "--tolerance", "2"); // int8 activations of a 1-epoch model
      assertThat(x.code()).as(x.err() + x.out()).isZero();
      assertThat(x.out().contains("test split: 2000 examples in 4 shards")).isEqualTo(run.equals("shards"));
      exported.put(run, x.out().lines().filter(l -> l.startsWith("exported ONNX")).findFirst().orElseThrow()
          .replace(file.toString(), "FILE"));
    }
    assertThat(exported.get("whole")).contains("on 2000 test images");
    assertThat(exported.get("shards")).isEqualTo(exported.get("whole"));

    // a sensitivity run both ways: the bootstrap resamples are drawn over the whole split and summed per shard,
    // so every row's accuracy is equal and its mean loss equal to float precision
    Map<String, Map<String, double[]>> sens = new HashMap<>();
    for (String[] run : new String[][] {{"sens-whole", ""}, {"sens-shards", "evaluation: {broadcast-limit-mb: 0.5}\n"}}) {
      Path cfg = CliTestBase.dir.resolve(run[0] + ".yaml");
      Files.writeString(cfg, "version: 1\nname: " + run[0] + "\nmodel: {path: \"" + model + "\"}\n" + dataset + "\n"
          + "prune: {methods: [magnitude, magnitude-structured], sparsities: [0.5, 0.9]}\n"
          + "quantize: {methods: [uniform, kmeans], bits: [3]}\nseeds: 3\n" + run[1]);
      Run r = cli("sensitivity", "--config", cfg.toString(), "--out", out.toString(), "--run-id", run[0], "--master",
          "local[2]");
      assertThat(r.code()).as(r.err() + r.out()).isZero();
      assertThat(r.out().contains("test split: 2000 examples in 4 shards")).isEqualTo(run[0].equals("sens-shards"));
      for (Row x : io.modelpress.spark.ResultReader.table(reader(), out.toString(), "sensitivity")
          .where("run_id = '" + run[0] + "'").collectAsList()) {
        sens.computeIfAbsent(run[0], k -> new HashMap<>()).put(x.getAs("trial_id") + "/" + x.getAs("seed"),
            new double[] {x.<Double>getAs("accuracy"), x.<Double>getAs("loss"), x.<Long>getAs("encoded_bytes")});
      }
    }
    Map<String, double[]> whole = sens.get("sens-whole");
    assertThat(whole).hasSizeGreaterThan(30);
    assertThat(sens.get("sens-shards").keySet()).isEqualTo(whole.keySet());
    // the resamples differ from one another, so a shard that ignored its offset would not match
    assertThat(whole.values().stream().map(v -> v[0]).distinct().count()).isGreaterThan(10);
    sens.get("sens-shards").forEach((k, v) -> {
      assertThat(v[0]).as(k).isEqualTo(whole.get(k)[0]);
      // float32 outputs of a shard's batches and of the whole split's differ in their last bits
      assertThat(v[1]).as(k).isCloseTo(whole.get(k)[1], org.assertj.core.api.Assertions.withinPercentage(1e-4));
      assertThat(v[2]).as(k).isEqualTo(whole.get(k)[2]);
    });
  }

  @Test
  void anRgbSetOfThreeByThirtyTwoByThirtyTwoGoesThroughASweepWithAConvNet() throws Exception {
    // synthetic, and said so: three classes of coloured squares on noise, written as PNG folders
    Path root = CliTestBase.dir.resolve("rgb");
    java.util.Random rnd = new java.util.Random(7);
    int[][] colours = {{200, 40, 40}, {40, 200, 40}, {40, 40, 200}};
    for (String split : List.of("train", "test")) {
      for (int e = 0; e < (split.equals("train") ? 600 : 150); e++) {
        int c = e % 3;
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        int x0 = rnd.nextInt(20);
        int y0 = rnd.nextInt(20);
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            boolean in = x >= x0 && x < x0 + 12 && y >= y0 && y < y0 + 12;
            int n = rnd.nextInt(60);
            int r = in ? colours[c][0] : n;
            int g = in ? colours[c][1] : n;
            int b = in ? colours[c][2] : n;
            img.setRGB(x, y, (r << 16) | (g << 8) | b);
          }
        }
        Path f = root.resolve(split).resolve("c" + c).resolve(e + ".png");
        Files.createDirectories(f.getParent());
        ImageIO.write(img, "png", f.toFile());
      }
    }
    Path cfg = CliTestBase.dir.resolve("rgb.yaml");
    Files.writeString(cfg, """
        version: 1
        name: rgb
        model: {zoo: lenet5, train: {epochs: 2, batch-size: 32}}
        dataset:
          format: image-folder
          train: "%s"
          test: "%s"
          shape: [3, 32, 32]
          normalize: {scale: 0.00392156862745098, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}
        search:
          - name: quant
            quantize: {bits: [4, 8]}
          - name: pruned
            prune: {scope: global, sparsities: 0.5}
            finetune: {epochs: 1}
        objectives:
          - {metric: accuracy, direction: maximize}
          - {metric: encoded_bytes, direction: minimize}
        """.formatted(root.resolve("train"), root.resolve("test")));
    Path out = CliTestBase.dir.resolve("rgb-out");
    Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--master", "local[2]");
    assertThat(r.code()).as(r.err() + r.out()).isZero();
    List<Row> rows = io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials").collectAsList();
    assertThat(rows).hasSize(4).allSatisfy(t -> assertThat(t.<String>getAs("status")).isEqualTo("ok"));
    double base = rows.stream().filter(t -> t.<String>getAs("block").equals("base")).findFirst().orElseThrow()
        .getAs("accuracy");
    // the colour decides the class: a conv net that reads the three channels gets nearly all of them
    assertThat(base).isGreaterThan(0.9);
    assertThat(io.modelpress.spark.ResultReader.table(reader(), out.toString(), "runs").first().<String>getAs("dataset"))
        .isEqualTo("image-folder " + root.resolve("test") + " classes [c0, c1, c2]");
    // measured latency ran the conv net on 3×32×32 inputs in the runtime
    assertThat(rows).allSatisfy(t -> assertThat(t.<Double>getAs("latency_b1_p50_ms")).isPositive());

    // modelpress train on the same images, from the sweep config's dataset block: the saved model takes
    // 3×32×32 and 3 classes, and a sweep of it (another evaluator) finds the test accuracy train printed
    Path trained = CliTestBase.dir.resolve("rgb-lenet5.zip");
    Run tr = cli("train", "--model", "lenet5", "--config", cfg.toString(), "--epochs", "1", "--batch-size", "32",
        "--out", trained.toString(), "--master", "local[2]");
    assertThat(tr.code()).as(tr.err() + tr.out()).isZero();
    assertThat(tr.out()).contains("training lenet5 on 600 image-folder " + root.resolve("train") + " 3×32×32 examples");
    var printed = java.util.regex.Pattern.compile("test accuracy ([0-9.]+) % \\((\\d+)/150\\)").matcher(tr.out());
    assertThat(printed.find()).as(tr.out()).isTrue();
    Path again = CliTestBase.dir.resolve("rgb-trained.yaml");
    Files.writeString(again, Files.readString(cfg).replace("model: {zoo: lenet5, train: {epochs: 2, batch-size: 32}}",
        "model: {path: \"" + trained + "\"}").replace("name: rgb", "name: rgb-trained"));
    Run swept = cli("sweep", "--config", again.toString(), "--out", out.toString(), "--master", "local[2]");
    assertThat(swept.code()).as(swept.err() + swept.out()).isZero();
    double sweptBase = io.modelpress.spark.ResultReader.table(reader(), out.toString(), "runs")
        .where("name = 'rgb-trained'").first().getAs("base_accuracy");
    assertThat(Math.round(sweptBase * 150)).isEqualTo(Long.parseLong(printed.group(2)));
    Run both = cli("train", "--model", "lenet5", "--config", cfg.toString(), "--dataset", "mnist");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("'--dataset' and '--config' both name the data; give one");

    // a sensitivity run and a distillation on the same images, the zoo model reused from the cache
    String data = Files.readString(cfg).substring(Files.readString(cfg).indexOf("model:"),
        Files.readString(cfg).indexOf("search:"));
    Path sens = CliTestBase.dir.resolve("rgb-sens.yaml");
    Files.writeString(sens, "version: 1\nname: rgb-sens\n" + data
        + "prune: {methods: [magnitude], sparsities: [0.5]}\nquantize: {methods: [uniform], bits: [4]}\nseeds: 2\n");
    Run s = cli("sensitivity", "--config", sens.toString(), "--out", out.toString(), "--master", "local[2]");
    assertThat(s.code()).as(s.err() + s.out()).isZero();
    assertThat(s.out()).contains("trials ").containsPattern("[0-9]+ ok, 0 failed");
    Path distill = CliTestBase.dir.resolve("rgb-distill.yaml");
    Files.writeString(distill, "version: 1\nname: rgb-distill\n" + data + "latency: {enabled: false}\nsearch:\n"
        + "  - distill: {students: [mlp-16], temperatures: [4], alphas: [0.5], epochs: 2, batch-size: 32, validation: 60}\n");
    Run d = cli("distill", "--config", distill.toString(), "--out", out.toString(), "--master", "local[2]");
    assertThat(d.code()).as(d.err() + d.out()).isZero();
    List<Row> students = io.modelpress.spark.ResultReader.table(reader(), out.toString(), "trials")
        .where("run_id LIKE 'rgb-distill%' AND block <> 'base'").collectAsList();
    assertThat(students).extracting(t -> t.<String>getAs("method")).containsExactlyInAnyOrder("student", "distill");
    assertThat(students).allSatisfy(t -> assertThat(t.<String>getAs("status")).isEqualTo("ok"));
    // the distilled student of the three-colour task beats chance (1/3) by far; the hard-label baseline gets
    // only 34 steps on 540 images and may not (it stayed at 1/3 in the run that set this check)
    assertThat(students).filteredOn(t -> t.<String>getAs("method").equals("distill")).singleElement()
        .satisfies(t -> assertThat(t.<Double>getAs("accuracy")).isGreaterThan(0.6));
  }

  /**
   * The decoder's conversions against values written out here: a binary column of PNGs equals the pixels
   * written; a colour image read as grey follows L = 0.299 R + 0.587 G + 0.114 B (±1 for rounding); grey read
   * as RGB repeats; a flat image resized stays flat; a flat JPEG decodes within 2 of its level.
   */
  @Test
  void encodedImagesInAParquetColumnAndTheDecodersConversions() throws Exception {
    LabeledImages idx = Datasets.test(new DatasetSpec("mnist", "", 0, 50), new Configuration());
    List<Row> rows = new ArrayList<>();
    for (int e = 0; e < idx.count(); e++) {
      BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      img.getRaster().setDataElements(0, 0, 28, 28, Arrays.copyOfRange(idx.pixels(), e * 784, (e + 1) * 784));
      var png = new java.io.ByteArrayOutputStream();
      ImageIO.write(img, "png", png);
      rows.add(RowFactory.create(png.toByteArray(), idx.labels()[e]));
    }
    StructType schema = new StructType().add("png", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
    Path dir = CliTestBase.dir.resolve("png-column");
    writeParquet(reader(), dir.resolve("train.parquet"), schema, rows);
    writeParquet(reader(), dir.resolve("test.parquet"), schema, rows);
    DatasetSpec spec = new DatasetSpec("parquet", "", "", dir.resolve("train.parquet").toString(),
        dir.resolve("test.parquet").toString(), "", "png", "label", List.of(1, 28, 28), 0, Optional.empty(), false, 0, 0);
    LabeledImages read = DataReader.test(reader(), spec);
    assertThat(read.pixels()).isEqualTo(idx.pixels());
    assertThat(read.labels()).isEqualTo(idx.labels());

    BufferedImage colour = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
    java.util.Random rnd = new java.util.Random(3);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 4; x++) {
        colour.setRGB(x, y, rnd.nextInt(1 << 24));
      }
    }
    byte[] grey = io.modelpress.data.ImageDecoder.decode(png(colour), 1, 3, 4, false);
    byte[] rgb = io.modelpress.data.ImageDecoder.decode(png(colour), 3, 3, 4, false);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 4; x++) {
        int p = colour.getRGB(x, y);
        int r = (p >> 16) & 0xff;
        int g = (p >> 8) & 0xff;
        int b = p & 0xff;
        assertThat((double) (grey[y * 4 + x] & 0xff)).isCloseTo(0.299 * r + 0.587 * g + 0.114 * b,
            org.assertj.core.data.Offset.offset(1.0));
        assertThat(new int[] {rgb[y * 4 + x] & 0xff, rgb[12 + y * 4 + x] & 0xff, rgb[24 + y * 4 + x] & 0xff})
            .containsExactly(r, g, b);
      }
    }
    BufferedImage flat = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 56; y++) {
      for (int x = 0; x < 56; x++) {
        flat.getRaster().setSample(x, y, 0, 137);
      }
    }
    byte[] resized = io.modelpress.data.ImageDecoder.decode(png(flat), 3, 28, 28, true);
    for (byte v : resized) {
      assertThat(v & 0xff).isEqualTo(137);
    }
    var jpeg = new java.io.ByteArrayOutputStream();
    ImageIO.write(flat, "jpg", jpeg);
    for (byte v : io.modelpress.data.ImageDecoder.decode(jpeg.toByteArray(), 1, 56, 56, false)) {
      assertThat(v & 0xff).isBetween(135, 139);
    }
  }

  static byte[] png(BufferedImage img) throws java.io.IOException {
    var out = new java.io.ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** An untrained LeNet-5 for 1×28×28 images, saved. */
  static Path lenet5() throws java.io.IOException {
    Path p = SHARED.resolve("lenet5-untrained.zip");
    if (!Files.exists(p)) {
      Files.write(p, io.modelpress.model.dl4j.Dl4jBackend.INSTANCE.initialised("lenet5", 1).save());
    }
    return p;
  }

  static void writeParquet(SparkSession spark, Path path, StructType schema, List<Row> rows) {
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path.toString());
  }

  static StructType pixelsSchema(org.apache.spark.sql.types.DataType element, org.apache.spark.sql.types.DataType label) {
    return new StructType().add("pixels", DataTypes.createArrayType(element, true), true).add("label", label, true);
  }
}
