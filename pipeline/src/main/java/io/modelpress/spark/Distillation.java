package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.model.Dl4jModel;
import io.modelpress.model.Students;
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
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

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
   */
  public static float[] softTargets(SparkSession spark, String out, byte[] teacher, String teacherFingerprint,
      LabeledImages train, int classes, PrintStream log) {
    Path dir = new Path(new Path(new Path(out, ResultTables.SOFT_TARGETS), "teacher_fingerprint=" + teacherFingerprint),
        "dataset_fingerprint=" + train.fingerprintHex() + "-n" + train.count());
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    long t0 = System.nanoTime();
    boolean cached = exists(new Path(dir, "_SUCCESS"), conf);
    if (!cached) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<byte[]> model = jsc.broadcast(teacher);
      Broadcast<LabeledImages> data = jsc.broadcast(train);
      List<Integer> starts = new ArrayList<>();
      for (int s = 0; s < train.count(); s += CHUNK) {
        starts.add(s);
      }
      jsc.setJobDescription("modelpress: soft targets of " + train.count() + " training examples");
      JavaRDD<Row> rows = jsc.parallelize(starts, starts.size()).mapPartitions(new Logits(model, data));
      spark.createDataFrame(rows, SOFT_TARGETS_SCHEMA).write().mode(SaveMode.Overwrite).parquet(dir.toString());
      model.destroy();
      data.destroy();
    }
    float[] logits = new float[train.count() * classes];
    boolean[] seen = new boolean[train.count()];
    for (Row r : spark.read().schema(SOFT_TARGETS_SCHEMA).parquet(dir.toString()).collectAsList()) {
      int i = r.getInt(0);
      List<Float> z = r.getList(2);
      if (i < 0 || i >= train.count() || z.size() != classes || r.getInt(1) != train.labels()[i] || seen[i]) {
        throw new IllegalStateException(dir + " does not hold the soft targets of this training split (example " + i
            + "); delete it to recompute them");
      }
      seen[i] = true;
      for (int c = 0; c < classes; c++) {
        logits[i * classes + c] = z.get(c);
      }
    }
    for (int i = 0; i < seen.length; i++) {
      if (!seen[i]) {
        throw new IllegalStateException(dir + " has no soft targets for example " + i + "; delete it to recompute them");
      }
    }
    log.printf(Locale.ROOT, "soft targets: %d training examples %s %s in %.1f s%n", train.count(),
        cached ? "read from" : "computed on the executors and written to", ResultTables.show(dir),
        (System.nanoTime() - t0) / 1e9);
    return logits;
  }

  private static boolean exists(Path p, org.apache.hadoop.conf.Configuration conf) {
    try {
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * How data-parallel training splits the data: workers (partitions of each epoch), batches prefetched,
   * and whether the epoch's RDD holds the mini-batches themselves, built on the driver
   * ({@code driverBatches}: the naive way, kept so {@code bench distill} can measure what it costs).
   */
  public record Workers(int workers, int prefetch, boolean driverBatches) {
    /** One worker per task slot, 2 batches prefetched, batches built on the executors. */
    public static Workers of(SparkSession spark) {
      return new Workers(Math.max(1, spark.sparkContext().defaultParallelism()), 2, false);
    }
  }

  /**
   * Trains the students of {@code specs} one after another, each over the whole cluster; returns their
   * saved bytes keyed by {@link DistillSpec#key()} (deployable students with a softmax output).
   */
  public static Map<String, io.modelpress.sweep.TrialEvaluator.Pretrained> trainDataParallel(SparkSession spark,
      List<DistillSpec> specs, LabeledImages train, float[] teacherLogits, int classes, Workers workers,
      PrintStream log) {
    Map<String, io.modelpress.sweep.TrialEvaluator.Pretrained> out = new LinkedHashMap<>();
    for (DistillSpec d : specs) {
      long t0 = System.nanoTime();
      Dl4jModel student = trainOne(spark, d, train, teacherLogits, classes, workers, (epoch, seconds) ->
          log.printf(Locale.ROOT, "data-parallel %s T=%s α=%s seed %d: epoch %d of %d in %.1f s%n", d.student(),
              d.temperature(), d.alpha(), d.seed(), epoch, d.epochs(), seconds));
      double ms = (System.nanoTime() - t0) / 1e6;
      out.put(d.key(), new io.modelpress.sweep.TrialEvaluator.Pretrained(student.save(), ms));
      log.printf(Locale.ROOT, "data-parallel %s trained in %.1f s on %d workers%n", d.student(), ms / 1e3,
          workers.workers());
    }
    return out;
  }

  /**
   * One student trained with parameter averaging; {@code listener} hears of every epoch.
   *
   * <p>The training split and the soft targets are broadcast once; each epoch's RDD holds only the
   * shuffled example indices of its mini-batches, and the executors build the batches from what they
   * hold. (An RDD parallelized from a driver-side list of {@code DataSet}s carries its data inside every
   * task: parameter averaging runs one Spark job per averaging round, so each round re-shipped the whole
   * epoch, about 94 MB per task for MNIST, which made data-parallel training 2–3× slower than one JVM.)
   */
  public static Dl4jModel trainOne(SparkSession spark, DistillSpec d, LabeledImages train, float[] teacherLogits,
      int classes, Workers workers, Dl4jModel.EpochListener listener) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(d.batchSize())
        .batchSizePerWorker(d.batchSize())
        .averagingFrequency(d.averagingFrequency())
        .workerPrefetchNumBatches(workers.prefetch())
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .repartionData(Repartition.Never)
        .storageLevel(StorageLevel.MEMORY_ONLY())
        .collectTrainingStats(false)
        .saveUpdater(true)
        .rngSeed(d.trainingSeed())
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(Students.config(d, train.features(), classes));
    net.init();
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, net, tm);
    Broadcast<LabeledImages> data = jsc.broadcast(train);
    Broadcast<float[]> logits = jsc.broadcast(teacherLogits);
    try {
      java.util.Random rnd = new java.util.Random(d.trainingSeed());
      for (int epoch = 1; epoch <= d.epochs(); epoch++) {
        long t0 = System.nanoTime();
        List<int[]> batches = Students.epochOrder(train.count(), d.batchSize(), rnd.nextLong());
        jsc.setJobDescription("modelpress: data-parallel " + d.student() + " epoch " + epoch);
        JavaRDD<DataSet> rdd = workers.driverBatches()
            ? jsc.parallelize(batches.stream().map(e -> Students.batch(train, teacherLogits, classes, e)).toList(),
                workers.workers())
            : jsc.parallelize(batches, workers.workers())
                .map(examples -> Students.batch(data.value(), logits.value(), classes, examples));
        sparkNet.fit(rdd);
        rdd.unpersist(false); // the training master cached this epoch's batches
        listener.epochDone(epoch, (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      data.destroy();
      logits.destroy();
    }
    return Students.deployable(sparkNet.getNetwork());
  }

  /** The executor side of the soft-target stage: one chunk of examples per element. */
  private static final class Logits implements FlatMapFunction<Iterator<Integer>, Row> {
    private final Broadcast<byte[]> model;
    private final Broadcast<LabeledImages> data;

    Logits(Broadcast<byte[]> model, Broadcast<LabeledImages> data) {
      this.model = model;
      this.data = data;
    }

    @Override
    public Iterator<Row> call(Iterator<Integer> starts) {
      Dl4jModel teacher = Dl4jModel.restore(model.value());
      LabeledImages train = data.value();
      int k = teacher.outputSize();
      List<Row> out = new ArrayList<>();
      while (starts.hasNext()) {
        int from = starts.next();
        int to = Math.min(train.count(), from + CHUNK);
        float[] z = Students.logits(teacher, train, from, to, 1000);
        for (int i = from; i < to; i++) {
          out.add(RowFactory.create(i, train.labels()[i], java.util.Arrays.copyOfRange(z, (i - from) * k, (i - from + 1) * k)));
        }
      }
      return out.iterator();
    }
  }

}
