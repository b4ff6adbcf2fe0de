package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.Cli;
import io.modelpress.cli.Options;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.report.NightlyDiff;
import io.modelpress.report.RunReport;
import io.modelpress.spark.ResultReader;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.NightlySpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.RunOutcome;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
@Command(name = "nightly", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"One night's sweep for a scheduler: run id <name>-<yyyyMMdd> (twice the same night: one run); "
        + "trials already measured by earlier runs are reused; nightly_diff/ and nightly-diff.txt against the "
        + "previous night; exit 3 on a regression beyond the config's nightly: limits."})
final class NightlyJob implements Callable<Integer> {

  /** The exit code of a night that regressed beyond the configured limits. */
  static final int REGRESSION = 3;

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "the nightly sweep's YAML config, any Hadoop path (e.g. conf/nightly/mnist.yaml)")
  String config;

  @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "the night to run; default: today (UTC)")
  String date;

  @Option(names = {"--out", "--results"}, paramLabel = "DIR", description = "the results tables' root, any Hadoop "
      + "path; default: the config's 'output'")
  String outDir;

  @Mixin
  Options.Master master;

  @Option(names = "--commit-every", paramLabel = "N", description = "trials per committed batch (>= 1); default: a "
      + "tenth of the plan, at least 8 per task slot")
  Integer commitEvery;

  private final PrintStream out;

  NightlyJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    LocalDate night = parseDate(date);
    if (commitEvery != null && commitEvery < 1) {
      throw new UserError("'--commit-every' is set to \"" + commitEvery + "\" but must be a whole number >= 1");
    }
    String localText = ConfigFiles.readLocalOrNull(config, "--config");
    SparkSession spark = SparkSessions.create("modelpress nightly", master.master);
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      String text = localText != null ? localText : ConfigFiles.readHadoop(config, hadoop);
      SweepSpec spec = SweepConfigParser.parse(text, config);
      NightlySpec limits = SweepConfigParser.nightly(text, config);
      String root = outDir != null ? outDir : spec.output();
      String runId = runId(spec.name(), night);
      ResultReader reader = new ResultReader(spark, root);
      boolean finished;
      try {
        ResultTables.checkWritable(root, hadoop);
        finished = reader.finished(runId);
      } catch (IllegalArgumentException e) { // an unreachable store, refused credentials, a missing bucket
        throw new UserError(e.getMessage());
      }
      RunReport tonight;
      if (finished) {
        out.printf(Locale.ROOT, "nightly run %s (%s) already finished under %s: nothing is evaluated again%n", runId,
            night, root);
        tonight = reader.runReport(runId);
      } else {
        RunOutcome o = SweepRun.execute(spark, spec, new SweepRun.Options(root, runId, false, Instant.now(), 0,
            commitEvery == null ? 0 : commitEvery, true), out).outcome();
        SummaryPrinter.print(out, spec.name(), o, spec.latency().enabled(), root);
        tonight = RunReport.of(o, reader.previous(o.run()), null);
      }
      String previous = previousNight(reader, spec.name(), night);
      NightlyDiff.Result diff = NightlyDiff.of(tonight, previous == null ? null : reader.runReport(previous), limits);
      ResultTables.writeNightlyDiff(spark, root, diff);
      RunReport withDiff = tonight.withNightly(diff);
      ReportWriter.afterRun(runId, root, out, () -> ReportWriter.write(hadoop, root, withDiff));
      out.println();
      out.print(diff.text());
      out.printf(Locale.ROOT, "  tables    %s/nightly_diff/run_id=%s (Parquet)%n", root, runId);
      return diff.regression() ? REGRESSION : 0;
    } finally {
      spark.stop();
    }
  }

  /** {@code <name>-<yyyyMMdd>}. */
  static String runId(String name, LocalDate date) {
    return name + "-" + DAY.format(date);
  }

  private static LocalDate parseDate(String v) {
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
  static String previousNight(ResultReader reader, String name, LocalDate date) {
    Pattern night = Pattern.compile(Pattern.quote(name) + "-(\\d{8})");
    String tonight = DAY.format(date);
    String best = null;
    for (RunInfo r : reader.runs()) {
      var m = night.matcher(r.runId());
      if (name.equals(r.name()) && m.matches() && m.group(1).compareTo(tonight) < 0
          && (best == null || r.runId().compareTo(best) > 0)) {
        best = r.runId();
      }
    }
    return best;
  }
}
