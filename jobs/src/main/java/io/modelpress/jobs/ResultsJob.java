package io.modelpress.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelpress.spark.ResultTables;
import io.modelpress.spec.SweepSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * {@code modelpress results}: the results tables from the command line. Every subcommand is a Spark SQL
 * query over the tables registered as {@code modelpress.runs}, {@code modelpress.trials},
 * {@code modelpress.frontier}, {@code modelpress.device_estimates}, {@code modelpress.sensitivity} and {@code modelpress.sensitivity_summary}
 * ({@link ResultTables#register}).
 */
final class ResultsJob {

  static final Set<String> OPTIONS = Set.of("--results", "--run-id", "--format", "--master", "--limit");
  static final String USAGE = "results runs|frontier --run-id R|compare --run-id A --run-id B|sql \"QUERY\" "
      + "[--results DIR] [--format table|csv|json]";

  private ResultsJob() {}

  static int run(String[] argv, PrintStream out) {
    if (argv.length == 0 || argv[0].startsWith("--")) {
      throw new UserError("missing subcommand; usage: modelpress " + USAGE);
    }
    String sub = argv[0];
    String query = null;
    int from = 1;
    if (sub.equals("sql")) {
      if (argv.length < 2 || argv[1].startsWith("--")) {
        throw new UserError("'results sql' needs a query, e.g. modelpress results sql \"select * from modelpress.runs\"");
      }
      query = argv[1];
      from = 2;
    }
    Args args = Args.parse("results " + sub, argv, from, OPTIONS, Set.of());
    String format = args.get("--format").orElse("table");
    if (!List.of("table", "csv", "json").contains(format)) {
      throw new UserError("'--format' is set to \"" + Cli.oneLine(format) + "\" but must be table, csv or json");
    }
    String root = args.get("--results").orElse(SweepSpec.DEFAULT_OUTPUT);
    List<String> runIds = args.all("--run-id");
    for (String id : runIds) {
      if (!SweepJob.RUN_ID.matcher(id).matches()) {
        throw new UserError("'--run-id' is set to \"" + Cli.oneLine(id) + "\" which is not a run id");
      }
    }
    String sql = switch (sub) {
      case "runs" -> "select run_id, name, started_at, round(wall_seconds, 1) as wall_s, trials_total, trials_ok, "
          + "trials_failed, round(base_accuracy, 4) as base_accuracy, model, master from modelpress.runs order by started_at";
      case "frontier" -> {
        String id = one(runIds, "frontier");
        yield "select trial_id, method, round(accuracy, 4) as accuracy, round(accuracy_drop, 4) as accuracy_drop, "
            + "encoded_bytes, round(compression_ratio, 1) as ratio, macs, round(energy_estimate_uj, 3) as energy_uj, "
            + "round(latency_b1_p50_ms, 4) as b1_p50_ms, round(latency_b1_p95_ms, 4) as b1_p95_ms, "
            + "round(latency_b32_p50_ms, 3) as b32_p50_ms, latency_noisy as noisy "
            + "from modelpress.frontier where run_id = '" + id + "' order by encoded_bytes";
      }
      case "compare" -> {
        if (runIds.size() != 2) {
          throw new UserError("'results compare' needs exactly two --run-id options, got " + runIds.size());
        }
        yield "select coalesce(a.trial_id, b.trial_id) as trial_id, coalesce(a.method, b.method) as method, "
            + "round(a.accuracy, 4) as accuracy_a, round(b.accuracy, 4) as accuracy_b, "
            + "round(b.accuracy - a.accuracy, 4) as accuracy_diff, a.encoded_bytes as bytes_a, b.encoded_bytes as bytes_b, "
            + "a.pareto_rank as rank_a, b.pareto_rank as rank_b "
            + "from (select * from modelpress.trials where run_id = '" + runIds.get(0) + "') a "
            + "full outer join (select * from modelpress.trials where run_id = '" + runIds.get(1) + "') b "
            + "on a.trial_id = b.trial_id order by coalesce(a.trial_index, b.trial_index)";
      }
      case "sql" -> query;
      default -> throw new UserError("unknown subcommand 'results " + Cli.oneLine(sub) + "'; usage: modelpress " + USAGE);
    };
    SparkSession spark = SparkSessions.create("modelpress results", args.get("--master").orElse("local[1]"));
    try {
      List<String> tables = ResultTables.register(spark, root);
      if (tables.isEmpty()) {
        throw new UserError("no results tables under " + root + "; pass --results DIR (a sweep's --out)");
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
      if (sub.equals("compare")) {
        for (String id : runIds) {
          if (spark.sql("select 1 from modelpress.runs where run_id = '" + id + "'").isEmpty()) {
            throw new UserError("run '" + id + "' has no row in " + root + "/runs");
          }
        }
      } else if (sub.equals("frontier") && spark.sql("select 1 from modelpress.runs where run_id = '" + runIds.get(0)
          + "'").isEmpty()) {
        throw new UserError("run '" + runIds.get(0) + "' has no row in " + root + "/runs");
      }
      int limit;
      try {
        limit = Integer.parseInt(args.get("--limit").orElse("10000"));
      } catch (NumberFormatException e) {
        throw new UserError("'--limit' is set to \"" + Cli.oneLine(args.get("--limit").get()) + "\" but must be a number");
      }
      print(out, rows, format, limit);
      return 0;
    } finally {
      spark.stop();
    }
  }

  private static String one(List<String> runIds, String sub) {
    if (runIds.size() != 1) {
      throw new UserError("'results " + sub + "' needs one --run-id, got " + runIds.size());
    }
    return runIds.get(0);
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
