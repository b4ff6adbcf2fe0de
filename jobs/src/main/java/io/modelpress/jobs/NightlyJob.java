package io.modelpress.jobs;

import io.modelpress.config.SweepConfigParser;
import io.modelpress.report.NightlyDiff;
import io.modelpress.report.RunReport;
import io.modelpress.spark.ResultSchemas;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.NightlySpec;
import io.modelpress.spec.SweepSpec;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code modelpress nightly --config FILE [--date YYYY-MM-DD]}: the sweep of one night, for a scheduler.
 *
 * <ul>
 *   <li>The run id is {@code <name>-<yyyyMMdd>} of the run date (default: today, UTC), so running it twice
 *       the same night is one run: a finished night is not evaluated again (its diff and report are
 *       written again, the same rows), an unfinished one resumes where its committed rows end.
 *   <li>A trial whose id (trial spec, model fingerprint, dataset fingerprint) already has a successful row
 *       in an earlier finished run under the same {@code --out} is not evaluated again: the row is taken
 *       over, {@code measured_in_run} naming the run that measured it. A new model version changes every
 *       trial id, so everything is evaluated again.
 *   <li>The night is compared with the previous night of the same config (the latest earlier date), into
 *       {@code nightly_diff/} and {@code reports/run_id=R/nightly-diff.txt} (also on the report page).
 *   <li>Exit code {@value #REGRESSION} when the diff shows a regression beyond the config's {@code nightly:}
 *       limits ({@link NightlySpec}), after everything is written; otherwise as {@code sweep}.
 * </ul>
 */
final class NightlyJob {

  /** The exit code of a night that regressed beyond the configured limits. */
  static final int REGRESSION = 3;

  static final Set<String> OPTIONS = Set.of("--config", "--date", "--out", "--master", "--commit-every");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

  private NightlyJob() {}

  static int run(String[] argv, PrintStream out) {
    Args args = Args.parse("nightly", argv, 0, OPTIONS, Set.of());
    String configPath = args.require("--config", "FILE: the nightly sweep's YAML config (e.g. conf/nightly/mnist.yaml)");
    LocalDate date = date(args.get("--date").orElse(null));
    int commitEvery = 0;
    if (args.get("--commit-every").isPresent()) {
      try {
        commitEvery = Integer.parseInt(args.get("--commit-every").get());
      } catch (NumberFormatException e) {
        commitEvery = -1;
      }
      if (commitEvery < 1) {
        throw new UserError("'--commit-every' is set to \"" + Cli.oneLine(args.get("--commit-every").get())
            + "\" but must be a whole number >= 1");
      }
    }
    String localText = SweepJob.readLocalOrNull(configPath);
    SparkSession spark = SparkSessions.create("modelpress nightly", args.get("--master").orElse(null));
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      String text = localText != null ? localText : SweepJob.readHadoop(configPath, hadoop);
      SweepSpec spec = SweepConfigParser.parse(text, configPath);
      NightlySpec limits = SweepConfigParser.nightly(text, configPath);
      String outDir = args.get("--out").orElse(spec.output());
      String runId = runId(spec.name(), date);
      boolean finished;
      try {
        ResultTables.checkWritable(outDir, hadoop);
        finished = ResultTables.runComplete(outDir, runId, hadoop);
      } catch (IllegalArgumentException e) { // an unreachable store, refused credentials, a missing bucket
        throw new UserError(e.getMessage());
      }
      if (finished) {
        out.printf(Locale.ROOT, "nightly run %s (%s) already finished under %s: nothing is evaluated again%n", runId,
            date, outDir);
      } else {
        Instant started = Instant.now();
        SweepJob.Outcome o = SweepJob.execute(spark, spec, outDir, runId, false, started, 0, commitEvery, true, out);
        SweepJob.printSummary(out, o.spec(), o.run(), o.results(), o.evalSeconds(), outDir);
      }
      RunReport tonight = ReportJob.read(spark, outDir, runId);
      String previous = previousNight(spark, outDir, spec.name(), date);
      NightlyDiff.Result diff = NightlyDiff.of(tonight, previous == null ? null : ReportJob.read(spark, outDir, previous),
          limits);
      ResultTables.writeNightlyDiff(spark, outDir, diff);
      SweepJob.report(spark, outDir, runId, out);
      out.println();
      out.print(diff.text());
      out.printf(Locale.ROOT, "  tables    %s/nightly_diff/run_id=%s (Parquet)%n", outDir, runId);
      return diff.regression() ? REGRESSION : 0;
    } finally {
      spark.stop();
    }
  }

  /** {@code <name>-<yyyyMMdd>}. */
  static String runId(String name, LocalDate date) {
    return name + "-" + DAY.format(date);
  }

  private static LocalDate date(String v) {
    if (v == null) {
      return LocalDate.now(ZoneOffset.UTC);
    }
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw new UserError("'--date' is set to \"" + Cli.oneLine(v) + "\" but must be a date YYYY-MM-DD, e.g. "
          + LocalDate.now(ZoneOffset.UTC));
    }
  }

  /** The finished nightly run of {@code name} with the latest date before {@code date}, or null. */
  static String previousNight(SparkSession spark, String out, String name, LocalDate date) {
    Path runs = new Path(out, ResultTables.RUNS);
    Pattern night = Pattern.compile(Pattern.quote(name) + "-(\\d{8})");
    String tonight = DAY.format(date);
    String best = null;
    List<Row> rows = spark.read().schema(ResultSchemas.RUNS).parquet(runs.toString()).collectAsList();
    for (Row r : rows) {
      String id = r.getAs(ResultSchemas.RUN_ID);
      var m = night.matcher(id);
      if (name.equals(r.getAs("name")) && m.matches() && m.group(1).compareTo(tonight) < 0
          && (best == null || id.compareTo(best) > 0)) {
        best = id;
      }
    }
    return best;
  }
}
