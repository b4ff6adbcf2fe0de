package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.sweep.EvaluatorPool;
import io.modelpress.sweep.TrialEvaluator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * Per (shard, trial) pair: the trial's compressed model on the shard's examples, reduced by {@code f} (per-class
 * counts for a sweep, per-example sums for a sensitivity run). Pairs arrive shard by shard (the shards are the
 * cartesian's outer side); one evaluator per shard, made in the task and dropped after it, so an executor holds
 * one shard at a time.
 *
 * @param <M> a trial's model as the pairs carry it (the compressed model, with a student's architecture)
 * @param <R> what a pair gives, keyed by the trial's index
 */
final class ShardTask<M, R> implements org.apache.spark.api.java.function.PairFlatMapFunction<
    Iterator<Tuple2<Tuple2<Integer, LabeledImages>, Tuple2<Integer, M>>>, Integer, R> {

  /** What a shard gives for one trial's model: its evaluator holds the shard's examples. */
  @FunctionalInterface
  interface ShardFunction<M, R> extends java.io.Serializable {
    R apply(TrialEvaluator shardEvaluator, int shard, M model);
  }

  /** Where each shard's examples start in the split, by shard number, and the split's size. */
  record Offsets(java.util.HashMap<Integer, Integer> first, int total) {}

  /** The {@link Offsets} of a split's shards: they are numbered in the split's order. */
  static Offsets offsets(org.apache.spark.api.java.JavaPairRDD<Integer, LabeledImages> shards) {
    java.util.HashMap<Integer, Integer> first = new java.util.HashMap<>();
    int n = 0;
    for (var e : new java.util.TreeMap<>(shards.mapValues(LabeledImages::count).collectAsMap()).entrySet()) {
      first.put(e.getKey(), n);
      n += e.getValue();
    }
    return new Offsets(first, n);
  }

  private final Broadcast<byte[]> model;
  private final Broadcast<TrainingSplit> train;
  private final byte[] fingerprint;
  private final int batch;
  private final ShardFunction<M, R> f;

  ShardTask(Broadcast<byte[]> model, Broadcast<TrainingSplit> train, byte[] fingerprint, int batch,
      ShardFunction<M, R> f) {
    this.model = model;
    this.train = train;
    this.fingerprint = fingerprint;
    this.batch = batch;
    this.f = f;
  }

  @Override
  public Iterator<Tuple2<Integer, R>> call(
      Iterator<Tuple2<Tuple2<Integer, LabeledImages>, Tuple2<Integer, M>>> pairs) {
    List<Tuple2<Integer, R>> out = new ArrayList<>();
    TrialEvaluator ev = null;
    int shard = -1;
    while (pairs.hasNext()) {
      var p = pairs.next();
      if (ev == null || p._1()._1() != shard) { // pairs come shard by shard: one evaluator per shard
        shard = p._1()._1();
        ev = EvaluatorPool.create(model.value(), p._1()._2(), train == null ? null : train.value(), fingerprint, batch);
      }
      out.add(new Tuple2<>(p._2()._1(), f.apply(ev, shard, p._2()._2())));
    }
    return out.iterator();
  }
}
