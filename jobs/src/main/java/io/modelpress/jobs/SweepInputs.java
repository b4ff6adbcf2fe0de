package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.UserError;
import io.modelpress.config.ConfigException;
import io.modelpress.config.DeviceProfilesParser;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.DeviceProfile;
import io.modelpress.model.Backend;
import io.modelpress.model.ModelStore;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.Network;
import io.modelpress.runtime.Architecture;
import io.modelpress.spark.DataReader;
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
    byte[] fingerprint, ModelWeights weights, Architecture architecture, DataReader.Split split) {

  /** Loads and checks everything; a caller's mistake is a {@link UserError} naming the key. */
  static SweepInputs load(SparkSession spark, SweepSpec spec, Backend backend, PrintStream out) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    try {
      // device profiles first: a bad file is reported before a zoo model is trained
      List<DeviceProfile> devices = spec.devices().isEmpty() ? DeviceProfilesParser.bundled()
          : DeviceProfilesParser.parse(ConfigFiles.read(spec.devices().get(), "devices", hadoop), spec.devices().get());
      DataReader.Split split = DataReader.testSplit(spark, spec.dataset(), spec.broadcastLimitMb());
      LabeledImages test = split.images();
      if (split.sharded()) {
        out.println(split.describe(spec.broadcastLimitMb()));
      }
      byte[] modelBytes = ModelFiles.bytes(spec.model(), spec.dataset(), backend, spark, out);
      byte[] fingerprint = ModelStore.sha256(modelBytes);
      Network model = ModelFiles.restore(spec.model(), backend, modelBytes);
      boolean distills = spec.search().stream().anyMatch(b -> b instanceof SearchBlock.Distill);
      fits(model, test, spec.dataset(), distills ? "the teacher (the config's model)" : "the model");
      ModelWeights weights = model.weights();
      Architecture arch = architecture(model, spec, out);
      boolean measurable = arch == null || !arch.ops().isEmpty();
      SpecResolver.Resolved resolved = SpecResolver.resolve(spec, ModelStore.hex(fingerprint), measurable, devices,
          (results, runId) -> new ResultReader(spark, results).sensitivityRun(runId));
      resolved.notes().forEach(out::println);
      return new SweepInputs(resolved.spec(), devices, test, modelBytes, fingerprint, weights, arch, split);
    } catch (UserError | ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  /**
   * Refuses, before any work, a model whose input size or class count does not fit the data: one line
   * naming both shapes.
   */
  static void fits(Network model, LabeledImages data, io.modelpress.spec.DatasetSpec spec, String what) {
    if (model.inputSize() != data.features()) {
      throw new UserError(what + " takes " + model.inputSize() + " input values but dataset '" + spec.describe()
          + "' has " + data.features() + " per example (" + data.shape() + "); use a model made for this data");
    }
    Architecture a;
    try {
      a = model.architecture();
    } catch (IllegalArgumentException e) {
      a = null; // the runtime cannot execute it; the value count above is all there is to check
    }
    if (a != null && a.height() > 1 && (a.channels() != data.channels() || a.height() != data.height()
        || a.width() != data.width())) {
      throw new UserError(what + " takes " + a.channels() + "×" + a.height() + "×" + a.width() + " images but dataset '"
          + spec.describe() + "' has " + data.shape() + "; use a model made for this data");
    }
    if (model.outputSize() != data.classes()) {
      throw new UserError(what + " has " + model.outputSize() + " output classes but dataset '" + spec.describe()
          + "' has " + data.classes() + "; use a model made for this data");
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
