package io.modelpress.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelpress.cli.Options;
import io.modelpress.cli.RunIds;
import io.modelpress.cli.SparkSessions;
import io.modelpress.cli.UserError;
import io.modelpress.spark.ResultTables;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code modelpress results}: the results tables from the command line. Every subcommand is a Spark SQL
 * query over the tables registered as {@code modelpress.runs}, {@code modelpress.trials},
 * {@code modelpress.frontier}, {@code modelpress.device_estimates}, {@code modelpress.sensitivity},
 * {@code modelpress.sensitivity_summary}, {@code modelpress.soft_targets} and {@code modelpress.nightly_diff}
 * ({@link ResultTables#register}).
 */
@Command(name = "results", mixinStandardHelpOptions = true,
    description = {"The tables via Spark SQL: modelpress.runs, .trials, .frontier, .device_estimates, .sensitivity, "
        + ".sensitivity_summary, .soft_targets, .nightly_diff."},
    subcommands = {ResultsJob.Runs.class, ResultsJob.Frontier.class, ResultsJob.Compare.class, ResultsJob.Sql.class})
final class ResultsJob implements Runnable {

  @Override
  public void run() {
    throw new UserError("missing subcommand; usage: modelpress results runs | frontier --run-id R | compare --run-id A "
        + "--run-id B | sql \"QUERY\" [--out DIR] [--format table|csv|json]");
  }

  /** The options every query takes. */
  static final class Common {
    @Mixin
    Options.Tables tables;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
        description = "table, csv or json; default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10000", description = "rows at most; default: "
        + "${DEFAULT-VALUE}")
    int limit;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[1]",
        description = "Spark master; default: ${DEFAULT-VALUE}")
    String master;
  }

  @Command(name = "runs", mixinStandardHelpOptions = true, description = "Every run: id, name, start, wall time, "
      + "trials, base accuracy, model, master.")
  static final class Runs implements Callable<Integer> {
    @Mixin
    Common common;
    private final PrintStream out;

    Runs(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      return query(out, common, "select run_id, name, started_at, round(wall_seconds, 1) as wall_s, trials_total, "
          + "trials_ok, trials_failed, round(base_accuracy, 4) as base_accuracy, model, master from modelpress.runs "
          + "order by started_at", List.of());
    }
  }

  @Command(name = "frontier", mixinStandardHelpOptions = true, description = "A run's frontier, smallest first.")
  static final class Frontier implements Callable<Integer> {
    @Mixin
    Common common;
    @Option(names = "--run-id", required = true, paramLabel = "ID", description = "the run")
    String runId;
    private final PrintStream out;

    Frontier(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      RunIds.check(runId);
      return query(out, common, "select trial_id, method, round(accuracy, 4) as accuracy, round(accuracy_drop, 4) as "
          + "accuracy_drop, encoded_bytes, round(compression_ratio, 1) as ratio, macs, round(energy_estimate_uj, 3) as "
          + "energy_uj, round(latency_b1_p50_ms, 4) as b1_p50_ms, round(latency_b1_p95_ms, 4) as b1_p95_ms, "
          + "round(latency_b32_p50_ms, 3) as b32_p50_ms, latency_noisy as noisy "
          + "from modelpress.frontier where run_id = '" + runId + "' order by encoded_bytes", List.of(runId));
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true, description = "Two runs' trials side by side.")
  static final class Compare implements Callable<Integer> {
    @Mixin
    Common common;
    @Option(names = "--run-id", required = true, paramLabel = "ID", description = "a run (give two)")
    List<String> runIds;
    private final PrintStream out;

    Compare(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      if (runIds.size() != 2) {
        throw new UserError("'results compare' needs exactly two --run-id options, got " + runIds.size());
      }
      runIds.forEach(RunIds::check);
      return query(out, common, "select coalesce(a.trial_id, b.trial_id) as trial_id, coalesce(a.method, b.method) as "
          + "method, round(a.accuracy, 4) as accuracy_a, round(b.accuracy, 4) as accuracy_b, "
          + "round(b.accuracy - a.accuracy, 4) as accuracy_diff, a.encoded_bytes as bytes_a, b.encoded_bytes as bytes_b, "
          + "a.pareto_rank as rank_a, b.pareto_rank as rank_b "
          + "from (select * from modelpress.trials where run_id = '" + runIds.get(0) + "') a "
          + "full outer join (select * from modelpress.trials where run_id = '" + runIds.get(1) + "') b "
          + "on a.trial_id = b.trial_id order by coalesce(a.trial_index, b.trial_index)", runIds);
    }
  }

  @Command(name = "sql", mixinStandardHelpOptions = true, description = "Any Spark SQL query over the tables.")
  static final class Sql implements Callable<Integer> {
    @Mixin
    Common common;
    @Parameters(paramLabel = "QUERY", description = "e.g. \"select * from modelpress.runs\"")
    String query;
    private final PrintStream out;

    Sql(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      return query(out, common, query, List.of());
    }
  }

  /** Runs {@code sql} over the registered tables; {@code runs} must each have a runs row. */
  static int query(PrintStream out, Common c, String sql, List<String> runs) {
    if (!List.of("table", "csv", "json").contains(c.format)) {
      throw new UserError("'--format' is set to \"" + io.modelpress.cli.Cli.oneLine(c.format)
          + "\" but must be table, csv or json");
    }
    String root = c.tables.out;
    SparkSession spark = SparkSessions.create("modelpress results", c.master);
    try {
      List<String> tables = ResultTables.register(spark, root);
      if (tables.isEmpty()) {
        throw new UserError("no results tables under " + root + "; pass --out DIR (a sweep's --out)");
      }
      Dataset<Row> rows;
      try {
        rows = spark.sql(sql);
      } catch (Exception e) { // AnalysisException and ParseException, thrown through Scala unchecked
        if (!(e instanceof org.apache.spark.sql.AnalysisException a)) {
          throw e;
        }
        throw new UserError("query failed: " + a.getSimpleMessage() + "; tables: "
            + String.join(", ", tables.stream().map(t -> "modelpress." + t).toList()));
      }
      for (String id : runs) {
        if (spark.sql("select 1 from modelpress.runs where run_id = '" + id + "'").isEmpty()) {
          throw new UserError("run '" + id + "' has no row in " + root + "/runs");
        }
      }
      print(out, rows, c.format, c.limit);
      return 0;
    } finally {
      spark.stop();
    }
  }

  static void print(PrintStream out, Dataset<Row> rows, String format, int limit) {
    String[] cols = Arrays.stream(rows.schema().fields()).map(StructField::name).toArray(String[]::new);
    List<Row> data = rows.limit(limit).collectAsList();
    switch (format) {
      case "csv" -> {
        out.println(String.join(",", cols));
        for (Row r : data) {
          List<String> v = new ArrayList<>();
          for (int i = 0; i < cols.length; i++) {
            v.add(csv(r.isNullAt(i) ? "" : String.valueOf(r.get(i))));
          }
          out.println(String.join(",", v));
        }
      }
      case "json" -> {
        ObjectMapper m = new ObjectMapper();
        for (Row r : data) {
          ObjectNode o = m.createObjectNode();
          for (int i = 0; i < cols.length; i++) {
            Object v = r.isNullAt(i) ? null : r.get(i);
            o.putPOJO(cols[i], v instanceof java.sql.Timestamp t ? t.toInstant().toString() : v);
          }
          out.println(o);
        }
      }
      default -> {
        int[] w = new int[cols.length];
        List<String[]> cells = new ArrayList<>();
        for (int i = 0; i < cols.length; i++) {
          w[i] = cols[i].length();
        }
        for (Row r : data) {
          String[] c = new String[cols.length];
          for (int i = 0; i < cols.length; i++) {
            c[i] = r.isNullAt(i) ? "-" : String.valueOf(r.get(i));
            w[i] = Math.max(w[i], c[i].length());
          }
          cells.add(c);
        }
        out.println(line(cols, w));
        for (String[] c : cells) {
          out.println(line(c, w));
        }
        out.printf(Locale.ROOT, "(%d row%s)%n", data.size(), data.size() == 1 ? "" : "s");
      }
    }
  }

  private static String line(String[] c, int[] w) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < c.length; i++) {
      b.append(i == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%-" + w[i] + "s", c[i]));
    }
    return b.toString().stripTrailing();
  }

  private static String csv(String v) {
    return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
  }
}
