package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.config.SensitivityConfigParser;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.spec.DatasetSpec;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelpress data needs --config FILE}: the bundled dataset a config reads from the cache (one name
 * per line; nothing when it names its own folder or reads Parquet or images), so that {@code bin/modelpress}
 * fetches it first with {@code bin/fetch-data} instead of parsing YAML in bash.
 *
 * <p>{@code modelpress data convert --from idx --to parquet --dataset NAME --out DIR}: a bundled dataset as
 * {@code DIR/train.parquet} and {@code DIR/test.parquet} (one file each, the IDX order), with the columns
 * {@code pixels} (array of tinyint: the 28×28 bytes row-major, read back as unsigned) and {@code label} (int),
 * the layout {@code format: parquet} reads with {@code features: pixels} and {@code shape: [1, 28, 28]}.
 */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Datasets of a config.",
    subcommands = {DataJob.Needs.class, DataJob.Convert.class})
final class DataJob implements Runnable {

  @Override
  public void run() {
    throw new io.modelpress.cli.UserError("missing subcommand; usage: modelpress data needs --config FILE");
  }

  @Command(name = "needs", mixinStandardHelpOptions = true, description = "Print the bundled dataset a sweep, "
      + "distill, nightly or sensitivity config reads from the cache (nothing when it names a folder of its own).")
  static final class Needs implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the config")
    String config;

    private final PrintStream out;

    Needs(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      String text = ConfigFiles.read(config, "--config", new Configuration());
      DatasetSpec d;
      try {
        d = SweepConfigParser.parse(text, config).dataset();
      } catch (io.modelpress.config.ConfigException sweep) {
        try {
          d = SensitivityConfigParser.parse(text, config).dataset();
        } catch (io.modelpress.config.ConfigException sensitivity) {
          throw sweep;
        }
      }
      if (d.format().equals("idx") && d.dir().isEmpty()) {
        out.println(d.name());
      }
      return 0;
    }
  }

  @Command(name = "convert", mixinStandardHelpOptions = true, description = "Write a bundled IDX dataset as "
      + "Parquet: OUT/train.parquet and OUT/test.parquet with the columns pixels (array<tinyint>) and label (int).")
  static final class Convert implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "FORMAT", description = "idx (the only source)")
    String from;

    @Option(names = "--to", required = true, paramLabel = "FORMAT", description = "parquet (the only target)")
    String to;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "mnist or fashion-mnist")
    String dataset;

    @Option(names = "--dataset-dir", paramLabel = "DIR", defaultValue = "", description = "the IDX files' folder; "
        + "default: the cache that bin/fetch-data fills")
    String datasetDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write, any Hadoop path")
    String outDir;

    @picocli.CommandLine.Mixin
    io.modelpress.cli.Options.Master master;

    private final PrintStream out;

    Convert(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      if (!from.equals("idx") || !to.equals("parquet")) {
        throw new io.modelpress.cli.UserError("'--from " + from + " --to " + to + "' is not a conversion modelpress "
            + "makes; it writes --from idx --to parquet");
      }
      if (!io.modelpress.data.Datasets.NAMES.contains(dataset)) {
        throw new io.modelpress.cli.UserError("'--dataset' is set to \"" + dataset + "\" but must be one of "
            + io.modelpress.data.Datasets.NAMES);
      }
      DatasetSpec spec = new DatasetSpec(dataset, datasetDir, 0, 0);
      org.apache.spark.sql.SparkSession spark = io.modelpress.cli.SparkSessions.create("modelpress data convert",
          master.master);
      try {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        for (String split : new String[] {"train", "test"}) {
          io.modelpress.data.LabeledImages d;
          try {
            d = split.equals("train") ? io.modelpress.data.Datasets.train(spec, hadoop)
                : io.modelpress.data.Datasets.test(spec, hadoop);
          } catch (IllegalArgumentException e) {
            throw new io.modelpress.cli.UserError(e.getMessage());
          }
          String path = outDir.replaceAll("/+$", "") + "/" + split + ".parquet";
          try {
            io.modelpress.spark.DataWriter.parquet(spark, d, path);
          } catch (IllegalArgumentException e) {
            throw new io.modelpress.cli.UserError(e.getMessage());
          }
          out.printf(java.util.Locale.ROOT, "%s: %d examples of %s, %d classes -> %s%n", split, d.count(), d.shape(),
              d.classes(), path);
        }
      } finally {
        spark.stop();
      }
      return 0;
    }
  }
}
