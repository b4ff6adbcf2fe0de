package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.Options;
import io.modelpress.cli.Progress;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Network;
import io.modelpress.model.Zoo;
import io.modelpress.spark.DataReader;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.Defaults;
import io.modelpress.spec.SpecException;
import io.modelpress.spec.TrainSpec;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code modelpress train}: trains a zoo model, built for the data's shape and classes, in this JVM, prints its
 * test accuracy and saves it as a DL4J zip whose SHA-256 is its fingerprint. The bundled IDX sets are read
 * directly; {@code --config} takes any dataset block (Parquet, image folders) and reads it on Spark.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train a zoo model, print its test accuracy, save it."})
final class TrainJob implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "one of mlp-64-64, lenet-300-100, "
      + "lenet5, mlp-1200-1200")
  String zoo;

  @Option(names = "--dataset", paramLabel = "NAME", description = "mnist or fashion-mnist; default: mnist")
  String dataset;

  @Option(names = "--config", paramLabel = "FILE", description = "train on the data of this config's 'dataset' "
      + "block instead (Parquet, image folders or IDX, any Hadoop path): a sweep, sensitivity or distillation "
      + "config, or a file with only 'version' and 'dataset'; read on Spark")
  String config;

  @Mixin
  Options.Master master;

  @Option(names = "--dataset-dir", paramLabel = "DIR", defaultValue = "", description = "the dataset's folder; "
      + "default: the cache that bin/fetch-data fills")
  String datasetDir;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "" + Defaults.TRAIN_EPOCHS,
      description = "default: ${DEFAULT-VALUE}")
  int epochs;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + Defaults.TRAIN_BATCH_SIZE,
      description = "default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(names = "--learning-rate", paramLabel = "X", defaultValue = "" + Defaults.TRAIN_LEARNING_RATE,
      description = "Adam's learning rate; default: ${DEFAULT-VALUE}")
  double learningRate;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "" + Defaults.SEED, description = "default: "
      + "${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--out", paramLabel = "FILE", description = "where to save the model, any Hadoop path; default: "
      + "models/<model>-<dataset>.zip")
  String outFile;

  private final PrintStream out;

  TrainJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    if (!Zoo.NAMES.contains(zoo)) {
      throw new UserError("'--model' is set to \"" + zoo + "\" but must be one of " + Zoo.NAMES);
    }
    if (config != null && dataset != null) {
      throw new UserError("'--dataset' and '--config' both name the data; give one");
    }
    if (config == null && dataset == null) {
      dataset = "mnist";
    }
    if (dataset != null && !Datasets.NAMES.contains(dataset)) {
      throw new UserError("'--dataset' is set to \"" + dataset + "\" but must be one of " + Datasets.NAMES);
    }
    TrainSpec spec;
    try {
      spec = new TrainSpec(epochs, batchSize, learningRate, seed);
    } catch (SpecException e) {
      throw new UserError("'--" + e.key() + "' " + e.problem());
    }
    String name = dataset != null ? dataset
        : java.nio.file.Path.of(config.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*:", "")).getFileName().toString()
            .replaceFirst("\\.(ya?ml|json)$", "");
    String file = outFile != null ? outFile : "models/" + zoo + "-" + name + ".zip";
    checkOutputFile(file);
    return config != null ? trainOnSpark(spec, file) : train(spec, new DatasetSpec(dataset, datasetDir, 0, 0),
        new Configuration(), null, file);
  }

  /** The data of {@code --config}'s dataset block, read on Spark (any format, any Hadoop path). */
  private int trainOnSpark(TrainSpec spec, String file) {
    String text = ConfigFiles.readLocalOrNull(config, "--config");
    DatasetSpec ds = text == null ? null : SweepConfigParser.dataset(text, config);
    SparkSession spark = SparkSessions.create("modelpress train", master.master);
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      DatasetSpec d = ds != null ? ds : SweepConfigParser.dataset(ConfigFiles.readHadoop(config, hadoop), config);
      return train(spec, d, hadoop, spark, file);
    } finally {
      spark.stop();
    }
  }

  private int train(TrainSpec spec, DatasetSpec ds, Configuration conf, SparkSession spark, String file) {
    LabeledImages train;
    LabeledImages test;
    try {
      train = spark == null ? Datasets.train(ds, conf) : DataReader.train(spark, ds);
      test = spark == null ? Datasets.test(ds, conf) : DataReader.test(spark, ds);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    String dataset = ds.format().equals("idx") ? ds.name() : ds.format() + " " + ds.train() + " " + train.shape();
    out.printf(Locale.ROOT, "training %s on %d %s examples (%d epochs, batch %d, lr %s, seed %d)%n", zoo, train.count(),
        dataset, spec.epochs(), spec.batchSize(), spec.learningRate(), spec.seed());
    Network model = Backends.dl4j().trainer().train(zoo, spec, train, Progress.epochs(out, spec.epochs()));
    ClassificationMetrics m = ClassificationMetrics.of(test.labels(), model.predict(model.inputs(test), 10_000), test.classes());
    byte[] bytes = model.save();
    try {
      ModelStore.write(bytes, file, conf);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    out.printf(Locale.ROOT, "test accuracy %.2f %% (%d/%d), macro F1 %.4f, %d parameters%n", 100 * m.accuracy(),
        m.correct(), m.examples(), m.macroF1(), model.numParams());
    out.printf(Locale.ROOT, "saved %s (%d bytes, sha256 %s)%n", file, bytes.length, ModelStore.hex(ModelStore.sha256(bytes)));
    return 0;
  }

  /** A local --out must be a file path whose nearest existing ancestor is a writable folder. */
  private static void checkOutputFile(String out) {
    if (out.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:/.*") && !out.startsWith("file:")) {
      return; // a remote Hadoop path: checked when written
    }
    java.io.File f = new java.io.File(out.startsWith("file:") ? out.substring(5) : out).getAbsoluteFile();
    if (f.isDirectory()) {
      throw new UserError("'--out' is set to " + out + " which is a folder; give a file name such as " + out + "/model.zip");
    }
    java.io.File p = f.getParentFile();
    while (p != null && !p.exists()) {
      p = p.getParentFile();
    }
    if (p == null || !p.isDirectory() || !p.canWrite()) {
      throw new UserError("'--out' is set to " + out + " but " + p + " is not a writable folder; choose another --out");
    }
  }
}
