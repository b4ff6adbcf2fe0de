package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.spec.DistillSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark stages of knowledge distillation.
 *
 * <p><b>Soft targets</b>: the teacher's logits of every training example, computed in one distributed
 * stage (chunks of examples per task, the teacher broadcast as bytes) and stored in the
 * {@code soft_targets} table, partitioned by teacher and dataset fingerprint and keyed by
 * {@code example_index}; every later run with the same teacher and training split reads them back
 * instead. Logits rather than probabilities, so that any temperature can be applied.
 *
 * <p><b>Data-parallel students</b>: one student trained over the whole cluster with DL4J's
 * {@link ParameterAveragingTrainingMaster}: each epoch's shuffled mini-batches are split across the
 * executors; each executor fits its share and the parameters (and Adam's state) are averaged every
 * {@code averagingFrequency} mini-batches per worker.
 */
public final class Distillation {

  /** The columns of a soft-target file: {@link ResultSchemas#SOFT_TARGETS} but its partition columns. */
  static final StructType SOFT_TARGETS_SCHEMA = new StructType(java.util.Arrays.stream(ResultSchemas.SOFT_TARGETS.fields())
      .filter(f -> !f.name().endsWith("_fingerprint")).toArray(org.apache.spark.sql.types.StructField[]::new));

  /** Examples per soft-target task. */
  static final int CHUNK = 5_000;

  private Distillation() {}

  /**
   * The teacher's logits of every example of {@code train}, row-major [examples × classes]: read from
   * {@code out/soft_targets} when this teacher and training split are there, else computed on the
   * executors and written there first.
   *
   * <p>Runs that share the table may compute the same partition at once (a backfill beside the night's
   * run): each writes into a folder of its own under {@code soft_targets/_attempts/} (Spark's partition
   * discovery skips names starting with {@code _}) as one Parquet file, then renames that file to
   * {@code targets.parquet} in the partition unless another run's is there: a rename of one file never
   * nests (a folder renamed onto an existing folder would land inside it), is atomic on the local file
   * system and HDFS and a whole-object copy on S3, so no run deletes or half-overwrites what another
   * wrote; the values of every attempt are the same teacher's outputs.
   */
  public static float[] softTargets(SparkSession spark, String out, byte[] teacher, String teacherFingerprint,
      TrainingSplit train, int classes, PrintStream log) {
    Path table = new Path(out, ResultTables.SOFT_TARGETS);
    Path dir = new Path(new Path(table, "teacher_fingerprint=" + teacherFingerprint),
        "dataset_fingerprint=" + train.fingerprintHex() + "-n" + train.count());
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    long t0 = System.nanoTime();
    boolean cached = exists(new Path(dir, TARGETS), conf) || exists(new Path(dir, "_SUCCESS"), conf); // _SUCCESS: before 0.2
    Path read = dir;
    if (!cached) {
      Path attempt = new Path(new Path(table, "_attempts"), java.util.UUID.randomUUID().toString());
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<byte[]> model = jsc.broadcast(teacher);
      Broadcast<TrainingSplit> data = jsc.broadcast(train);
      try {
        // held whole: a task per chunk of examples; in pieces: a task per piece, which it reads once
        List<int[]> chunks = new ArrayList<>(); // piece, first example, end
        for (int p = 0; p < train.pieces(); p++) {
          int step = train.pieces() == 1 ? CHUNK : train.pieceCount(p);
          for (int s = 0; s < train.pieceCount(p); s += step) {
            chunks.add(new int[] {p, s, Math.min(train.pieceCount(p), s + step)});
          }
        }
        jsc.setJobDescription("modelpress: soft targets of " + train.count() + " training examples");
        JavaRDD<Row> rows = jsc.parallelize(chunks, chunks.size()).mapPartitions(new Logits(model, data));
        spark.createDataFrame(rows, SOFT_TARGETS_SCHEMA).repartition(1).write().mode(SaveMode.ErrorIfExists)
            .parquet(attempt.toString());
      } finally {
        model.destroy();
        data.destroy();
      }
      read = publish(attempt, dir, conf);
    }
    int n = Math.toIntExact(train.count());
    // the labels check that the table's rows are this split's examples, in its order (a stored split's pieces
    // are read for their labels only when the targets were not computed from them just now)
    int[] labels = train instanceof TrainingSplit.Whole w ? w.images().labels() : cached ? labels(train) : null;
    float[] logits = new float[n * classes];
    boolean[] seen = new boolean[n];
    for (Row r : spark.read().schema(SOFT_TARGETS_SCHEMA).parquet(read.toString()).collectAsList()) {
      int i = r.getInt(0);
      List<Float> z = r.getList(2);
      if (i < 0 || i >= n || z.size() != classes || (labels != null && r.getInt(1) != labels[i]) || seen[i]) {
        throw new IllegalArgumentException(ResultTables.show(read) + " does not hold the soft targets of this "
            + "training split (example " + i + "); delete that folder to compute them again");
      }
      seen[i] = true;
      for (int c = 0; c < classes; c++) {
        logits[i * classes + c] = z.get(c);
      }
    }
    for (int i = 0; i < seen.length; i++) {
      if (!seen[i]) {
        throw new IllegalArgumentException(ResultTables.show(read) + " has no soft targets for example " + i
            + "; delete that folder to compute them again");
      }
    }
    log.printf(Locale.ROOT, "soft targets: %d training examples %s %s in %.1f s%n", train.count(),
        cached ? "read from" : "computed on the executors and written to", ResultTables.show(dir),
        (System.nanoTime() - t0) / 1e9);
    return logits;
  }

  /** The labels of a stored split, read a piece at a time. */
  private static int[] labels(TrainingSplit train) {
    int[] out = new int[Math.toIntExact(train.count())];
    for (int p = 0; p < train.pieces(); p++) {
      System.arraycopy(train.piece(p).labels(), 0, out, (int) train.offset(p), train.pieceCount(p));
    }
    return out;
  }

  /** The one file of a soft-targets partition. */
  static final String TARGETS = "targets.parquet";

  /**
   * Renames a finished attempt's one file to {@code dir/targets.parquet} unless another run's is there
   * (then this attempt's values, the same, are dropped); returns {@code dir}.
   */
  private static Path publish(Path attempt, Path dir, org.apache.hadoop.conf.Configuration conf) {
    try {
      org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(conf);
      Publisher.movePart(fs, attempt, new Path(dir, TARGETS), false); // false: another run's file stands
      fs.delete(attempt, true);
      return dir;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + dir + ": " + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  private static boolean exists(Path p, org.apache.hadoop.conf.Configuration conf) {
    try {
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + ResultTables.show(p) + ": "
          + io.modelpress.data.StorageErrors.explain(e), e);
    }
  }

  /** Where data-parallel students are kept under an output root: {@code students/<hash>.zip} and {@code .json}. */
  public static final String STUDENTS = "students";
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * Trains the students of {@code specs} one after another, each over the whole cluster; returns their
   * saved bytes keyed by {@link DistillSpec#key()} (deployable students with a softmax output).
   *
   * <p>Parameter averaging depends on the number of workers and on the order their results arrive, so
   * a student trained again would not be the same network. Each one is therefore saved under
   * {@code out/students/} (keyed by its spec, the workers, the teacher and the training split) before any
   * trial uses it, and a resumed run, or any later run with the same student, loads it instead: every
   * trial chained on it, committed before an interruption or after, sees the same weights.
   */
  public static Map<String, io.modelpress.sweep.TrialEvaluator.Pretrained> trainDataParallel(SparkSession spark,
      String outDir, List<DistillSpec> specs, String teacherFingerprint, TrainingSplit train, float[] teacherLogits,
      int classes, DataParallelTrainer.Workers workers, PrintStream log) {
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    Map<String, io.modelpress.sweep.TrialEvaluator.Pretrained> out = new LinkedHashMap<>();
    for (DistillSpec d : specs) {
      String id = io.modelpress.model.ModelStore.hex(io.modelpress.model.ModelStore.sha256((d.key() + "/workers="
          + workers.workers() + "/teacher=" + teacherFingerprint + "/train=" + train.fingerprintHex() + "-n"
          + train.count()).getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 32);
      Path model = new Path(new Path(outDir, STUDENTS), id + ".zip");
      Path meta = new Path(new Path(outDir, STUDENTS), id + ".json");
      if (exists(meta, conf)) {
        double ms;
        try {
          ms = JSON.readTree(io.modelpress.model.ModelStore.read(meta.toString(), conf)).path("train_ms").asDouble();
        } catch (IOException e) {
          throw new IllegalArgumentException(ResultTables.show(meta) + " is not a student's record: " + e.getMessage()
              + "; delete it and " + ResultTables.show(model) + " to train the student again", e);
        }
        out.put(d.key(), new io.modelpress.sweep.TrialEvaluator.Pretrained(
            io.modelpress.model.ModelStore.read(model.toString(), conf), ms));
        log.printf(Locale.ROOT, "data-parallel %s T=%s α=%s seed %d: trained earlier, read from %s%n", d.student(),
            d.temperature(), d.alpha(), d.seed(), ResultTables.show(model));
        continue;
      }
      long t0 = System.nanoTime();
      io.modelpress.distill.HeldOut fit = io.modelpress.distill.HeldOut.of(d, train, teacherLogits, classes);
      Network student = DataParallelTrainer.train(spark, d, fit.fit(), fit.fitLogits(), classes, workers, (epoch, seconds) -> {
        long left = Math.round((System.nanoTime() - t0) / 1e9 / epoch * (d.epochs() - epoch)); // at the mean epoch
        log.printf(Locale.ROOT, "data-parallel %s T=%s α=%s seed %d: epoch %d of %d in %.1f s  ETA %dm%02ds%n",
            d.student(), d.temperature(), d.alpha(), d.seed(), epoch, d.epochs(), seconds, left / 60, left % 60);
      });
      double ms = (System.nanoTime() - t0) / 1e6;
      byte[] bytes = student.save();
      io.modelpress.model.ModelStore.write(bytes, model.toString(), conf);
      com.fasterxml.jackson.databind.node.ObjectNode record = JSON.createObjectNode();
      record.put("key", d.key());
      record.put("workers", workers.workers());
      record.put("teacher_fingerprint", teacherFingerprint);
      record.put("train_ms", ms);
      try { // written last: a record means its model is complete
        io.modelpress.model.ModelStore.write(JSON.writeValueAsBytes(record), meta.toString(), conf);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      out.put(d.key(), new io.modelpress.sweep.TrialEvaluator.Pretrained(bytes, ms));
      log.printf(Locale.ROOT, "data-parallel %s trained in %.1f s on %d workers, saved to %s%n", d.student(), ms / 1e3,
          workers.workers(), ResultTables.show(model));
    }
    return out;
  }

  /** The executor side of the soft-target stage: one chunk (piece, first example, end) per element. */
  private static final class Logits implements FlatMapFunction<Iterator<int[]>, Row> {
    private final Broadcast<byte[]> model;
    private final Broadcast<TrainingSplit> data;

    Logits(Broadcast<byte[]> model, Broadcast<TrainingSplit> data) {
      this.model = model;
      this.data = data;
    }

    @Override
    public Iterator<Row> call(Iterator<int[]> chunks) {
      Network teacher = Backends.dl4j().restore(model.value());
      TrainingSplit train = data.value();
      int k = teacher.outputSize();
      List<Row> out = new ArrayList<>();
      while (chunks.hasNext()) {
        int[] c = chunks.next();
        LabeledImages piece = train.piece(c[0]);
        int offset = (int) train.offset(c[0]);
        for (int from = c[1]; from < c[2]; from += CHUNK) {
          int to = Math.min(c[2], from + CHUNK);
          float[] z = teacher.logits(piece, from, to, 1000);
          for (int i = from; i < to; i++) {
            out.add(RowFactory.create(offset + i, piece.labels()[i],
                java.util.Arrays.copyOfRange(z, (i - from) * k, (i - from + 1) * k)));
          }
        }
      }
      return out.iterator();
    }
  }

}
