package io.modelpress.jobs;

import io.modelpress.config.DeviceProfilesParser;
import io.modelpress.measure.DeviceProfile;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.Selection;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * {@code modelpress select}: the trial of a finished run to deploy on a device under latency, size and
 * accuracy constraints ({@link Selection}); with {@code --export} it writes that trial's artifact. Exit 0
 * with a choice, 1 when no trial meets the constraints (it says which one none meets, and the closest).
 */
final class SelectJob {

  static final Set<String> OPTIONS = Set.of("--run-id", "--device", "--results", "--devices", "--max-latency-ms",
      "--max-size-kb", "--max-accuracy-drop", "--export", "--master");

  private SelectJob() {}

  static int run(String[] argv, PrintStream out) {
    Args args = Args.parse("select", argv, 0, OPTIONS, Set.of());
    String runId = args.require("--run-id", "ID: the sweep run to choose from (see modelpress results runs)");
    String deviceName = args.require("--device", "NAME: a profile of conf/devices.yaml, or 'measured' for the "
        + "latency measured on the executors");
    if (!SweepJob.RUN_ID.matcher(runId).matches()) {
      throw new UserError("'--run-id' is set to \"" + Cli.oneLine(runId) + "\" which is not a run id");
    }
    String results = args.get("--results").orElse(SweepSpec.DEFAULT_OUTPUT);
    Selection.Constraints c = new Selection.Constraints(limit(args, "--max-latency-ms", Double.MAX_VALUE),
        args.get("--max-size-kb").isPresent() ? (long) Math.floor(1024 * limit(args, "--max-size-kb",
            Long.MAX_VALUE / 1024.0)) : -1,
        args.get("--max-accuracy-drop").isPresent() ? limit(args, "--max-accuracy-drop", 100) / 100 : Double.NaN);
    String devicesFile = args.get("--devices").orElse(null);
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
    SparkSession spark = SparkSessions.create("modelpress select", args.get("--master").orElse("local[1]"));
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      if (!ResultTables.runComplete(results, runId, hadoop)) {
        throw new UserError("run '" + runId + "' has no row in " + results + "/runs (unknown or unfinished); list runs "
            + "with modelpress results runs --results DIR");
      }
      candidates = Selection.candidates(ResultTables.committedTrials(spark, results, runId), device);
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
    if (args.get("--export").isPresent()) {
      List<String> export = new ArrayList<>(List.of("--run-id", runId, "--trial-id", trialId, "--out",
          args.get("--export").get(), "--results", results));
      args.get("--master").ifPresent(m -> export.addAll(List.of("--master", m)));
      return ExportJob.run(export.toArray(new String[0]), out);
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
      out.printf(Locale.ROOT, "  size        %d bytes encoded (%.1fx)%n", m.encodedBytes(), m.compressionRatio());
    } else {
      out.printf(Locale.ROOT, "  size        %d bytes encoded (%.1fx); %d bytes of weights as executed%s%n",
          m.encodedBytes(), m.compressionRatio(), x.weightBytes(), x.fits() ? ""
              : " (does not fit " + device.name() + "'s " + device.weightMemoryBytes() + ")");
    }
    if (device == null) {
      out.printf(Locale.ROOT, "  latency     %s%n", m.latency() == null || !m.latency().isOk() ? "not measured"
          : String.format(Locale.ROOT, "%.4f ms p50, %.4f ms p95 at batch 1; %.4f ms p50 at batch 32 (measured on %s, "
              + "kernels %s%s)", m.latency().batch1().p50Ms(), m.latency().batch1().p95Ms(),
              m.latency().batch32().p50Ms(), m.latency().host(), m.latency().kinds(), m.latency().noisy() ? ", NOISY" : ""));
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
  private static double limit(Args args, String key, double max) {
    if (args.get(key).isEmpty()) {
      return Double.NaN;
    }
    String v = args.get(key).get();
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
    String local = SweepJob.readLocalOrNull(path, "--devices");
    if (local == null) {
      throw new UserError("'--devices' is set to " + path + " but must be a local file");
    }
    return local;
  }
}
