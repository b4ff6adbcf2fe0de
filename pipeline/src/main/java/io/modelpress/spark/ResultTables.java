package io.modelpress.spark;

import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.TrialResult;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The results tables under an output root (any Hadoop path): {@code trials/}, {@code frontier/} and
 * {@code runs/}, Parquet, partitioned by {@code run_id}. {@code runs} is written last, so a run that has
 * a runs row has complete trials and frontier tables.
 */
public final class ResultTables {

  public static final String TRIALS = "trials";
  public static final String FRONTIER = "frontier";
  public static final String RUNS = "runs";

  private ResultTables() {}

  /** Whether any table under {@code out} already holds rows of {@code runId}. */
  public static boolean runExists(String out, String runId, Configuration conf) {
    try {
      for (String table : List.of(TRIALS, FRONTIER, RUNS)) {
        Path p = new Path(new Path(out, table), ResultSchemas.RUN_ID + "=" + runId);
        if (p.getFileSystem(conf).exists(p)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read output folder " + out + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a run's tables. With {@code overwrite} only this run's partitions are replaced (dynamic
   * partition overwrite); other runs are never touched.
   */
  public static void write(SparkSession spark, String out, RunInfo run, List<TrialResult> results,
      Map<String, Integer> ranks, boolean overwrite) {
    List<Row> trials = new ArrayList<>();
    for (TrialResult r : results) {
      trials.add(ResultSchemas.trialRow(run.runId(), r, ranks.get(r.trial().trialId())));
    }
    Set<String> frontierIds = ranks.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
    List<Row> frontier = new ArrayList<>();
    for (TrialResult r : results) {
      if (frontierIds.contains(r.trial().trialId())) {
        frontier.add(ResultSchemas.trialRow(run.runId(), r, 0));
      }
    }
    save(spark, trials, ResultSchemas.TRIALS, new Path(out, TRIALS).toString(), overwrite);
    save(spark, frontier, ResultSchemas.TRIALS, new Path(out, FRONTIER).toString(), overwrite);
    save(spark, List.of(runRow(run)), ResultSchemas.RUNS, new Path(out, RUNS).toString(), overwrite);
  }

  private static void save(SparkSession spark, List<Row> rows, org.apache.spark.sql.types.StructType schema,
      String path, boolean overwrite) {
    spark.createDataFrame(rows, schema)
        .coalesce(1)
        .write()
        .mode(overwrite ? SaveMode.Overwrite : SaveMode.Append)
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(ResultSchemas.RUN_ID)
        .parquet(path);
  }

  static Row runRow(RunInfo r) {
    return RowFactory.create(r.runId(), r.name(), Timestamp.from(r.startedAt()), Timestamp.from(r.finishedAt()),
        r.wallSeconds(), r.trialsTotal(), r.trialsOk(), r.trialsFailed(), r.baseAccuracy(), r.objectives(),
        r.configJson(), r.model(), r.modelFingerprint(), r.dataset(), r.datasetFingerprint(), r.master(),
        r.codeVersion(), r.sparkVersion(), r.dl4jVersion(), r.javaVersion(), r.osArch());
  }

  /** Checks that {@code out} can be created or written, before any work starts. */
  public static void checkWritable(String out, Configuration conf) {
    Path p = new Path(out);
    try {
      FileSystem fs = p.getFileSystem(conf);
      Path probe = p;
      while (probe != null && !fs.exists(probe)) {
        probe = probe.getParent();
      }
      if (probe != null && !fs.getFileStatus(probe).isDirectory()) {
        throw new IllegalArgumentException("'--out' is set to " + out + " but " + probe + " is a file, not a folder");
      }
      if (probe != null && "file".equals(fs.getUri().getScheme())) {
        java.io.File f = new java.io.File(probe.toUri().getPath());
        if (!f.canWrite()) {
          throw new IllegalArgumentException("'--out' is set to " + out + " but " + f + " is not writable; choose another folder");
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("'--out' is set to " + out + " which cannot be reached: " + e.getMessage(), e);
    }
  }
}
