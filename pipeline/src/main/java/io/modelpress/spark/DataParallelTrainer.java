package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.dl4j.Dl4jStudents;
import io.modelpress.spec.DistillSpec;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Data-parallel training of a distillation student over the cluster with DL4J Spark's parameter
 * averaging (Zinkevich et al. 2010; McDonald et al. 2010): the one class outside the DL4J backend
 * ({@code io.modelpress.model.dl4j}) that imports DL4J, because DL4J Spark is where Spark and DL4J meet.
 */
public final class DataParallelTrainer {

  private DataParallelTrainer() {}

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
   * One student trained with parameter averaging; {@code listener} hears of every epoch.
   *
   * <p>The training split and the soft targets are broadcast once; each epoch's RDD holds only the
   * shuffled example indices of its mini-batches, and the executors build the batches from what they
   * hold. (An RDD parallelized from a driver-side list of {@code DataSet}s carries its data inside every
   * task: parameter averaging runs one Spark job per averaging round, so each round re-shipped the whole
   * epoch, about 94 MB per task for MNIST, which made data-parallel training 2–3× slower than one JVM.)
   */
  public static Network train(SparkSession spark, DistillSpec d, TrainingSplit split, float[] teacherLogits,
      int classes, Workers workers, Trainer.EpochListener listener) {
    LabeledImages train = split instanceof TrainingSplit.Whole w ? w.images() : null; // null: in pieces
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
    MultiLayerNetwork net = Dl4jStudents.network(d, split.features(), classes);
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, net, tm);
    boolean driver = workers.driverBatches() && train != null;
    Broadcast<LabeledImages> data = driver || train == null ? null : jsc.broadcast(train);
    Broadcast<TrainingSplit> pieces = train == null ? jsc.broadcast(split) : null;
    Broadcast<float[]> logits = driver ? null : jsc.broadcast(teacherLogits);
    try {
      java.util.Random rnd = new java.util.Random(d.trainingSeed());
      for (int epoch = 1; epoch <= d.epochs(); epoch++) {
        long t0 = System.nanoTime();
        long seed = rnd.nextLong();
        jsc.setJobDescription("modelpress: data-parallel " + d.student() + " epoch " + epoch);
        JavaRDD<DataSet> rdd;
        if (train == null) {
          // in pieces: the pieces in a shuffled order, each read and shuffled by the task that builds its batches
          int[] order = java.util.stream.IntStream.range(0, split.pieces()).toArray();
          java.util.Random r = new java.util.Random(seed);
          for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
          List<Integer> pieceOrder = java.util.Arrays.stream(order).boxed().toList();
          rdd = jsc.parallelize(pieceOrder, Math.min(workers.workers(), pieceOrder.size()))
              .flatMap(p -> Dl4jStudents.pieceBatches(pieces.value(), p, logits.value(), classes, d.batchSize(),
                  seed + p).iterator());
        } else {
          List<int[]> batches = Dl4jStudents.epochOrder(train.count(), d.batchSize(), seed);
          rdd = driver
              ? jsc.parallelize(batches.stream().map(e -> Dl4jStudents.batch(train, teacherLogits, classes, e)).toList(),
                  workers.workers())
              : jsc.parallelize(batches, workers.workers())
                  .map(examples -> Dl4jStudents.batch(data.value(), logits.value(), classes, examples));
        }
        try {
          sparkNet.fit(rdd);
        } finally {
          rdd.unpersist(false); // the training master cached this epoch's batches
        }
        listener.epochDone(epoch, (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      for (Broadcast<?> b : java.util.Arrays.asList(data, pieces, logits)) {
        if (b != null) {
          b.destroy();
        }
      }
    }
    return Dl4jStudents.deployable(sparkNet.getNetwork());
  }

}
