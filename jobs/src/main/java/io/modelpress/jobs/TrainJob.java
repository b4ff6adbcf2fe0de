package io.modelpress.jobs;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Zoo;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code modelpress train}: trains a zoo model in this JVM (no Spark), prints its test accuracy and
 * saves it as a DL4J zip whose SHA-256 is its fingerprint.
 */
final class TrainJob {

  static final Set<String> OPTIONS = Set.of("--model", "--dataset", "--epochs", "--seed", "--batch-size",
      "--learning-rate", "--out", "--dataset-dir");

  private TrainJob() {}

  static int run(String[] argv, PrintStream out) {
    Args args = Args.parse("train", argv, 0, OPTIONS, Set.of());
    String zoo = args.require("--model", "NAME: one of " + Zoo.NAMES);
    if (!Zoo.NAMES.contains(zoo)) {
      throw new UserError("'--model' is set to \"" + zoo + "\" but must be one of " + Zoo.NAMES);
    }
    String dataset = args.get("--dataset").orElse("mnist");
    if (!Datasets.NAMES.contains(dataset)) {
      throw new UserError("'--dataset' is set to \"" + dataset + "\" but must be one of " + Datasets.NAMES);
    }
    TrainSpec spec;
    try {
      spec = new TrainSpec(intArg(args, "--epochs", TrainSpec.DEFAULT_EPOCHS),
          intArg(args, "--batch-size", TrainSpec.DEFAULT_BATCH_SIZE),
          Double.parseDouble(args.get("--learning-rate").orElse(String.valueOf(TrainSpec.DEFAULT_LEARNING_RATE))),
          intArg(args, "--seed", 42));
    } catch (NumberFormatException e) {
      throw new UserError("a numeric option has a value that is not a number: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage().replace("model.train.", ""));
    }
    String outFile = args.get("--out").orElse("models/" + zoo + "-" + dataset + ".zip");
    Configuration conf = new Configuration();
    checkOutputFile(outFile);
    DatasetSpec ds = new DatasetSpec(dataset, args.get("--dataset-dir").orElse(""), 0, 0);
    LabeledImages train;
    LabeledImages test;
    try {
      train = Datasets.train(ds, conf);
      test = Datasets.test(ds, conf);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    out.printf(Locale.ROOT, "training %s on %d %s images (%d epochs, batch %d, lr %s, seed %d)%n", zoo, train.count(),
        dataset, spec.epochs(), spec.batchSize(), spec.learningRate(), spec.seed());
    Network model = Backends.dl4j().trainer().train(zoo, spec, train,
        Progress.epochs(out, spec.epochs()));
    ClassificationMetrics m = ClassificationMetrics.of(test.labels(), model.predict(model.inputs(test), 10_000), 10);
    byte[] bytes = model.save();
    try {
      ModelStore.write(bytes, outFile, conf);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    out.printf(Locale.ROOT, "test accuracy %.2f %% (%d/%d), macro F1 %.4f, %d parameters%n", 100 * m.accuracy(), m.correct(),
        m.examples(), m.macroF1(), model.numParams());
    out.printf(Locale.ROOT, "saved %s (%d bytes, sha256 %s)%n", outFile, bytes.length, ModelStore.hex(ModelStore.sha256(bytes)));
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

  private static int intArg(Args a, String key, int dflt) {
    return a.get(key).map(Integer::parseInt).orElse(dflt);
  }
}
