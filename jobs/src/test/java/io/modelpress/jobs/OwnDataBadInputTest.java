package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.spec.DatasetSpec;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Every bad input of issue #20, each against real files written here (Parquet by Spark, PNG by ImageIO):
 * exit 2, one line naming the key, the file, the column and the row (or the image), nothing written.
 */
class OwnDataBadInputTest extends CliTestBase {

  /** Every bad input of issue #20: exit 2, one line naming the key, file, column and row (or image), nothing written. */
  @Test
  void badDataIsOneLineNamingWhereAndNothingIsWritten() throws Exception {
    LabeledImages idx = Datasets.test(new DatasetSpec("mnist", "", 0, 20), new Configuration());
    Path root = CliTestBase.dir.resolve("bad");
    StructType bytes = OwnDataTest.pixelsSchema(DataTypes.ByteType, DataTypes.IntegerType);
    List<Row> good = new ArrayList<>();
    for (int e = 0; e < idx.count(); e++) {
      good.add(RowFactory.create(Arrays.copyOfRange(idx.pixels(), e * 784, (e + 1) * 784), idx.labels()[e]));
    }
    Path ok = root.resolve("ok");
    OwnDataTest.writeParquet(reader(), ok.resolve("train.parquet"), bytes, good);
    OwnDataTest.writeParquet(reader(), ok.resolve("test.parquet"), bytes, good);
    String okPaths = "train: \"" + ok.resolve("train.parquet") + "\", test: \"" + ok.resolve("test.parquet") + "\"";

    // a split whose row 3 is bad, the train split good
    java.util.function.BiFunction<String, Row, String> withBadRow = (name, bad) -> {
      List<Row> rows = new ArrayList<>(good);
      rows.set(3, bad);
      Path p = root.resolve(name);
      OwnDataTest.writeParquet(reader(), p.resolve("test.parquet"), bytes, rows);
      return "train: \"" + ok.resolve("train.parquet") + "\", test: \"" + p.resolve("test.parquet") + "\"";
    };
    String nullLabel = withBadRow.apply("null-label", RowFactory.create(good.get(3).get(0), null));
    String negative = withBadRow.apply("negative", RowFactory.create(good.get(3).get(0), -1));
    String tooLarge = withBadRow.apply("too-large", RowFactory.create(good.get(3).get(0), 12));
    Path text = root.resolve("text");
    OwnDataTest.writeParquet(reader(), text.resolve("test.parquet"), new StructType().add("pixels", DataTypes.StringType)
        .add("label", DataTypes.IntegerType), List.of(RowFactory.create("0,0,0", 1)));
    Path empty = root.resolve("empty");
    OwnDataTest.writeParquet(reader(), empty.resolve("test.parquet"), bytes, List.of());

    // image folders: one undecodable file, one image of another size, test classes unlike train's
    BufferedImage small = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage right = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    for (String c : List.of("a", "b")) {
      for (String split : List.of("train", "garbled", "small")) {
        Files.createDirectories(root.resolve("img").resolve(split).resolve(c));
        ImageIO.write(right, "png", root.resolve("img").resolve(split).resolve(c).resolve("0.png").toFile());
      }
    }
    Files.writeString(root.resolve("img/garbled/b/1.png"), "not a png");
    ImageIO.write(small, "png", root.resolve("img/small/a/1.png").toFile());
    Files.createDirectories(root.resolve("img/other/a"));
    Files.createDirectories(root.resolve("img/other/c"));
    ImageIO.write(right, "png", root.resolve("img/other/a/0.png").toFile());
    ImageIO.write(right, "png", root.resolve("img/other/c/0.png").toFile());
    String img = "format: image-folder, shape: [1, 28, 28], train: \"" + root.resolve("img/train") + "\", test: ";

    String[][] cases = {
        {"format: parquet, features: pix, " + okPaths + ", shape: [1, 28, 28]",
            "'dataset.features' names column 'pix' but " + ok.resolve("test.parquet") + " has the columns [pixels, label]"},
        {"format: parquet, features: pixels, train: \"" + ok.resolve("train.parquet") + "\", test: \""
            + text.resolve("test.parquet") + "\", shape: [1, 28, 28]",
            "'dataset.features' column 'pixels' of " + text.resolve("test.parquet") + " is string but must be an array of"},
        {"format: parquet, features: pixels, " + okPaths + ", shape: [1, 28, 27]",
            "row 0 of the split (in read order), column 'pixels': the array has 784 values but the shape [1, 28, 27] needs C·H·W = 756"},
        {"format: parquet, features: pixels, " + nullLabel + ", shape: [1, 28, 28]",
            "row 3 of the split (in read order), column 'label': the label is null"},
        {"format: parquet, features: pixels, " + negative + ", shape: [1, 28, 28]",
            "row 3 of the split (in read order), column 'label': the label -1 is outside [0, 10)"},
        {"format: parquet, features: pixels, " + tooLarge + ", shape: [1, 28, 28], classes: 10",
            "row 3 of the split (in read order), column 'label': the label 12 is outside [0, 10)"},
        {"format: parquet, features: pixels, train: \"" + ok.resolve("train.parquet") + "\", test: \""
            + empty.resolve("test.parquet") + "\", shape: [1, 28, 28]",
            "'dataset.test' " + empty.resolve("test.parquet") + " holds no examples (an empty split)"},
        {img + "\"" + root.resolve("img/garbled") + "\"", "/img/garbled/b/1.png is not an image ImageIO can decode"},
        {img + "\"" + root.resolve("img/small") + "\"", "/img/small/a/1.png is 20×20 (W×H) but the dataset's shape is "
            + "28×28; set 'dataset.resize: true' to scale images to it"},
        {img + "\"" + root.resolve("img/other") + "\"",
            "'dataset.test' class folders differ from 'dataset.train': only in train [b], only in test [c]"},
        {"format: parquet, features: pixels, " + okPaths + ", shape: [1, 28, 28], normalize: {scale: 1, mean: [0.1, 0.2], std: [1, 1]}",
            "'dataset.normalize' has 2 mean and std values but the data has 1 channel; give one per channel"},
        {"format: parquet, features: pixels, " + okPaths + ", shape: [1, 28, 28], normalize: {scale: 1, mean: [0.5], std: [0]}",
            "'dataset.normalize.std' is 0.0 (mean 0.5) for channel 0 but must be a finite number > 0"},
        {"format: parquet, features: pixels, " + okPaths + ", shape: [1, 28, 28]",
            "the model takes 100 input values but dataset 'parquet " + ok.resolve("test.parquet") + "' has 784 per example "
            + "(1×28×28); use a model made for this data", model10x10.toString()},
        {"format: parquet, features: pixels, " + okPaths + ", shape: [4, 14, 14]",
            "the model takes 1×28×28 images but dataset 'parquet " + ok.resolve("test.parquet") + "' has 4×14×14",
            OwnDataTest.lenet5().toString()},
        {"format: parquet, features: pixels, " + okPaths + ", shape: [1, 28, 28], classes: 12",
            "the model has 10 output classes but dataset 'parquet " + ok.resolve("test.parquet") + "' has 12"},
    };
    for (int i = 0; i < cases.length; i++) {
      Path cfg = root.resolve("case" + i + ".yaml");
      Files.writeString(cfg, config(cases[i].length > 2 ? cases[i][2] : model.toString(), "").replace("dataset: {name: mnist, test-limit: 1000, train-limit: 2000}",
          "dataset: {" + cases[i][0] + "}"));
      Path out = root.resolve("out" + i);
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--master", "local[1]");
      assertThat(r.code()).as(cases[i][1] + "\n" + r.err()).isEqualTo(2);
      assertThat(r.err()).as("case " + i).startsWith("modelpress: error: ").contains(cases[i][1]);
      assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
      assertThat(hasParquet(out)).as("case " + i + " wrote nothing").isFalse();
    }
  }

}
