package io.modelpress.jobs;

import io.modelpress.config.ConfigException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code modelpress <command> [options]}: the entry point of {@code bin/modelpress} and of
 * {@code spark-submit --class io.modelpress.jobs.Cli}. Exit codes: 0 success, 1 failure while running,
 * 2 caller's mistake (bad config, argument or input), reported as one line without a stack trace, 3 a
 * nightly run that regressed beyond its configured limits (everything written).
 */
public final class Cli {

  static final String USAGE = String.join("\n",
      "usage: modelpress <command> [options]",
      "  sweep  --config FILE [--out DIR] [--run-id ID] [--master URL] [--overwrite] [--commit-every N]",
      "         [--max-failed-trials N]",
      "         evaluate a compression sweep on Spark and write trials/, frontier/, runs/ under --out;",
      "         rows are committed every N trials, and re-running an unfinished run id resumes it",
      "  distill --config FILE [same options as sweep]",
      "         a sweep with knowledge-distillation blocks: the model is the teacher, its soft targets go to",
      "         soft_targets/, every student (and its hard-label baseline) is a trial row",
      "  nightly --config FILE [--date YYYY-MM-DD] [--out DIR] [--master URL] [--commit-every N]",
      "         one night's sweep, run id <name>-<yyyyMMdd> (twice the same night: one run); trials already",
      "         measured by earlier runs are reused; nightly_diff/ and nightly-diff.txt against the previous",
      "         night; exit 3 on a regression beyond the config's nightly: limits",
      "  sensitivity --config FILE [--out DIR] [--run-id ID] [--master URL] [--overwrite]",
      "         per-layer sensitivity: each layer x method x level alone, on bootstrap seeds with 95% CIs,",
      "         plus layer pairs changed together (additivity check); tables sensitivity/, sensitivity_summary/",
      "  results runs | frontier --run-id R | compare --run-id A --run-id B | sql \"QUERY\"",
      "         [--results DIR] [--format table|csv|json]: the tables via Spark SQL (modelpress.runs, .trials,",
      "         .frontier, .device_estimates, .sensitivity, .sensitivity_summary, .soft_targets, .nightly_diff)",
      "  select --run-id ID --device NAME|measured [--max-latency-ms X] [--max-size-kb Y] [--max-accuracy-drop Z]",
      "         [--results DIR] [--devices FILE] [--export FILE.mpz] [--master URL]",
      "         the most accurate trial that fits the device and meets the limits (Z in percentage points);",
      "         latency is the profile's estimate (conf/devices.yaml) or, with 'measured', the executors' p50",
      "  report --run-id ID [--results DIR] [--master URL]",
      "         (re)write a sweep run's report from its tables: DIR/reports/run_id=ID/report.html (one page,",
      "         plots inline), accuracy-vs-size.{png,svg}, accuracy-vs-latency.{png,svg}; sweep writes it too",
      "  export --run-id ID --trial-id ID --out FILE.mpz [--results DIR] [--dl4j FILE.zip] [--master URL]",
      "         re-run one trial of a run, check it reproduces its row, write its compressed artifact",
      "         (and with --dl4j the DL4J network restored from it)",
      "  train  --model NAME [--dataset mnist|fashion-mnist] [--dataset-dir DIR] [--epochs N] [--batch-size N]",
      "         [--learning-rate X] [--seed N] [--out FILE]",
      "         train a zoo model (mlp-64-64, lenet-300-100, lenet5, mlp-1200-1200), print its test accuracy, save it",
      "  bench  [--config FILE] [--runs N] [--masters local[1],local[2]] [--growth 100,1000] [--out DIR]",
      "         the benchmark harness: GEMM ceiling, data loading, training epoch, eval-only sweeps per master",
      "  help   print this text");

  private Cli() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** A message on one line: user values with line breaks must not split the error line. */
  static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /** Runs a command; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      out.println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    try {
      return switch (args[0]) {
        case "sweep" -> SweepJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "distill" -> SweepJob.run("distill", Arrays.copyOfRange(args, 1, args.length), out);
        case "nightly" -> NightlyJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "sensitivity" -> SensitivityJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "results" -> ResultsJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "report" -> ReportJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "export" -> ExportJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "select" -> SelectJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "train" -> TrainJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        case "bench" -> BenchJob.run(Arrays.copyOfRange(args, 1, args.length), out);
        default -> throw new UserError("unknown command '" + args[0] + "'; valid: sweep, distill, nightly, sensitivity, results, select, report, export, train, bench, help");
      };
    } catch (UserError | ConfigException e) {
      err.println("modelpress: error: " + oneLine(e.getMessage()));
      return 2;
    } catch (JobFailed e) {
      err.println("modelpress: failed: " + oneLine(e.getMessage()));
      return 1;
    } catch (Exception e) { // Spark and Hadoop throw checked exceptions through Scala code
      err.println("modelpress: failed: " + oneLine(String.valueOf(e)));
      e.printStackTrace(err);
      return 1;
    }
  }
}
