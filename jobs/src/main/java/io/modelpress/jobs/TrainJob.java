package io.modelpress.jobs;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Dl4jModel;
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
    Dl4jModel model = Dl4jModel.train(zoo, spec, train,
        (epoch, s) -> out.printf(Locale.ROOT, "  epoch %d/%d  %.1f s%n", epoch, spec.epochs(), s));
    ClassificationMetrics m = ClassificationMetrics.of(test.labels(), model.predict(model.inputs(test), 10_000), 10);
    byte[] bytes = model.save();
    ModelStore.write(bytes, outFile, conf);
    out.printf(Locale.ROOT, "test accuracy %.2f %% (%d/%d), macro F1 %.4f, %d parameters%n", 100 * m.accuracy(), m.correct(),
        m.examples(), m.macroF1(), model.numParams());
    out.printf(Locale.ROOT, "saved %s (%d bytes, sha256 %s)%n", outFile, bytes.length, ModelStore.hex(ModelStore.sha256(bytes)));
    return 0;
  }

  private static int intArg(Args a, String key, int dflt) {
    return a.get(key).map(Integer::parseInt).orElse(dflt);
  }
}
