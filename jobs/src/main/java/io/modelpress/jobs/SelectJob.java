package io.modelpress.jobs;

import io.modelpress.cli.Cli;
import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.Options;
import io.modelpress.cli.RunIds;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.config.DeviceProfilesParser;
import io.modelpress.measure.DeviceProfile;
import io.modelpress.spark.ResultReader;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.Selection;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code modelpress select}: the trial of a finished run to deploy on a device under latency, size and
 * accuracy constraints ({@link Selection}); with {@code --export} it writes that trial's artifact. Exit 0
 * with a choice, 1 when no trial meets the constraints (it says which one none meets, and the closest).
 */
@Command(name = "select", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"The most accurate trial of a run that fits the device and meets the limits; latency is the "
        + "profile's estimate (conf/devices.yaml) or, with 'measured', the executors' p50."})
final class SelectJob implements Callable<Integer> {

  @Option(names = "--run-id", required = true, paramLabel = "ID", description = "the sweep run to choose from "
      + "(see modelpress results runs)")
  String runId;

  @Option(names = "--device", required = true, paramLabel = "NAME", description = "a profile of conf/devices.yaml "
      + "(or --devices), or 'measured' for the latency measured on the executors")
  String deviceName;

  @Mixin
  Options.Tables tables;

  @Option(names = "--devices", paramLabel = "FILE", description = "device profiles (YAML); default: the bundled "
      + "conf/devices.yaml")
  String devicesFile;

  @Option(names = "--max-latency-ms", paramLabel = "X", description = "latency limit in ms (batch 1, p50)")
  String maxLatency;

  @Option(names = "--max-size-kb", paramLabel = "Y", description = "encoded size limit in KiB")
  String maxSize;

  @Option(names = "--max-accuracy-drop", paramLabel = "Z", description = "accuracy drop limit in percentage points")
  String maxDrop;

  @Option(names = "--export", paramLabel = "FILE", description = "write the chosen trial's artifact (.mpz) there")
  String export;

  @Option(names = "--master", paramLabel = "URL", defaultValue = "local[1]", description = "Spark master; default: "
      + "${DEFAULT-VALUE}")
  String master;

  private final PrintStream out;

  SelectJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    RunIds.check(runId);
    String results = tables.out;
    Selection.Constraints c = new Selection.Constraints(limit("--max-latency-ms", maxLatency, Double.MAX_VALUE),
        maxSize != null ? (long) Math.floor(1024 * limit("--max-size-kb", maxSize, Long.MAX_VALUE / 1024.0)) : -1,
        maxDrop != null ? limit("--max-accuracy-drop", maxDrop, 100) / 100 : Double.NaN);
    List<DeviceProfile> profiles = devicesFile == null ? DeviceProfilesParser.bundled()
        : DeviceProfilesParser.parse(text(devicesFile), devicesFile);
    DeviceProfile device = null;
    if (!deviceName.equals(Selection.MEASURED)) {
      device = profiles.stream().filter(p -> p.name().equals(deviceName)).findFirst().orElseThrow(() -> new UserError(
          "'--device' is set to \"" + Cli.oneLine(deviceName) + "\" but the profiles of " + (devicesFile == null
              ? "conf/devices.yaml" : devicesFile) + " are " + profiles.stream().map(DeviceProfile::name).toList()
              + " (or 'measured')"));
    }
    Selection.Outcome o;
    List<Selection.Candidate> candidates;
    SparkSession spark = SparkSessions.create("modelpress select", master);
    try {
      ResultReader reader = new ResultReader(spark, results);
      if (!reader.finished(runId)) {
        throw new UserError("run '" + runId + "' has no row in " + results + "/runs (unknown or unfinished); list runs "
            + "with modelpress results runs --out DIR");
      }
      candidates = Selection.candidates(reader.trials(runId), device);
      o = Selection.select(candidates, c, deviceName, device == null ? 0 : device.weightMemoryBytes());
    } finally {
      spark.stop();
    }
    out.printf(Locale.ROOT, "modelpress select: run %s on %s%n", runId, device == null
        ? "measured latency (batch 1, p50, pure-Java runtime on the executors)"
        : device.name() + " (" + device.description() + "); latency and energy are ESTIMATES");
    out.printf(Locale.ROOT, "  constraints %s%n", describe(c));
    if (o.chosen() == null) {
      out.printf(Locale.ROOT, "  no trial qualifies (of %d):%n", candidates.size());
      o.unmet().forEach(u -> out.printf(Locale.ROOT, "    %s%n", u));
      if (o.closest() != null) {
        out.printf(Locale.ROOT, "  closest trial:%n");
        print(out, o.closest(), device);
      }
      return 1;
    }
    out.printf(Locale.ROOT, "  feasible    %d of %d trials; the most accurate:%n", o.feasible(), candidates.size());
    print(out, o.chosen(), device);
    String trialId = o.chosen().result().trial().trialId();
    if (export != null) {
      return ExportJob.export(out, runId, trialId, export, results, null, master);
    }
    out.printf(Locale.ROOT, "  export      modelpress export --run-id %s --trial-id %s --out %s.mpz --results %s%n",
        runId, trialId, trialId, results);
    return 0;
  }

  private static void print(PrintStream out, Selection.Candidate x, DeviceProfile device) {
    Measurements m = x.result().measurements().orElseThrow();
    TrialResult r = x.result();
    out.printf(Locale.ROOT, "  trial       %s  %s  %s%n", r.trial().trialId(), r.trial().spec().method(),
        r.trial().spec().canonicalJson());
    out.printf(Locale.ROOT, "  accuracy    %.2f %% (drop %.2f points)%n", 100 * m.accuracy(), 100 * m.accuracyDrop());
    if (device == null) {
      out.printf(Locale.ROOT, "  size        %d bytes encoded (%.1fx)%n", m.encodedBytes(), m.size().compressionRatio());
    } else {
      out.printf(Locale.ROOT, "  size        %d bytes encoded (%.1fx); %d bytes of weights as executed%s%n",
          m.encodedBytes(), m.size().compressionRatio(), x.weightBytes(), x.fits() ? ""
              : " (does not fit " + device.name() + "'s " + device.weightMemoryBytes() + ")");
    }
    if (device == null) {
      out.printf(Locale.ROOT, "  latency     %s%n", m.latency() == null || !m.latency().isOk() ? "not measured"
          : String.format(Locale.ROOT, "%.4f ms p50, %.4f ms p95 at batch 1; %.4f ms p50 at batch 32 (%s on %s, "
              + "kernels %s%s)", m.latency().compared1().p50Ms(), m.latency().compared1().p95Ms(),
              m.latency().compared32().p50Ms(), m.latency().confirmed() != null ? "confirmed over "
              + m.latency().confirmed().rounds() + " interleaved rounds" : "measured", m.latency().host(),
              m.latency().kinds(), m.latency().confirmed() == null && m.latency().noisy() ? ", NOISY" : ""));
      out.printf(Locale.ROOT, "  energy      %.3f µJ per inference (45 nm per-operation estimate)%n", x.energyUj());
    } else {
      out.printf(Locale.ROOT, "  latency     %.4f ms per inference at batch 1 (estimate)%n", x.latencyMs());
      out.printf(Locale.ROOT, "  energy      %.3f µJ per inference (estimate)%n", x.energyUj());
    }
  }

  private static String describe(Selection.Constraints c) {
    List<String> parts = new ArrayList<>();
    if (!Double.isNaN(c.maxLatencyMs())) {
      parts.add("latency <= " + c.maxLatencyMs() + " ms");
    }
    if (c.maxEncodedBytes() >= 0) {
      parts.add("encoded size <= " + c.maxEncodedBytes() + " bytes");
    }
    if (!Double.isNaN(c.maxAccuracyDrop())) {
      parts.add(String.format(Locale.ROOT, "accuracy drop <= %s points", 100 * c.maxAccuracyDrop()));
    }
    return parts.isEmpty() ? "none (the most accurate trial that fits the device)" : String.join(", ", parts);
  }

  /** A positive number option, NaN when absent. */
  private static double limit(String key, String v, double max) {
    if (v == null) {
      return Double.NaN;
    }
    try {
      double d = Double.parseDouble(v);
      if (d >= 0 && d <= max && Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError("'" + key + "' is set to \"" + Cli.oneLine(v) + "\" but must be a number >= 0"
        + (key.equals("--max-accuracy-drop") ? " and <= 100 (percentage points)" : ""));
  }

  private static String text(String path) {
    String local = ConfigFiles.readLocalOrNull(path, "--devices");
    if (local == null) {
      throw new UserError("'--devices' is set to " + path + " but must be a local file");
    }
    return local;
  }
}
