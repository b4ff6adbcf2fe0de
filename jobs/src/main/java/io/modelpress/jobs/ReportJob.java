package io.modelpress.jobs;

import io.modelpress.cli.Options;
import io.modelpress.cli.RunIds;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.report.ReportFiles;
import io.modelpress.spark.ResultReader;
import io.modelpress.sweep.RunInfo;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code modelpress report}: the plots and the HTML page of a finished sweep or sensitivity run, rebuilt from
 * its tables by {@link ResultReader} and rendered exactly as the run rendered them from memory
 * ({@link ReportWriter}) into {@code <out>/reports/run_id=<R>/}.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"(Re)write a sweep or sensitivity run's report from its tables: DIR/reports/run_id=ID/report.html "
        + "(one page, plots inline) and its plots as PNG and SVG; every run writes it too."})
final class ReportJob implements Callable<Integer> {

  @Option(names = "--run-id", required = true, paramLabel = "ID", description = "the sweep or sensitivity run to "
      + "report on (see modelpress results runs)")
  String runId;

  @Mixin
  Options.Tables tables;

  @Option(names = "--master", paramLabel = "URL", defaultValue = "local[1]", description = "Spark master; default: "
      + "${DEFAULT-VALUE}")
  String master;

  private final PrintStream out;

  ReportJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    RunIds.check(runId);
    String results = tables.out;
    SparkSession spark = SparkSessions.create("modelpress report", master);
    try {
      ResultReader reader = new ResultReader(spark, results);
      RunInfo run = reader.run(runId).orElseThrow(() -> new UserError("run '" + runId + "' has no row in " + results
          + "/runs (unknown or unfinished); list runs with modelpress results runs --out DIR"));
      ReportWriter.Written w;
      try {
        w = run.objectives().equals(SensitivityJob.OBJECTIVES)
            ? ReportWriter.write(spark.sparkContext().hadoopConfiguration(), results, reader.sensitivityReport(runId))
            : ReportWriter.write(spark.sparkContext().hadoopConfiguration(), results, reader.runReport(runId));
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      out.printf(Locale.ROOT, "report of run %s: %s (%s)%n", runId, w.folder() + "/" + ReportFiles.HTML,
          String.join(", ", w.files()));
      return 0;
    } finally {
      spark.stop();
    }
  }
}
