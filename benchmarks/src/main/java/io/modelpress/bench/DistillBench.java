package io.modelpress.bench;

import io.modelpress.spec.Defaults;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.dl4j.Dl4jStudents;
import io.modelpress.spark.DataParallelTrainer;
import io.modelpress.spark.Distillation;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrainSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import io.modelpress.cli.SparkSessions;
import io.modelpress.jobs.ModelFiles;
import io.modelpress.jobs.SweepRun;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelpress bench distill}: the costs of distillation, measured side by side in one JVM.
 *
 * <ol>
 *   <li><b>Data-parallel vs one JVM</b>: epochs of one student (default 784-1200-1200-10, T=4, α=0.5)
 *       trained on one JVM with every core to ND4J, then with DL4J's parameter averaging on
 *       {@code local[N]} (one ND4J thread per worker) for each averaging frequency, and once with the
 *       naive epoch RDD (mini-batches built on the driver, so they travel inside every task); seconds per
 *       epoch and test accuracy of each.
 *   <li><b>Task-parallel sweep efficiency</b>: the same distillation sweep of many small students
 *       ({@code --task-students} replicas of {@code --task-student}) run on {@code local[1]} and on
 *       {@code local[2]} (one ND4J thread per task) through the sweep job itself, after an untimed
 *       warm-up that computes the soft targets, in the order 1, 2, 2, 1; efficiency = t(local[1]) /
 *       (2 · t(local[2])) over the evaluation stage.
 * </ol>
 * The teacher's logits come from the cached zoo teacher ({@code --teacher}, default mlp-64-64).
 * Writes {@code <out>/distill-<time>.json} and prints a Markdown table.
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
    description = "Data-parallel vs single-JVM distillation, and task-parallel efficiency.")
final class DistillBench implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--student", paramLabel = "NAME", defaultValue = "mlp-1200-1200", description = "the data-parallel "
      + "student; default: ${DEFAULT-VALUE}")
  String student;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "2", description = "default: ${DEFAULT-VALUE}")
  int epochs;

  @Option(names = "--averaging", paramLabel = "LIST", defaultValue = "16,32,64", description = "averaging "
      + "frequencies; default: ${DEFAULT-VALUE}")
  String averaging;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "default: ${DEFAULT-VALUE}")
  int workers;

  @Option(names = "--teacher", paramLabel = "NAME", defaultValue = "mlp-64-64", description = "default: "
      + "${DEFAULT-VALUE}")
  String teacherZoo;

  @Option(names = "--task-students", paramLabel = "N", defaultValue = "8", description = "default: ${DEFAULT-VALUE}")
  int taskStudents;

  @Option(names = "--task-epochs", paramLabel = "N", defaultValue = "2", description = "default: ${DEFAULT-VALUE}")
  int taskEpochs;

  @Option(names = "--task-student", paramLabel = "NAME", defaultValue = "mlp-100", description = "default: "
      + "${DEFAULT-VALUE}")
  String taskStudent;

  @Option(names = "--skip", paramLabel = "LIST", defaultValue = "", description = "scenarios to skip: dp, naive, task")
  String skipArg;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "default: "
      + "${DEFAULT-VALUE}")
  String outArg;

  private final PrintStream out;

  DistillBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws IOException {
    List<Integer> freqs = new ArrayList<>();
    for (String f : averaging.split(",")) {
      freqs.add(Integer.parseInt(f.trim()));
    }
    Set<String> skip = Set.of(skipArg.split(","));
    Path outDir = Path.of(outArg);

    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode report = json.createObjectNode();
    report.put("command", "bin/modelpress bench distill --student " + student + " --epochs " + epochs
        + " --averaging " + averaging + " --workers " + workers);
    report.put("date", Instant.now().toString());
    report.put("cpus", Runtime.getRuntime().availableProcessors());
    report.put("java", System.getProperty("java.version"));
    report.put("code_version", io.modelpress.model.Versions.code());
    List<String> md = new ArrayList<>();
    md.add("| scenario | seconds per epoch (each epoch) | test accuracy | note |");
    md.add("|---|---|---|---|");

    DatasetSpec mnist = new DatasetSpec("mnist", "", 0, 0);
    Configuration hadoop = new Configuration();
    LabeledImages train = Datasets.train(mnist, hadoop);
    LabeledImages test = Datasets.test(mnist, hadoop);
    byte[] teacherBytes = ModelFiles.bytes(new ModelSpec.Zoo(teacherZoo, new TrainSpec(Defaults.TRAIN_EPOCHS,
        Defaults.TRAIN_BATCH_SIZE, Defaults.TRAIN_LEARNING_RATE, 42)), "mnist", () -> train, Backends.dl4j(), hadoop, out);
    Network teacher = Backends.dl4j().restore(teacherBytes);
    float[] logits = teacher.logits(train, 0, train.count(), 1000);
    report.put("teacher", teacherZoo);
    report.put("teacher_accuracy", accuracy(teacher, test));

    if (!skip.contains("dp")) {
      DistillSpec d = new DistillSpec(student, 4, 0.5, epochs, 1e-3, 128, 0, DistillSpec.Parallelism.TASK);
      int cores = Runtime.getRuntime().availableProcessors();
      for (int threads : cores > 1 ? new int[] {cores, 1} : new int[] {1}) {
        threads(threads);
        List<Double> secs = new ArrayList<>();
        Network s = Backends.dl4j().trainer().student(d, train, logits, Datasets.CLASSES, (e, sec) -> secs.add(sec));
        String key = "single_jvm_" + threads + "_threads";
        record(md, report, key, "one JVM, " + threads + " ND4J thread(s), " + student, secs, accuracy(s, test), "");
        out.printf(Locale.ROOT, "%s: %s s/epoch%n", key, secs);
      }
      threads(1); // one per worker: the workers are the parallelism
      SparkSession spark = SparkSessions.create("modelpress bench distill", "local[" + workers + "]");
      try {
        if (!skip.contains("naive")) { // the naive way first: mini-batches built on the driver travel inside every task
          List<Double> secs = new ArrayList<>();
          int f = freqs.get(0);
          DistillSpec dp = new DistillSpec(student, 4, 0.5, epochs, 1e-3, 128, 0, DistillSpec.Parallelism.DATA, f);
          Network s = DataParallelTrainer.train(spark, dp, io.modelpress.data.TrainingSplit.of(train), logits, Datasets.CLASSES,
              new DataParallelTrainer.Workers(workers, 2, true), (e, sec) -> secs.add(sec));
          String key = "data_parallel_local" + workers + "_avg" + f + "_driver_batches";
          record(md, report, key, "parameter averaging, local[" + workers + "], every " + f + " batches, " + student
              + ", batches built on the driver (naive)", secs, accuracy(s, test), "1 ND4J thread per worker");
          out.printf(Locale.ROOT, "%s: %s s/epoch%n", key, secs);
        }
        for (int f : freqs) {
          List<Double> secs = new ArrayList<>();
          DistillSpec dp = new DistillSpec(student, 4, 0.5, epochs, 1e-3, 128, 0, DistillSpec.Parallelism.DATA, f);
          Network s = DataParallelTrainer.train(spark, dp, io.modelpress.data.TrainingSplit.of(train), logits, Datasets.CLASSES,
              new DataParallelTrainer.Workers(workers, 2, false), (e, sec) -> secs.add(sec));
          String key = "data_parallel_local" + workers + "_avg" + f;
          record(md, report, key, "parameter averaging, local[" + workers + "], every " + f + " batches, " + student,
              secs, accuracy(s, test), "1 ND4J thread per worker");
          out.printf(Locale.ROOT, "%s: %s s/epoch%n", key, secs);
        }
      } finally {
        spark.stop();
      }
    }

    if (!skip.contains("task")) {
      threads(1);
      String yaml = String.join("\n",
          "version: 1",
          "name: bench-distill-tasks",
          "model: {zoo: " + teacherZoo + "}",
          "dataset: mnist",
          "latency: {enabled: false}",
          "search:",
          "  - distill:",
          "      students: [" + taskStudent + "]",
          "      temperatures: [4]",
          "      alphas: [0.5]",
          "      seeds: " + taskStudents,
          "      epochs: " + taskEpochs,
          "      baselines: false",
          "");
      SweepSpec spec = SweepConfigParser.parse(yaml, "bench distill tasks");
      Path scratch = Files.createTempDirectory("modelpress-bench-distill");
      // untimed: computes the soft targets (every timed run then reads them) and warms the JIT
      SweepSpec warm = SweepConfigParser.parse(yaml.replace("seeds: " + taskStudents, "seeds: 2"), "bench warm-up");
      timedSweep(warm, "local[2]", scratch, "warm-up");
      // A B B A: local[1], local[2], local[2], local[1], so drift on a shared machine hits both alike
      double[] wall = new double[2];
      int n = 0;
      for (int m : new int[] {1, 2, 2, 1}) {
        double sec = timedSweep(spec, "local[" + m + "]", scratch, "tasks-" + (n++) + "-local" + m);
        wall[m - 1] += sec / 2;
        out.printf(Locale.ROOT, "task-parallel local[%d]: %.1f s for %d students%n", m, sec, taskStudents);
      }
      double efficiency = wall[0] / (2 * wall[1]);
      report.put("task_parallel_local1_s", wall[0]);
      report.put("task_parallel_local2_s", wall[1]);
      report.put("task_parallel_efficiency", efficiency);
      md.add(String.format(Locale.ROOT, "| task-parallel sweep, %d × %s students, %d epoch(s) | local[1] %.1f s, "
          + "local[2] %.1f s | | efficiency %.0f %% |", taskStudents, taskStudent, taskEpochs, wall[0], wall[1],
          100 * efficiency));
    }

    BenchJob.writeReport(outDir, "distill", json, report, md, out);
    return 0;
  }

  /** The evaluation seconds of one run of {@code spec} on {@code master} (its own run id under {@code scratch}). */
  private static double timedSweep(SweepSpec spec, String master, Path scratch, String runId) {
    SparkSession spark = SparkSessions.create("modelpress bench distill", master);
    try {
      return SweepRun.execute(spark, spec, new SweepRun.Options(scratch.toString(), runId, false, Instant.now(), 0,
          Integer.MAX_VALUE, false), new PrintStream(PrintStream.nullOutputStream())).evalSeconds();
    } finally {
      spark.stop();
    }
  }

  private static void threads(int n) {
    Backends.dl4j().threads(n);
  }

  private static double accuracy(Network m, LabeledImages test) {
    return ClassificationMetrics.of(test.labels(), m.predict(m.inputs(test), 1000), Datasets.CLASSES).accuracy();
  }

  private static void record(List<String> md, ObjectNode report, String key, String label, List<Double> secs,
      double accuracy, String note) {
    ObjectNode n = report.putObject(key);
    secs.forEach(n.putArray("epoch_seconds")::add);
    n.put("accuracy", accuracy);
    md.add(String.format(Locale.ROOT, "| %s | %s | %.2f %% | %s |", label,
        secs.stream().map(s -> String.format(Locale.ROOT, "%.1f", s)).toList(), 100 * accuracy, note));
  }
}
