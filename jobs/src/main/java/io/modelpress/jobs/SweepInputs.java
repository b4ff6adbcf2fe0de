package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.UserError;
import io.modelpress.config.ConfigException;
import io.modelpress.config.DeviceProfilesParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.DeviceProfile;
import io.modelpress.model.Backend;
import io.modelpress.model.ModelStore;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.Network;
import io.modelpress.runtime.Architecture;
import io.modelpress.spark.ResultReader;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.SpecResolver;
import java.io.PrintStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * A sweep's inputs, loaded and checked once, before the first trial runs: the device profiles, the test
 * split, the model (its file's bytes, SHA-256 and weights; a zoo model trained first), the architecture the
 * runtime executes when latency is measured, and the spec resolved against the model ({@link SpecResolver}).
 *
 * @param architecture null when latency is off; without ops when the runtime cannot execute the model
 */
record SweepInputs(SweepSpec spec, List<DeviceProfile> devices, LabeledImages test, byte[] modelBytes,
    byte[] fingerprint, ModelWeights weights, Architecture architecture) {

  /** Loads and checks everything; a caller's mistake is a {@link UserError} naming the key. */
  static SweepInputs load(SparkSession spark, SweepSpec spec, Backend backend, PrintStream out) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    try {
      // device profiles first: a bad file is reported before a zoo model is trained
      List<DeviceProfile> devices = spec.devices().isEmpty() ? DeviceProfilesParser.bundled()
          : DeviceProfilesParser.parse(ConfigFiles.read(spec.devices().get(), "devices", hadoop), spec.devices().get());
      LabeledImages test = Datasets.test(spec.dataset(), hadoop);
      byte[] modelBytes = ModelFiles.bytes(spec.model(), spec.dataset(), backend, hadoop, out);
      byte[] fingerprint = ModelStore.sha256(modelBytes);
      Network model = ModelFiles.restore(spec.model(), backend, modelBytes);
      if (model.inputSize() != test.features()) {
        throw new UserError("the model takes " + model.inputSize() + " input features but dataset '"
            + spec.dataset().name() + "' has " + test.features() + " (" + test.rows() + "×" + test.cols()
            + "); use a model trained on this dataset");
      }
      if (model.outputSize() != Datasets.CLASSES) {
        boolean distills = spec.search().stream().anyMatch(b -> b instanceof SearchBlock.Distill);
        throw new UserError(distills ? "the teacher (the config's model) has " + model.outputSize()
            + " output classes but its students and dataset '" + spec.dataset().name() + "' have " + Datasets.CLASSES
            + "; use a teacher trained on this dataset"
            : "the model has " + model.outputSize() + " output classes but dataset '" + spec.dataset().name()
            + "' has " + Datasets.CLASSES);
      }
      ModelWeights weights = model.weights();
      Architecture arch = architecture(model, spec, out);
      boolean measurable = arch == null || !arch.ops().isEmpty();
      SpecResolver.Resolved resolved = SpecResolver.resolve(spec, ModelStore.hex(fingerprint), measurable,
          (results, runId) -> new ResultReader(spark, results).sensitivityRun(runId));
      resolved.notes().forEach(out::println);
      return new SweepInputs(resolved.spec(), devices, test, modelBytes, fingerprint, weights, arch);
    } catch (UserError | ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  /**
   * The model's layer sequence for the latency stage; null when latency is off. A model the runtime cannot
   * execute is still swept: its trials get a latency_error, and the reason is printed once here.
   */
  private static Architecture architecture(Network model, SweepSpec spec, PrintStream out) {
    if (!spec.latency().enabled()) {
      return null;
    }
    try {
      return model.architecture();
    } catch (IllegalArgumentException e) {
      out.println("latency: not measured, the runtime cannot execute this model: " + e.getMessage());
      return new Architecture(1, 1, model.inputSize(), List.of());
    }
  }

  String modelFingerprint() {
    return ModelStore.hex(fingerprint);
  }
}
