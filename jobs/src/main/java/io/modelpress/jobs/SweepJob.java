package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.cli.JobFailed;
import io.modelpress.cli.Options;
import io.modelpress.cli.RunIds;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.report.RunReport;
import io.modelpress.spark.ResultReader;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.RunOutcome;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code modelpress sweep}: config → plan → Spark evaluation → tables → summary → report
 * ({@link SweepRun} does the run).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Evaluate a compression sweep on Spark and write trials/, frontier/, device_estimates/ and runs/ "
        + "under --out. Rows are committed every N trials; re-running an unfinished run id resumes it."})
class SweepJob implements Callable<Integer> {

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "the sweep's YAML config, any Hadoop path (e.g. conf/sweeps/mnist-mlp.yaml)")
  String config;

  @Mixin
  Options.Run run;

  @Mixin
  Options.Master master;

  @Option(names = "--commit-every", paramLabel = "N", description = "trials per committed batch (>= 1); default: a "
      + "tenth of the plan, at least 8 per task slot")
  Integer commitEvery;

  @Option(names = "--max-failed-trials", paramLabel = "N", description = "exit 1 when more than N trials failed "
      + "(their rows are kept); default: no limit")
  Integer maxFailed;

  final PrintStream out;

  SweepJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    String runIdArg = RunIds.check(run.runId);
    if (commitEvery != null && commitEvery < 1) {
      throw new UserError("'--commit-every' is set to \"" + commitEvery + "\" but must be a whole number >= 1");
    }
    if (maxFailed != null && maxFailed < 0) {
      throw new UserError("'--max-failed-trials' is set to \"" + maxFailed + "\" but must be a whole number >= 0");
    }
    String text = ConfigFiles.readLocalOrNull(config, "--config");
    SweepSpec parsed = text == null ? null : SweepConfigParser.parse(text, config);
    Instant started = Instant.now();
    SparkSession spark = SparkSessions.create("modelpress " + name(), master.master);
    try {
      SweepSpec spec = parsed != null ? parsed
          : SweepConfigParser.parse(ConfigFiles.readHadoop(config, spark.sparkContext().hadoopConfiguration()), config);
      check(spec);
      String outDir = run.out != null ? run.out : spec.output();
      String runId = runIdArg != null ? runIdArg : RunIds.defaultRunId(spec.name(), started);
      RunOutcome o = SweepRun.execute(spark, spec, new SweepRun.Options(outDir, runId, run.overwrite, started, 0,
          commitEvery == null ? 0 : commitEvery, false), out).outcome();
      SummaryPrinter.print(out, spec.name(), o, spec.latency().enabled(), outDir);
      ReportWriter.afterRun(runId, outDir, out, () -> ReportWriter.write(spark.sparkContext().hadoopConfiguration(),
          outDir, RunReport.of(o, new ResultReader(spark, outDir).previous(o.run()), null)));
      if (maxFailed != null && o.run().trials().failed() > maxFailed) {
        throw new JobFailed(o.run().trials().failed() + " of " + o.run().trials().total() + " trials failed, more than "
            + "--max-failed-trials " + maxFailed + "; their rows (status 'failed', error_class, error_message) are in "
            + outDir + "/trials");
      }
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** The command's name, for the Spark application. */
  String name() {
    return "sweep";
  }

  /** What this command requires of its config beyond what the parser checks. */
  void check(SweepSpec spec) {}
}
