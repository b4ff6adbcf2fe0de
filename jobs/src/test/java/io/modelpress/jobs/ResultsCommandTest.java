package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.cli.Cli;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** modelpress results: the registered tables queried from the command line. */
class ResultsCommandTest extends CliTestBase {

  @Test
  void resultsCommandsQueryTheRegisteredTables() throws Exception {
    Path cfg = dir.resolve("results.yaml");
    Files.writeString(cfg, """
        version: 1
        name: results-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        search:
          - quantize: {bits: [2, 4, 8]}
        # measured latency named as an objective: its confirmed figures must survive a rebuild
        objectives:
          - {metric: accuracy, direction: maximize}
          - {metric: encoded_bytes, direction: minimize}
          - {metric: latency_b1_p50_ms, direction: minimize}
        """.formatted(model));
    Path out = dir.resolve("out-results");
    for (String id : List.of("a1", "a2")) {
      Run r = cli("sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", id, "--master", "local[2]");
      assertThat(r.code()).as(r.err()).isEqualTo(0);
    }
    Run runs = cli("results", "runs", "--results", out.toString());
    assertThat(runs.code()).as(runs.err()).isEqualTo(0);
    assertThat(runs.out()).startsWith("run_id  name          started_at").contains("a1  ", "a2  ", "(2 rows)");

    Run frontier = cli("results", "frontier", "--run-id", "a1", "--results", out.toString(), "--format", "csv");
    assertThat(frontier.code()).as(frontier.err()).isEqualTo(0);
    List<String> lines = frontier.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("trial_id,method,accuracy,accuracy_drop,encoded_bytes,ratio,macs,energy_uj,"
        + "b1_p50_ms,b1_p95_ms,b32_p50_ms,noisy");
    assertThat(lines.size()).isGreaterThan(1);

    Run compare = cli("results", "compare", "--run-id", "a1", "--run-id", "a2", "--results", out.toString(), "--format",
        "json");
    assertThat(compare.code()).as(compare.err()).isEqualTo(0);
    List<String> json = compare.out().lines().toList();
    assertThat(json).hasSize(4); // base + 3 bit widths, matched by trial id
    for (String l : json) {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
      assertThat(node.get("accuracy_diff").asDouble()).isZero(); // same trials, same results
    }

    Run sql = cli("results", "sql", "select count(*) as n, count(distinct run_id) as runs from modelpress.trials",
        "--results", out.toString(), "--format", "csv");
    assertThat(sql.code()).as(sql.err()).isEqualTo(0);
    assertThat(sql.out()).isEqualTo("n,runs" + System.lineSeparator() + "8,2" + System.lineSeparator());

    // the schema is defined once (ResultSchemas): the written tables have exactly it, and docs/tables.md documents every column
    SparkSession spark = reader();
    try {
      for (String t : List.of("trials", "trial_ranks", "frontier", "runs", "device_estimates")) {
        var declared = t.equals("runs") ? io.modelpress.spark.ResultSchemas.RUNS
            : t.equals("device_estimates") ? io.modelpress.spark.ResultSchemas.DEVICE_ESTIMATES
            : t.equals("trial_ranks") ? io.modelpress.spark.ResultSchemas.TRIAL_RANKS
            : io.modelpress.spark.ResultSchemas.TRIALS;
        // trials as users query it: the trial files joined with trial_ranks (the files hold the other columns)
        var written = t.equals("trials") ? io.modelpress.spark.ResultReader.table(spark, out.toString(), t).schema()
            : spark.read().parquet(out + "/" + t).schema();
        assertThat(java.util.Set.of(written.fieldNames())).isEqualTo(java.util.Set.of(declared.fieldNames()));
        for (var f : declared.fields()) {
          assertThat(written.apply(f.name()).dataType()).as(t + "." + f.name()).isEqualTo(f.dataType());
        }
      }
    } finally {
      spark.stop();
    }
    String readme = Files.readString(Path.of("..", "docs", "tables.md"));
    for (var schema : List.of(io.modelpress.spark.ResultSchemas.TRIALS, io.modelpress.spark.ResultSchemas.TRIAL_RANKS,
        io.modelpress.spark.ResultSchemas.RUNS,
        io.modelpress.spark.ResultSchemas.DEVICE_ESTIMATES,
        io.modelpress.spark.ResultSchemas.SENSITIVITY, io.modelpress.spark.ResultSchemas.SENSITIVITY_SUMMARY,
        io.modelpress.spark.ResultSchemas.SOFT_TARGETS, io.modelpress.spark.ResultSchemas.NIGHTLY_DIFF)) {
      for (String c : schema.fieldNames()) {
        assertThat(readme).as("docs/tables.md documents column " + c).contains("`" + c + "`");
      }
    }

    Run badSql = cli("results", "sql", "select nope from modelpress.trials", "--results", out.toString());
    assertThat(badSql.code()).isEqualTo(2);
    assertThat(badSql.err()).startsWith("modelpress: error: query failed: ").contains("nope", "modelpress.trials");
    Run noRun = cli("results", "frontier", "--run-id", "zz9", "--results", out.toString());
    assertThat(noRun.code()).isEqualTo(2);
    assertThat(noRun.err()).isEqualTo("modelpress: error: run 'zz9' has no row in " + out + "/runs" + System.lineSeparator());
    Run badFormat = cli("results", "runs", "--results", out.toString(), "--format", "xml");
    assertThat(badFormat.err()).isEqualTo("modelpress: error: '--format' is set to \"xml\" but must be table, csv or json"
        + System.lineSeparator());
    Run empty = cli("results", "runs", "--results", dir.resolve("nothing-here").toString());
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("no results tables under");

    // derived tables lost: rebuilt from the trials, the same rows
    SparkSession r0 = reader();
    List<String> before;
    try {
      before = io.modelpress.spark.ResultReader.table(r0, out.toString(), "trials").where("run_id = 'a1'")
          .selectExpr("trial_id", "pareto_rank", "knee", "frontier_projections", "latency_confirmed_b1_p50_ms",
              "latency_confirmed_rounds").orderBy("trial_id").collectAsList()
          .stream().map(Object::toString).toList();
      // the frontier's candidates were re-measured, and the figures are what ranked them
      assertThat(before).anyMatch(r -> r.endsWith(",8]"));
    } finally {
      r0.stop();
    }
    for (String t : List.of("trial_ranks", "frontier", "device_estimates")) {
      deleteTree(out.resolve(t + "/run_id=a1"));
    }
    Run rebuilt = cli("results", "rebuild", "--run-id", "a1", "--out", out.toString());
    assertThat(rebuilt.code()).as(rebuilt.err()).isZero();
    assertThat(rebuilt.out()).contains("rebuilt trial_ranks, frontier and device_estimates of run a1 from its 4 trials");
    SparkSession r1 = reader();
    try {
      assertThat(io.modelpress.spark.ResultReader.table(r1, out.toString(), "trials").where("run_id = 'a1'")
          .selectExpr("trial_id", "pareto_rank", "knee", "frontier_projections", "latency_confirmed_b1_p50_ms",
              "latency_confirmed_rounds").orderBy("trial_id").collectAsList()
          .stream().map(Object::toString).toList())
          .as("trial_ranks lost and rebuilt: the confirmed figures come back from the run's confirmed-latency.json")
          .isEqualTo(before);
      assertThat(r1.read().parquet(out + "/frontier").where("run_id = 'a1'").count()).isPositive();
      assertThat(r1.read().parquet(out + "/device_estimates").where("run_id = 'a1'").count()).isPositive();
    } finally {
      r1.stop();
    }

    // the session's catalog is never touched: tables named like ours, with their data, survive registration
    Path warehouse = dir.resolve("warehouse");
    SparkSession foreign = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", warehouse.toString()).getOrCreate();
    try {
      foreign.sql("create database modelpress");
      foreign.sql("create table modelpress.trials (x int) using parquet");
      foreign.sql("insert into modelpress.trials values (7)");
      foreign.sql("create table default.runs (x int) using parquet");
      foreign.sql("insert into default.runs values (8)");
      // a session whose global temporary database is not 'modelpress' (a user's): refused, nothing dropped
      assertThatThrownBy(() -> io.modelpress.spark.ResultTables.register(foreign, out.toString()))
          .hasMessageContaining("start the session with spark.sql.globalTempDatabase=modelpress");
      assertThat(foreign.sql("select x from modelpress.trials").first().getInt(0)).isEqualTo(7);
    } finally {
      foreign.stop();
    }
    SparkSession ours = io.modelpress.cli.SparkSessions.create("catalog-test", "local[1]");
    try {
      ours.sql("create table default.runs (x int) using parquet location '" + warehouse.resolve("runs2") + "'");
      ours.sql("insert into default.runs values (9)");
      io.modelpress.spark.ResultTables.register(ours, out.toString());
      io.modelpress.spark.ResultTables.register(ours, out.toString()); // again: the views are replaced, nothing else
      assertThat(ours.sql("select count(*) from modelpress.runs").first().getLong(0)).isEqualTo(2);
      assertThat(ours.sql("select x from runs").first().getInt(0)).isEqualTo(9);
      assertThat(ours.catalog().tableExists("default", "runs")).isTrue();
    } finally {
      ours.stop();
    }
    assertThat(warehouse.resolve("modelpress.db/trials")).isNotEmptyDirectory(); // the data of the user's table
  }

}
