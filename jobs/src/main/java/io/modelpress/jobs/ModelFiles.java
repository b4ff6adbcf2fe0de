package io.modelpress.jobs;

import io.modelpress.cli.Progress;
import io.modelpress.cli.UserError;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backend;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Network;
import io.modelpress.onnx.OnnxImport;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.ModelSpec;
import java.io.PrintStream;
import java.util.Locale;
import io.modelpress.spark.DataReader;
import org.apache.spark.sql.SparkSession;

/** A config's model: its file's bytes (a zoo model is trained on the dataset once, then cached) and the network. */
public final class ModelFiles {

  private ModelFiles() {}

  /** The model file's bytes: read from its path, or the zoo model trained on the dataset (cached). */
  public static byte[] bytes(ModelSpec model, DatasetSpec dataset, Backend backend, SparkSession spark, PrintStream out) {
    String train = dataset.format().equals("idx") ? dataset.name() : dataset.format() + " " + dataset.train();
    return bytes(model, train, () -> DataReader.train(spark, dataset), backend,
        spark.sparkContext().hadoopConfiguration(), out);
  }

  /** As above, with the training split read by {@code trainData} only when a zoo model is trained. */
  public static byte[] bytes(ModelSpec model, String dataset, java.util.function.Supplier<LabeledImages> trainData,
      Backend backend, org.apache.hadoop.conf.Configuration hadoop, PrintStream out) {
    if (model instanceof ModelSpec.Saved s) {
      return ModelStore.read(s.path(), hadoop);
    }
    if (model instanceof ModelSpec.Onnx o) {
      return imported(o, ModelStore.read(o.path(), hadoop), backend);
    }
    ModelSpec.Zoo z = (ModelSpec.Zoo) model;
    LabeledImages train = trainData.get();
    return ModelStore.cachedZoo(z, train, Datasets.cacheDir(), () -> {
      out.printf(Locale.ROOT, "training %s on %d %s images (%d epochs, batch %d, seed %d) ...%n", z.name(),
          train.count(), dataset, z.train().epochs(), z.train().batchSize(), z.train().seed());
      return backend.trainer().train(z.name(), z.train(), train, Progress.epochs(out, z.train().epochs())).save();
    });
  }

  /**
   * The backend's saved form of the ONNX model {@code onnx}: imported, built and saved (so that trial ids are
   * content-addressed like those of any saved model); what the importer refuses is a user error naming the file.
   */
  static byte[] imported(ModelSpec.Onnx model, byte[] onnx, Backend backend) {
    try {
      OnnxImport.Imported in = OnnxImport.read(onnx);
      return backend.build(in.architecture(), in.weights()).save();
    } catch (IllegalArgumentException e) {
      throw new UserError("'model.onnx' is set to " + model.path() + " but " + e.getMessage());
    }
  }

  /** The network of {@code model} from its bytes; a file that is no model is a user error naming its path. */
  static Network restore(ModelSpec model, Backend backend, byte[] bytes) {
    try {
      return backend.restore(bytes);
    } catch (IllegalArgumentException e) {
      if (model instanceof ModelSpec.Saved saved) {
        throw new UserError("'model.path' is set to " + saved.path() + " but that file is " + e.getMessage()
            + "; point it at a model saved with DL4J's ModelSerializer, e.g. by modelpress train");
      }
      throw e;
    }
  }

  /** "zoo:NAME" or the path: the runs table's {@code model}. */
  static String describe(ModelSpec m) {
    return m.describe();
  }
}
