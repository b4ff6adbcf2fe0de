package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.sweep.EvaluatorPool;
import io.modelpress.sweep.TrialEvaluator;
import java.util.ArrayList;
import io.modelpress.compress.CompressedModel;
import scala.Tuple2;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;

/**
 * Per (shard, trial) pair: the trial's compressed model on the shard's examples, as per-class counts. Pairs
 * arrive shard by shard (the shards are the cartesian's outer side); one evaluator per shard, made in the
 * task and dropped after it, so an executor holds one shard at a time.
 */
final class CountShard implements org.apache.spark.api.java.function.PairFlatMapFunction<
    Iterator<Tuple2<Tuple2<Integer, LabeledImages>, Tuple2<Integer, io.modelpress.compress.CompressedModel>>>,
    Integer, ClassificationMetrics.Counts> {
  private final Broadcast<byte[]> model;
  private final Broadcast<LabeledImages> train;
  private final byte[] fingerprint;
  private final int batch;

  CountShard(Broadcast<byte[]> model, Broadcast<LabeledImages> train, byte[] fingerprint, int batch) {
    this.model = model;
    this.train = train;
    this.fingerprint = fingerprint;
    this.batch = batch;
  }

  @Override
  public Iterator<Tuple2<Integer, ClassificationMetrics.Counts>> call(
      Iterator<Tuple2<Tuple2<Integer, LabeledImages>, Tuple2<Integer, io.modelpress.compress.CompressedModel>>> pairs) {
    List<Tuple2<Integer, ClassificationMetrics.Counts>> out = new ArrayList<>();
    TrialEvaluator ev = null;
    int shard = -1;
    while (pairs.hasNext()) {
      var p = pairs.next();
      if (ev == null || p._1()._1() != shard) { // pairs come shard by shard: one evaluator per shard
        shard = p._1()._1();
        ev = EvaluatorPool.create(model.value(), p._1()._2(), train == null ? null : train.value(), fingerprint, batch);
      }
      out.add(new Tuple2<>(p._2()._1(), ev.counts(p._2()._2())));
    }
    return out.iterator();
  }
}
