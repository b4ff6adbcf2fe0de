package io.modelpress.jobs;

import io.modelpress.cli.Cli;
import io.modelpress.cli.SparkSessions;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SparkSession;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep that reads its model and MNIST from {@code s3a://} and writes its tables to {@code s3a://}, on
 * a real S3 server (S3Proxy, in-memory store) on loopback, run as its own process with the credentials in
 * the standard environment variables; then the tables are read back, the magic committer's manifests
 * checked, and the logs and every written object searched for the secret.
 */
class S3SweepTest {

  static final String BUCKET = "modelpress-test";
  static final String BAD = "modelpress-bad-input"; // the bad-input cases' own bucket: nothing else writes there
  static final String KEY = "mp-test-access";
  static final String SECRET = "mp-secret-" + UUID.randomUUID();

  @TempDir
  static Path dir;
  static S3Proxy proxy;
  static BlobStoreContext store;
  static String endpoint;

  @BeforeAll
  static void startS3() throws Exception {
    store = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
    store.getBlobStore().createContainerInLocation(null, BUCKET);
    store.getBlobStore().createContainerInLocation(null, BAD);
    proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET).build();
    proxy.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(proxy.getState()).isEqualTo("STARTED");
    endpoint = "http://127.0.0.1:" + proxy.getPort();
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (proxy != null) {
      proxy.stop();
    }
    if (store != null) {
      store.close();
    }
  }

  /** The S3A settings, without credentials (those come from the environment, as on a cluster). */
  static List<String> s3aSettings() {
    return List.of("fs.s3a.endpoint=" + endpoint, "fs.s3a.path.style.access=true",
        "fs.s3a.connection.ssl.enabled=false", "fs.s3a.change.detection.mode=none",
        // S3Proxy 1.9.0 does not list multipart uploads, which the committers only do to warn about or
        // abort stale uploads: fail those calls fast instead of retrying for minutes
        "fs.s3a.retry.limit=1", "fs.s3a.retry.interval=50ms", "fs.s3a.attempts.maximum=1",
        "fs.s3a.committer.abort.pending.uploads=false");
  }

  static Configuration hadoop() {
    Configuration c = new Configuration();
    for (String s : s3aSettings()) {
      c.set(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
    }
    c.set("fs.s3a.access.key", KEY);
    c.set("fs.s3a.secret.key", SECRET);
    c.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    return c;
  }

  static void put(FileSystem fs, String to, byte[] bytes) throws Exception {
    try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(to), true)) {
      out.write(bytes);
    }
  }

  /** Uploads MNIST {@code files} to {@code root/data/mnist/} and an mlp-64-64 trained with {@code seed} to {@code root/models/}. */
  static void upload(FileSystem fs, String root, List<String> files, String model, long seed) throws Exception {
    Path mnist = Path.of(Datasets.cacheDir(), "data", "mnist");
    for (String f : files) {
      put(fs, root + "/data/mnist/" + f, Files.readAllBytes(mnist.resolve(f)));
    }
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 3000, 0), new Configuration());
    put(fs, root + "/models/" + model,
        Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, seed), train, (e, s) -> { }).save());
  }

  /** A local Spark session that reads the S3 server's tables. */
  static SparkSession reader() {
    SparkSession spark = CliTestBase.reader();
    hadoop().forEach(e -> {
      if (e.getKey().startsWith("fs.s3a.")) {
        spark.sparkContext().hadoopConfiguration().set(e.getKey(), e.getValue());
      }
    });
    return spark;
  }

  /** The command line of the CLI in a JVM of its own, with the S3A settings for {@code endpointUrl}. */
  static List<String> cli(String endpointUrl, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(Arrays.asList(SparkSessions.JAVA17_OPENS.split(" ")));
    for (String s : s3aSettings()) {
      cmd.add("-Dspark.hadoop." + s.replace(endpoint, endpointUrl));
    }
    cmd.addAll(List.of(CliTestBase.classpathArgument(), "io.modelpress.cli.Cli"));
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /**
   * Runs {@code cmd} (a {@link #cli} line) with the credentials in the standard environment variables, as
   * on a cluster, its output in {@code log}; fails when it does not end within 5 minutes. Returns its exit code.
   */
  static int runWithCredentials(List<String> cmd, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("AWS_ACCESS_KEY_ID", KEY); // the standard S3A credential chain reads these
    pb.environment().put("AWS_SECRET_ACCESS_KEY", SECRET);
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    boolean finished = p.waitFor(5, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    assertThat(finished).as(Files.readString(log)).isTrue();
    return p.exitValue();
  }

  /** A sweep of the S3 test's shape as its own process: exit code and output. */
  static CliTestBase.Run sweepProcess(String root, String endpointUrl, String key, String secret, String name)
      throws Exception {
    Path cfg = dir.resolve(name + ".yaml");
    Files.writeString(cfg, """
        version: 1
        name: s3-bad
        model: {path: "%s/models/mlp.zip"}
        dataset: {name: mnist, dir: "%s/data/mnist", test-limit: 1000}
        search:
          - quantize: {bits: [8]}
        latency: {enabled: false}
        """.formatted(root, root));
    List<String> cmd = cli(endpointUrl, "sweep", "--config", cfg.toString(), "--out", root + "/out-" + name, "--run-id",
        "bad", "--master", "local[1]");
    Path log = Path.of("target", "s3-" + name + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(log.toFile())
        .redirectError(Path.of("target", "s3-" + name + ".err").toFile());
    pb.environment().put("AWS_ACCESS_KEY_ID", key);
    pb.environment().put("AWS_SECRET_ACCESS_KEY", secret);
    Process p = pb.start();
    boolean finished = p.waitFor(3, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    String err = Files.readString(Path.of("target", "s3-" + name + ".err"));
    assertThat(finished).as(err).isTrue();
    return new CliTestBase.Run(p.exitValue(), Files.readString(log), err);
  }

  /** Parquet on S3 (issue #20): written to the S3 server by Spark, read back through s3a:// value for value. */
  @Test
  void parquetOnS3ReadsBackAsTheIdxValues() throws Exception {
    LabeledImages idx = Datasets.test(new DatasetSpec("mnist", "", 0, 500), new Configuration());
    SparkSession spark = reader();
    String root = "s3a://" + BUCKET + "/own-data";
    io.modelpress.spark.DataWriter.parquet(spark, idx, root + "/train.parquet");
    io.modelpress.spark.DataWriter.parquet(spark, idx, root + "/test.parquet");
    DatasetSpec spec = new DatasetSpec("parquet", "", "", root + "/train.parquet", root + "/test.parquet", "pixels", "",
        "label", List.of(1, 28, 28), 0, java.util.Optional.empty(), false, 0, 0);
    LabeledImages read = io.modelpress.spark.DataReader.test(spark, spec);
    assertThat(read.pixels()).isEqualTo(idx.pixels());
    assertThat(read.labels()).isEqualTo(idx.labels());
    assertThat(read.classes()).isEqualTo(idx.maxLabel() + 1);
  }

  @Test
  void s3MistakesAreOneLineExitTwoAndWriteNothing() throws Exception {
    FileSystem fs = new org.apache.hadoop.fs.Path("s3a://" + BAD + "/").getFileSystem(hadoop());
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 2000, 0), new Configuration());
    put(fs, "s3a://" + BAD + "/models/mlp.zip",
        Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 2), train, (e, s) -> { }).save());
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort(); // nothing listens there once the socket is closed
    }
    String wrongSecret = "wrong-" + UUID.randomUUID();
    record Case(String name, String root, String endpoint, String secret, String message) {}
    String bucket = "no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8);
    String out = "'--out' is set to s3a://";
    for (Case c : List.of(
        new Case("unreachable", "s3a://" + BAD, "http://127.0.0.1:" + closed, SECRET, out + BAD
            + "/out-unreachable which cannot be reached: the store does not answer (connect to 127.0.0.1:" + closed
            + " failed: Connection refused); check fs.s3a.endpoint and that the store is up"),
        new Case("credentials", "s3a://" + BAD, endpoint, wrongSecret, out + BAD + "/out-credentials which "
            + "cannot be reached: S3 refused the request (403 access denied); check the credentials (AWS_ACCESS_KEY_ID "
            + "and AWS_SECRET_ACCESS_KEY, or fs.s3a.access.key and fs.s3a.secret.key) and the bucket's policy"),
        new Case("bucket", "s3a://" + bucket, endpoint, SECRET, out + bucket + "/out-bucket which cannot be reached: "
            + "bucket '" + bucket + "' does not exist (404 NoSuchBucket); create it or fix the path"))) {
      CliTestBase.Run r = sweepProcess(c.root(), c.endpoint(), KEY, c.secret(), c.name());
      assertThat(r.code()).as(c.name() + ": " + r.err()).isEqualTo(2);
      List<String> lines = r.err().lines().filter(l -> l.startsWith("modelpress: ")).toList();
      assertThat(lines).as(r.err()).hasSize(1);
      assertThat(lines.get(0)).as(c.name()).isEqualTo("modelpress: error: " + c.message());
      assertThat(r.out() + r.err()).doesNotContain(SECRET).doesNotContain(wrongSecret);
    }
    // nothing written: no output folder in the bucket that exists, and the missing bucket was not created
    for (String name : List.of("unreachable", "credentials")) {
      assertThat(fs.exists(new org.apache.hadoop.fs.Path("s3a://" + BAD + "/out-" + name))).as(name).isFalse();
    }
    assertThat(store.getBlobStore().containerExists(bucket)).isFalse();
  }

  @Test
  void aSweepReadsAndWritesS3AndNeverShowsTheSecret() throws Exception {
    Configuration conf = hadoop();
    String root = "s3a://" + BAD;
    FileSystem fs = new org.apache.hadoop.fs.Path(root + "/").getFileSystem(conf);
    // the test split and a trained model, uploaded
    upload(fs, root, List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), "mlp.zip", 1);
    Path cfg = dir.resolve("s3.yaml");
    Files.writeString(cfg, """
        version: 1
        name: s3-sweep
        model: {path: "%s/models/mlp.zip"}
        dataset: {name: mnist, dir: "%s/data/mnist", test-limit: 1000}
        search:
          - name: prune
            prune: {scope: global, sparsities: [0.5, 0.9]}
          - name: quant
            quantize: {bits: [4, 8]}
        latency: {runs: 30}
        """.formatted(root, root));

    List<String> cmd = cli(endpoint, "sweep", "--config", cfg.toString(), "--out", root + "/out", "--run-id", "s3run",
        "--master", "local[2]");
    Path log = Path.of("target", "s3-sweep.log"); // kept for a failed run
    int exit = runWithCredentials(cmd, log);
    String output = Files.readString(log);
    assertThat(exit).as(output).isZero();
    assertThat(output).contains("modelpress sweep 's3-sweep' finished: run s3run", "5 ok, 0 failed");

    SparkSession spark = reader();
    try {
      var trials = io.modelpress.spark.ResultReader.table(spark, root + "/out", "trials").where("run_id = 's3run'");
      assertThat(trials.count()).isEqualTo(5);
      assertThat(trials.where("status = 'ok' and latency_b1_p50_ms > 0").count()).isEqualTo(5);
      assertThat(spark.read().parquet(root + "/out/frontier").where("run_id = 's3run'").count()).isPositive();
      assertThat(spark.read().parquet(root + "/out/device_estimates").where("run_id = 's3run'").count()).isEqualTo(20);
      var run = spark.read().parquet(root + "/out/runs").where("run_id = 's3run'").first();
      assertThat(run.<String>getAs("model")).isEqualTo(root + "/models/mlp.zip");
    } finally {
      spark.stop();
    }
    // every table was committed by the S3A magic committer: its _SUCCESS is a JSON manifest naming it
    for (String table : List.of("trials", "frontier", "device_estimates", "runs")) {
      byte[] success = fs.open(new org.apache.hadoop.fs.Path(root + "/out/" + table + "/run_id=s3run/_SUCCESS"))
          .readAllBytes();
      assertThat(new String(success, StandardCharsets.UTF_8)).as(table).contains("\"committer\"", "magic");
    }
    // the secret is in no log line and no object the sweep wrote
    assertThat(output).doesNotContain(SECRET);
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(new org.apache.hadoop.fs.Path(root + "/out"), true);
    int n = 0;
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      byte[] bytes = fs.open(f.getPath()).readAllBytes();
      assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).as(f.getPath().toString()).doesNotContain(SECRET);
      n++;
    }
    assertThat(n).as("parquet files and _SUCCESS manifests of 4 tables").isGreaterThanOrEqualTo(8);
  }

  /**
   * A sweep on S3 (magic committer) killed in the middle of committing its last batch (the file staged,
   * not yet published), then resumed: its tables hold exactly the rows of an uninterrupted run on S3, each trial
   * once, read with Spark and with parquet-mr.
   */
  @Test
  void aKilledS3SweepResumesToTheRowsOfAnUninterruptedRun() throws Exception {
    Configuration conf = hadoop();
    String root = "s3a://" + BUCKET + "/crash";
    FileSystem fs = new org.apache.hadoop.fs.Path(root + "/").getFileSystem(conf);
    upload(fs, root, List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), "mlp.zip", 2);
    Path cfg = dir.resolve("s3-crash.yaml");
    Files.writeString(cfg, """
        version: 1
        name: s3-crash
        model: {path: "%s/models/mlp.zip"}
        dataset: {name: mnist, dir: "%s/data/mnist", test-limit: 500}
        search:
          - name: prune
            prune: {scope: global, sparsities: [0.5, 0.9]}
          - name: quant
            quantize: {bits: [4, 8]}
        latency: {enabled: false}
        """.formatted(root, root));
    java.util.function.BiFunction<String, String, Integer> sweep = (out, crashAt) -> {
      List<String> cmd = cli(endpoint, "sweep", "--config", cfg.toString(), "--out", out, "--run-id", "k",
          "--master", "local[2]", "--commit-every", "2");
      if (crashAt != null) {
        cmd.add(1, "-Dmodelpress.test.crashAt=" + crashAt);
      }
      try {
        return runWithCredentials(cmd, Path.of("target", "s3-crash-" + (crashAt == null ? "none" : crashAt) + ".log"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertThat(sweep.apply(root + "/clean", null)).isZero();
    // killed with its third (last) batch committed by the magic committer into staging, not yet published
    assertThat(sweep.apply(root + "/out", "publish.staged@3")).isEqualTo(137);
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(root + "/out/runs/run_id=k"))).isFalse();
    assertThat(fs.listStatus(new org.apache.hadoop.fs.Path(root + "/out/trials/run_id=k"))).as("two batches")
        .filteredOn(f -> f.getPath().getName().endsWith(".parquet")).hasSize(2);
    assertThat(sweep.apply(root + "/out", null)).isZero();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(root + "/out/_modelpress/runs/run_id=k/staging"))
        && fs.listStatus(new org.apache.hadoop.fs.Path(root + "/out/_modelpress/runs/run_id=k/staging")).length > 0)
        .as("staging cleared").isFalse();

    SparkSession spark = reader();
    try {
      String cols = "trial_id, status, accuracy, accuracy_drop, encoded_bytes, sparsity, pareto_rank, knee";
      var a = io.modelpress.spark.ResultReader.table(spark, root + "/out", "trials").where("run_id = 'k'")
          .selectExpr(cols.split(", ")).orderBy("trial_id").collectAsList();
      var b = io.modelpress.spark.ResultReader.table(spark, root + "/clean", "trials").where("run_id = 'k'")
          .selectExpr(cols.split(", ")).orderBy("trial_id").collectAsList();
      assertThat(b).hasSize(5);
      assertThat(a).isEqualTo(b);
      assertThat(spark.read().parquet(root + "/out/runs").where("run_id = 'k'").count()).isEqualTo(1);
    } finally {
      spark.stop();
    }
    // a plain Parquet reader over the trial files: each trial once, three batch files
    List<String> ids = new ArrayList<>();
    int files = 0;
    for (FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path(root + "/out/trials/run_id=k"))) {
      if (!f.getPath().getName().endsWith(".parquet")) {
        continue;
      }
      files++;
      try (org.apache.parquet.hadoop.ParquetReader<org.apache.parquet.example.data.Group> r =
          org.apache.parquet.hadoop.ParquetReader.builder(new org.apache.parquet.hadoop.example.GroupReadSupport(),
              f.getPath()).withConf(conf).build()) {
        for (var g = r.read(); g != null; g = r.read()) {
          ids.add(g.getString("trial_id", 0));
        }
      }
    }
    assertThat(files).isEqualTo(3);
    assertThat(ids).hasSize(5).doesNotHaveDuplicates();
  }

  /**
   * Distillation with everything on {@code s3a://}: the training split and the teacher read from the
   * bucket, the soft-target table (written into an attempt folder, then renamed) and the data-parallel
   * student's files written there, and a second run reading both back. The credentials come this time
   * as Spark settings ({@code spark.hadoop.fs.s3a.*}), the other way a user passes them: the secret is in
   * no log line and no object either.
   */
  @Test
  void aDistillationKeepsItsSoftTargetsAndStudentsOnS3() throws Exception {
    Configuration conf = hadoop();
    String root = "s3a://" + BUCKET + "/kd";
    FileSystem fs = new org.apache.hadoop.fs.Path(root + "/").getFileSystem(conf);
    upload(fs, root, List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte"), "teacher.zip", 4);
    Path cfg = dir.resolve("s3-distill.yaml");
    Files.writeString(cfg, """
        version: 1
        name: s3-distill
        model: {path: "%s/models/teacher.zip"}
        dataset: {name: mnist, dir: "%s/data/mnist", train-limit: 2000, test-limit: 1000}
        latency: {enabled: false}
        search:
          - name: tasks
            distill: {students: [mlp-16], temperatures: [4], alphas: [0.5], epochs: 1, batch-size: 32, validation: 0}
          - name: data
            distill: {students: [mlp-24], temperatures: [4], alphas: [0.5], epochs: 1, batch-size: 32,
                      parallelism: data, averaging-frequency: 4, baselines: false, validation: 0}
        """.formatted(root, root));
    String first = distillProcess(cfg, root + "/out", "kd1");
    // base, mlp-16's hard-label baseline and distilled student, the data-parallel mlp-24
    assertThat(first).contains("soft targets: 2000 training examples computed on the executors", "4 ok, 0 failed");
    String second = distillProcess(cfg, root + "/out", "kd2");
    assertThat(second).contains("soft targets: 2000 training examples read from " + root + "/out/soft_targets",
        "data-parallel mlp-24 T=4.0 α=0.5 seed 0: trained earlier, read from " + root + "/out/students/", "4 ok, 0 failed");

    SparkSession spark = reader();
    try {
      var soft = spark.read().parquet(root + "/out/soft_targets");
      assertThat(soft.count()).isEqualTo(2000);
      assertThat(soft.select("example_index").distinct().count()).isEqualTo(2000);
      var rows = io.modelpress.spark.ResultReader.table(spark, root + "/out", "trials").where("distill_student is not null");
      assertThat(rows.where("status = 'ok' and accuracy > 0.5").count()).isEqualTo(6);
      // the second run trained the same students to the same accuracies
      assertThat(rows.groupBy("trial_id").agg(org.apache.spark.sql.functions.countDistinct("accuracy").as("n"))
          .where("n != 1").count()).isZero();
    } finally {
      spark.stop();
    }
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(root + "/out/soft_targets/_attempts"))
        && fs.listStatus(new org.apache.hadoop.fs.Path(root + "/out/soft_targets/_attempts")).length > 0)
        .as("no attempt left behind").isFalse();
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(new org.apache.hadoop.fs.Path(root + "/out"), true);
    int students = 0;
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      students += f.getPath().toString().contains("/out/students/") ? 1 : 0;
      assertThat(new String(fs.open(f.getPath()).readAllBytes(), StandardCharsets.ISO_8859_1)).as(f.getPath().toString())
          .doesNotContain(SECRET);
    }
    assertThat(students).as("the data-parallel student's network and training record").isGreaterThanOrEqualTo(2);
    assertThat(first + second).doesNotContain(SECRET);
  }

  /** {@code modelpress distill} of {@code cfg} as its own process with the credentials as Spark settings; its log. */
  private static String distillProcess(Path cfg, String out, String runId) throws Exception {
    List<String> cmd = cli(endpoint, "distill", "--config", cfg.toString(), "--out", out, "--run-id", runId,
        "--master", "local[2]");
    cmd.add(1, "-Dspark.hadoop.fs.s3a.access.key=" + KEY);
    cmd.add(1, "-Dspark.hadoop.fs.s3a.secret.key=" + SECRET);
    Path log = Path.of("target", "s3-" + runId + ".log"); // kept for a failed run
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("AWS_ACCESS_KEY_ID");
    pb.environment().remove("AWS_SECRET_ACCESS_KEY");
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    boolean finished = p.waitFor(5, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(finished).as(output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }
}
