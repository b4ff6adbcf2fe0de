package io.modelpress.jobs;

import io.modelpress.cli.JobFailed;
import io.modelpress.report.ReportFiles;
import io.modelpress.report.RunReport;
import io.modelpress.report.SensitivityReport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes a run's report files ({@link ReportFiles}) into {@code <out>/reports/run_id=<R>/}, replacing an
 * earlier report of the run. A run writes its report from what it holds in memory once its tables are
 * written; {@code modelpress report} renders the same report from the tables.
 */
final class ReportWriter {

  private ReportWriter() {}

  /** The files written and their folder. */
  record Written(String folder, List<String> files) {}

  static Written write(Configuration hadoop, String out, RunReport r) {
    return write(hadoop, ReportFiles.folder(out, r.run().runId()), ReportFiles.render(r));
  }

  static Written write(Configuration hadoop, String out, SensitivityReport r) {
    return write(hadoop, ReportFiles.folder(out, r.run().runId()), ReportFiles.render(r));
  }

  private static Written write(Configuration hadoop, String folder, Map<String, byte[]> files) {
    try {
      Path dir = new Path(folder);
      FileSystem fs = dir.getFileSystem(hadoop);
      if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
        fs = local.getRawFileSystem(); // no .crc files next to the report: it is read by browsers, not by Hadoop
      }
      if (fs.exists(dir) && !fs.delete(dir, true)) {
        throw new IOException("could not delete the old report " + dir);
      }
      for (var f : files.entrySet()) {
        try (OutputStream o = fs.create(new Path(dir, f.getKey()), true)) {
          o.write(f.getValue());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the report into " + folder + ": " + e.getMessage(), e);
    }
    return new Written(folder, List.copyOf(files.keySet()));
  }

  /**
   * Writes a run's report once its tables are written; the tables stay whatever happens here: a report that
   * cannot be written fails the job (exit 1) with one line saying how to write it again.
   */
  static void afterRun(String runId, String out, PrintStream log, java.util.function.Supplier<Written> write) {
    Written w;
    try {
      w = write.get();
    } catch (RuntimeException e) {
      throw new JobFailed("the tables of run " + runId + " are written under " + out + " but its report could not "
          + "be: " + e.getMessage() + "; write it again with modelpress report --run-id " + runId + " --out " + out);
    }
    log.printf(Locale.ROOT, "  report    %s/%s (plots: %s)%n", w.folder(), ReportFiles.HTML,
        w.files().stream().filter(f -> f.endsWith(".png")).collect(Collectors.joining(", ")));
  }
}
