package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster jar as a cluster runs it: {@code SparkSubmit} in its own JVM with only Spark's jars on
 * the classpath (what a Spark distribution provides) and the shaded jar as the application.
 */
class SparkSubmitIT {

  @TempDir
  Path dir;

  @Test
  void clusterJarRunsASweepThroughSparkSubmit() throws Exception {
    Path jar = Path.of(System.getProperty("modelpress.clusterJar"));
    String sparkCp = Files.readString(Path.of(System.getProperty("modelpress.sparkClasspath"))).strip();
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getEntry("io/modelpress/cli/Cli.class")).isNotNull();
      assertThat(j.getEntry("org/nd4j/linalg/factory/Nd4j.class")).isNotNull();
      assertThat(j.getEntry("org/apache/spark/SparkContext.class")).as("Spark must stay provided").isNull();
    }
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 3000, 0), new Configuration());
    Path model = dir.resolve("m.zip");
    Files.write(model, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 5), train, (e, s) -> { }).save());
    Path cfg = dir.resolve("c.yaml");
    Files.writeString(cfg, """
        version: 1
        name: submit
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 1000}
        search:
          - prune: {scope: global, sparsities: [0.5, 0.9]}
            quantize: {bits: [4, 8]}
        """.formatted(model));
    Path out = dir.resolve("out");

    List<String> cmd = submitCommand(sparkCp, "local[2]", jar, "sweep", "--config", cfg.toString(), "--out",
        out.toString(), "--run-id", "submitted");
    String log = submit(cmd, "log.txt");
    assertThat(log).contains("modelpress sweep 'submit' finished: run submitted", "5 ok, 0 failed");
    assertThat(new File(out.toFile(), "trials/run_id=submitted")).isDirectory();
    assertThat(new File(out.toFile(), "frontier/run_id=submitted")).isDirectory();
    assertThat(new File(out.toFile(), "runs/run_id=submitted")).isDirectory();
    // the report is drawn by the spark-submit driver from the cluster jar's XChart
    assertThat(new File(out.toFile(), "reports/run_id=submitted/report.html")).isFile();
    assertThat(new File(out.toFile(), "reports/run_id=submitted/accuracy-vs-size.png")).isFile();

    // the sensitivity job through the same cluster jar
    Path sens = dir.resolve("s.yaml");
    Files.writeString(sens, """
        version: 1
        name: submit-sensitivity
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        prune: {methods: [magnitude], sparsities: [0.5, 0.9]}
        quantize: {methods: [uniform], bits: [4]}
        seeds: 2
        interactions: {pairs: 1}
        """.formatted(model));
    List<String> cmd2 = new ArrayList<>(cmd.subList(0, cmd.indexOf("sweep")));
    cmd2.addAll(List.of("sensitivity", "--config", sens.toString(), "--out", out.toString(), "--run-id", "sens"));
    String log2 = submit(cmd2, "log2.txt");
    // base + 3 layers × (2 sparsities + 1 width) + 1 pair × 3
    assertThat(log2).contains("modelpress sensitivity 'submit-sensitivity' finished: run sens", "13 ok, 0 failed");
    assertThat(new File(out.toFile(), "sensitivity_summary/run_id=sens")).isDirectory();
  }

  /**
   * A real standalone cluster: deploy/standalone/start brings up a master and two 1-core workers, each its
   * own JVM, and the cluster jar's sweep is submitted to it in client mode. Trials and latency
   * measurements run on both executors; the latency stage has one partition per executor.
   */
  @Test
  void aSweepRunsOnAStandaloneClusterOfTwoWorkers() throws Exception {
    Path jar = Path.of(System.getProperty("modelpress.clusterJar"));
    Path cluster = dir.resolve("cluster");
    int port = startCluster(cluster);
    try {

      LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 3000, 0), new Configuration());
      Path model = dir.resolve("m2.zip");
      Files.write(model, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 6), train, (e, s) -> { }).save());
      Path cfg = dir.resolve("cluster.yaml");
      Files.writeString(cfg, """
          version: 1
          name: cluster
          model: {path: "%s"}
          dataset: {name: mnist, test-limit: 1000}
          search:
            - prune: {scope: global, sparsities: [0.5, 0.8, 0.9]}
              quantize: {bits: [4, 8]}
          latency: {runs: 40}
          """.formatted(model));
      Path out = dir.resolve("cluster-out");
      List<String> cmd = submitCommand(cluster.resolve("spark-home/jars") + "/*", "spark://127.0.0.1:" + port, jar,
          "sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "on-cluster");
      String log = submit(cmd, "cluster-log.txt");
      assertThat(log).contains("modelpress sweep 'cluster' finished: run on-cluster", "7 ok, 0 failed",
          "latency   measured for 7 of 7 successful trials");
      org.apache.spark.sql.SparkSession spark = CliTestBase.reader();
      try {
        var trials = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'on-cluster'");
        assertThat(trials.count()).isEqualTo(7);
        // two executors (ids 0 and 1 on this host) evaluated trials; latency was measured on the executors, not
        // the driver (which of the two each latency partition lands on is Spark's choice)
        var executors = trials.select("executor").distinct().collectAsList().stream().map(r -> r.getString(0)).toList();
        assertThat(executors).hasSize(2).noneMatch(e -> e.endsWith("/driver"));
        assertThat(trials.select("latency_host").distinct().collectAsList().stream().map(r -> r.getString(0)).toList())
            .isNotEmpty().allMatch(executors::contains);
        assertThat(spark.read().parquet(out + "/runs").where("run_id = 'on-cluster'").first().<String>getAs("master"))
            .isEqualTo("spark://127.0.0.1:" + port);
      } finally {
        spark.stop();
      }

      // distillation on the same two workers: the teacher's soft targets computed by the executors, students
      // trained one per task, and one student trained over both executors with DL4J's parameter averaging
      Path distill = dir.resolve("distill.yaml");
      Files.writeString(distill, """
          version: 1
          name: cluster-distill
          model: {path: "%s"}
          dataset: {name: mnist, train-limit: 2000, test-limit: 1000}
          latency: {enabled: false}
          search:
            - name: tasks
              distill: {students: [mlp-16, mlp-32], temperatures: [4], alphas: [0.5], epochs: 1, batch-size: 32}
            - name: chained
              distill: {students: [mlp-32], temperatures: [4], alphas: [0.5], epochs: 1, batch-size: 32, baselines: false}
              prune: {sparsities: [0.5]}
              quantize: {bits: [6]}
            - name: data
              distill: {students: [mlp-24], temperatures: [4], alphas: [0.5], epochs: 2, batch-size: 32,
                        parallelism: data, averaging-frequency: 4, baselines: false}
          """.formatted(model));
      List<String> dcmd = submitCommand(cluster.resolve("spark-home/jars") + "/*", "spark://127.0.0.1:" + port, jar,
          "distill", "--config", distill.toString(), "--out", out.toString(), "--run-id", "distill-on-cluster");
      String dlog = submit(dcmd, "cluster-distill-log.txt");
      // base; per task-parallel student a hard-label baseline and T=4; the chain; the data-parallel student
      assertThat(dlog).contains("soft targets: 2000 training examples computed on the executors",
          "data-parallel mlp-24", "7 ok, 0 failed");
      spark = CliTestBase.reader();
      try {
        var rows = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").where("run_id = 'distill-on-cluster' and method != 'base'");
        assertThat(rows.count()).isEqualTo(6);
        // a weak teacher (1 epoch on 3,000 images, 76 %) and 1-2 epochs on 2,000: far above chance (10 %) is the claim
        assertThat(rows.where("status = 'ok' and accuracy > 0.4 and teacher_fingerprint is not null").count()).isEqualTo(6);
        assertThat(rows.where("method = 'distill+magnitude+uniform'").count()).isEqualTo(1);
        assertThat(rows.select("executor").distinct().collectAsList().stream().map(r -> r.getString(0)).toList())
            .as("students trained on both executors").hasSize(2).noneMatch(e -> e.endsWith("/driver"));
        assertThat(rows.where("distill_parallelism = 'data'").count()).isEqualTo(1);
        assertThat(spark.read().parquet(out + "/soft_targets").count()).isEqualTo(2000);
      } finally {
        spark.stop();
      }
    } finally {
      stopCluster(cluster);
    }
  }

  /**
   * An executor SIGKILLed while the sweep's trials run: Spark replaces it, the sweep completes, and its
   * rows are those of a clean local run, every trial exactly once.
   */
  @Test
  void aSweepSurvivesAnExecutorKilledMidRun() throws Exception {
    Path jar = Path.of(System.getProperty("modelpress.clusterJar"));
    Path cluster = dir.resolve("cluster-kill");
    int port = startCluster(cluster);
    try {
      Path cfg = faultConfig("kill", 7);
      Path out = dir.resolve("kill-out");
      List<String> cmd = submitCommand(cluster.resolve("spark-home/jars") + "/*", "spark://127.0.0.1:" + port, jar,
          "sweep", "--config", cfg.toString(), "--out", out.toString(), "--run-id", "killed");
      Path logFile = dir.resolve("kill-log.txt");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile());
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      pb.environment().put("SPARK_SCALA_VERSION", "2.12");
      Process p = pb.start();
      // as soon as the first trial task starts, SIGKILL the executor JVM running it: that task is lost mid-trial
      // (an executor's first task also loads ND4J, seconds), so Spark must run it again elsewhere
      java.util.regex.Pattern started = java.util.regex.Pattern.compile(
          "Starting task (\\d+)\\.0 in stage (\\d+\\.\\d+) \\(TID (\\d+)\\) \\([^,]+, executor (\\d+),");
      java.util.regex.Matcher first = null;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (p.isAlive() && System.nanoTime() < deadline && first == null) {
        String log = Files.readString(logFile, StandardCharsets.UTF_8);
        int evaluating = log.indexOf("SparkSweepRunner: Evaluating ");
        if (evaluating >= 0) {
          java.util.regex.Matcher m = started.matcher(log);
          first = m.find(evaluating) ? m : null;
        }
        Thread.sleep(20);
      }
      assertThat(first).as(Files.readString(logFile, StandardCharsets.UTF_8)).isNotNull();
      String task = first.group(1);
      String stage = java.util.regex.Pattern.quote(first.group(2));
      String tid = first.group(3);
      String id = first.group(4);
      ProcessHandle executor = ProcessHandle.allProcesses()
          .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
          .filter(h -> h.info().commandLine().orElse("").contains("--executor-id " + id + " "))
          .findFirst().orElseThrow(() -> new AssertionError("no JVM of executor " + id + " to kill"));
      assertThat(executor.destroyForcibly()).isTrue();
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      String log = Files.readString(logFile, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(log).isZero();
      // the trial task it ran was lost with it (Spark 3.5 words it one of two ways) and a later attempt finished
      assertThat(log).contains("25 ok, 0 failed")
          .containsPattern("task " + task + "\\.0 in stage " + stage + " \\(TID " + tid + "\\) (failed because while it "
              + "was being computed, its executor exited|\\([^)]*executor " + id + "\\): ExecutorLostFailure)")
          .containsPattern("Finished task " + task + "\\.[1-9][0-9]* in stage " + stage + " ");

      assertSameRowsAsACleanLocalRun(cfg, out, "killed");
    } finally {
      stopCluster(cluster);
    }
  }

  /**
   * The driver SIGKILLed mid-sweep: a nightly run submitted with deploy/submit/standalone to the 2-worker
   * cluster is killed once its first batch of rows is committed; the same command again resumes it,
   * evaluates only the missing trials and ends with the rows of a clean local run.
   */
  @Test
  void aNightlyRunResumesAfterItsDriverIsKilledOnTheCluster() throws Exception {
    Path jar = Path.of(System.getProperty("modelpress.clusterJar"));
    Path cluster = dir.resolve("cluster-driver");
    int port = startCluster(cluster);
    try {
      Path cfg = faultConfig("driver-kill", 9);
      Path out = dir.resolve("driver-out");
      // spark-submit as a Spark distribution has it, for the wrapper: SparkSubmit over the cluster's jars
      Path shim = dir.resolve("spark-submit");
      Files.writeString(shim, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' "
          + System.getProperty("modelpress.java17Opens").trim() + " -cp '" + cluster.resolve("spark-home/jars")
          + "/*' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
      assertThat(shim.toFile().setExecutable(true)).isTrue();
      List<String> cmd = List.of(ROOT.resolve("deploy/submit/standalone").toString(), "spark://127.0.0.1:" + port,
          "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=900m", "--",
          "nightly", "--config", cfg.toString(), "--out", out.toString(), "--date", "2026-12-02", "--commit-every", "4");
      Path runDir = out.resolve("trials/run_id=driver-kill-20261202");
      Path firstLog = dir.resolve("driver-log-1.txt");
      Process p = wrapper(cmd, shim, jar, firstLog);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (p.isAlive() && System.nanoTime() < deadline && !CliTestBase.hasParquet(runDir)) {
        Thread.sleep(50);
      }
      assertThat(p.isAlive()).as(Files.readString(firstLog)).isTrue();
      p.destroyForcibly(); // SIGKILL: the wrapper exec'd SparkSubmit, so this is the driver JVM
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(out.resolve("runs")).as("the killed night has no runs row").doesNotExist();

      Path secondLog = dir.resolve("driver-log-2.txt");
      Process again = wrapper(cmd, shim, jar, secondLog);
      assertThat(again.waitFor(5, TimeUnit.MINUTES)).isTrue();
      String log = Files.readString(secondLog, StandardCharsets.UTF_8);
      assertThat(again.exitValue()).as(log).isZero();
      assertThat(log).containsPattern("resuming run driver-kill-20261202: ([1-9]|1[0-9]|2[0-1]) of 25 trials already "
          + "have rows; evaluating the other").contains("25 ok, 0 failed");

      assertSameRowsAsACleanLocalRun(cfg, out, "driver-kill-20261202");
    } finally {
      stopCluster(cluster);
    }
  }

  /**
   * The sweep the fault tests interrupt: a saved mlp-64-64 ({@code seed}) and 25 trials, latency off (so
   * rows compare exactly).
   */
  private Path faultConfig(String name, long seed) throws Exception {
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 3000, 0), new Configuration());
    Path model = dir.resolve(name + ".zip");
    Files.write(model, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, seed), train, (e, s) -> { }).save());
    Path cfg = dir.resolve(name + ".yaml");
    Files.writeString(cfg, """
        version: 1
        name: %s
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 2000}
        search:
          - prune: {scope: global, sparsities: [0.3, 0.5, 0.7, 0.8, 0.9, 0.95]}
            quantize: {bits: [3, 4, 6, 8]}
        latency: {enabled: false}
        """.formatted(name, model));
    return cfg;
  }

  /** The trials under {@code out} are those of the same sweep run undisturbed in one JVM: every trial once. */
  private void assertSameRowsAsACleanLocalRun(Path cfg, Path out, String runId) {
    Path clean = dir.resolve(runId + "-clean");
    CliTestBase.Run local = CliTestBase.cli("sweep", "--config", cfg.toString(), "--out", clean.toString(), "--run-id", runId,
        "--master", "local[2]");
    assertThat(local.code()).as(local.err()).isZero();
    org.apache.spark.sql.SparkSession spark = CliTestBase.reader();
    try {
      String cols = "trial_id, status, accuracy, encoded_bytes, sparsity, pareto_rank";
      var a = io.modelpress.spark.ResultReader.table(spark, String.valueOf(out), "trials").selectExpr(cols.split(", ")).orderBy("trial_id").collectAsList();
      var b = io.modelpress.spark.ResultReader.table(spark, String.valueOf(clean), "trials").selectExpr(cols.split(", ")).orderBy("trial_id").collectAsList();
      assertThat(a).hasSize(25).isEqualTo(b);
    } finally {
      spark.stop();
    }
  }

  /** Starts a deploy/submit wrapper with {@code shim} as its spark-submit and the cluster jar. */
  private static Process wrapper(List<String> cmd, Path shim, Path jar, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_SUBMIT", shim.toString());
    pb.environment().put("MODELPRESS_JAR", jar.toString());
    pb.environment().put("SPARK_DRIVER_HOST", "127.0.0.1");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    return pb.start();
  }

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** Starts deploy/standalone/start's master and two 1-core workers in {@code cluster}; the master's port. */
  private int startCluster(Path cluster) throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve(cluster.getFileName() + "-start.log");
    Process start = new ProcessBuilder(ROOT.resolve("deploy/standalone/start").toString(), "--workers", "2",
        "--cores", "1", "--memory", "1g", "--port", String.valueOf(port), "--dir", cluster.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(start.waitFor(3, TimeUnit.MINUTES)).isTrue();
    String started = Files.readString(log);
    assertThat(start.exitValue()).as(started).isZero();
    assertThat(started.strip()).endsWith("spark://127.0.0.1:" + port);
    return port;
  }

  private static void stopCluster(Path cluster) throws Exception {
    new ProcessBuilder(ROOT.resolve("deploy/standalone/stop").toString(), "--dir", cluster.toString())
        .inheritIO().start().waitFor(1, TimeUnit.MINUTES);
  }

  /**
   * The command line of a client-mode spark-submit of the cluster jar's Cli with {@code args}. The classpath goes
   * in an argument file: spelled out jar by jar it is far longer than a distribution's {@code jars/*}, and ONNX
   * Runtime 1.29 crashes (SIGSEGV) in a process whose command line is longer than about 4 KB (the latency stage
   * runs it).
   */
  private static List<String> submitCommand(String sparkCp, String master, Path jar, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList(System.getProperty("modelpress.java17Opens").trim().split("\\s+")));
    Path cpFile = Files.createTempFile("spark-classpath", ".args");
    cpFile.toFile().deleteOnExit();
    Files.writeString(cpFile, "-cp \"" + sparkCp + "\"\n");
    cmd.addAll(List.of("@" + cpFile, "org.apache.spark.deploy.SparkSubmit", "--master", master,
        "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.executor.memory=900m", "--class", "io.modelpress.cli.Cli", jar.toString()));
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /** Runs a spark-submit command line to completion (5 minutes at most); its log, after asserting exit 0. */
  private String submit(List<String> cmd, String logName) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(logName).toFile());
    pb.environment().remove("CI"); // as a user's shell: a CI variable hides ONNX Runtime's long-command-line crash
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    Process p = pb.start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    String log = Files.readString(dir.resolve(logName), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as(log).isTrue();
    assertThat(p.exitValue()).as(log).isEqualTo(0);
    return log;
  }
}
