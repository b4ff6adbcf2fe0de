package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.spec.EvalEngine;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.TrialGroups;
import io.modelpress.plan.SweepPlan;
import io.modelpress.sweep.EvaluatorPool;
import io.modelpress.sweep.Sensitivity;
import io.modelpress.sweep.TrialEvaluator;
import io.modelpress.sweep.TrialResult;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import io.modelpress.compress.CompressedModel;
import io.modelpress.runtime.Architecture;
import io.modelpress.runtime.LatencyMeter;
import io.modelpress.spec.LatencySpec;
import io.modelpress.runtime.Latency;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a {@link SweepPlan} on Spark. The model bytes and the evaluation set are broadcast once;
 * trials are spread over {@code 4 × defaultParallelism} partitions; on each executor the model is
 * restored once per concurrently running task and reused for every later trial ({@link EvaluatorPool}).
 * A trial that throws becomes a failed row. Results come back in plan order.
 */
public final class SparkSweepRunner {

  private static final Logger LOG = LoggerFactory.getLogger(SparkSweepRunner.class);

  private SparkSweepRunner() {}

  /**
   * What a sweep's executors need, broadcast once: the model file's bytes and SHA-256, the evaluation set,
   * the training split (null when no trial fine-tunes, calibrates or distills), the evaluation batch size,
   * the latency settings with the architecture to execute (null when latency is off), and what
   * distillation trials need (null when no trial distills).
   */
  public record Inputs(byte[] modelBytes, byte[] modelFingerprint, LabeledImages eval, TrainingSplit train,
      int evalBatch, LatencySpec latency, Architecture architecture, TrialEvaluator.Students students,
      org.apache.spark.api.java.JavaPairRDD<Integer, LabeledImages> shards, EvalEngine engine) {

    /** With the evaluation set broadcast whole. */
    public Inputs(byte[] modelBytes, byte[] modelFingerprint, LabeledImages eval, LabeledImages train, int evalBatch,
        LatencySpec latency, Architecture architecture, TrialEvaluator.Students students) {
      this(modelBytes, modelFingerprint, eval, TrainingSplit.of(train), evalBatch, latency, architecture, students, null,
          EvalEngine.DL4J);
    }

    public Inputs {
      java.util.Objects.requireNonNull(modelBytes, "modelBytes");
      java.util.Objects.requireNonNull(modelFingerprint, "modelFingerprint");
      java.util.Objects.requireNonNull(eval, "eval");
      java.util.Objects.requireNonNull(latency, "latency");
      java.util.Objects.requireNonNull(engine, "engine");
      if (latency.enabled() && architecture == null) {
        throw new IllegalArgumentException("latency measurement needs the model's architecture");
      }
    }

    /** Without latency measurement or distillation. */
    public static Inputs of(byte[] modelBytes, byte[] modelFingerprint, LabeledImages eval, LabeledImages train,
        int evalBatch) {
      return new Inputs(modelBytes, modelFingerprint, eval, train, evalBatch, LatencySpec.OFF, null, null);
    }
  }

  /** Runs the whole plan at once; results in plan order with {@code accuracy_drop} from the base trial. */
  public static List<TrialResult> run(SparkSession spark, SweepPlan plan, Inputs in) {
    try (Session s = open(spark, plan, in)) {
      return TrialResult.withAccuracyDrops(s.run(plan.trials()));
    }
  }

  /**
   * Broadcasts the inputs once for a sweep evaluated in several batches ({@link Session#run}); executors keep
   * their restored models from one batch to the next. With latency enabled, every {@link Session#run} adds a
   * latency stage that executes each successful trial's compressed model in the pure-Java runtime.
   */
  public static Session open(SparkSession spark, SweepPlan plan, Inputs in) {
    return new Session(spark, plan, in);
  }

  /** The broadcasts of one sweep; close it to release them and the executors' pooled models. */
  public static final class Session implements AutoCloseable {
    private final JavaSparkContext jsc;
    private final Broadcast<byte[]> model;
    private final Broadcast<LabeledImages> data;
    private final Broadcast<TrainingSplit> trainData;
    private final Broadcast<TrialEvaluator.Students> students;
    private final String key;
    private final byte[] fingerprint;
    private final int evalBatch;
    private final int features; // inputs per example: sizes the students when tasks are scheduled
    private final org.apache.spark.api.java.JavaPairRDD<Integer, LabeledImages> shards; // null: eval broadcast whole
    private final EvalEngine engine;
    private final org.apache.spark.util.LongAccumulator done;
    private final org.apache.spark.util.LongAccumulator workDone;
    private volatile Map<Integer, Long> work = Map.of();
    private final LatencySpec latency;
    /**
     * One compressed model per compiled form measured in this session (the first trial of the form), kept
     * for {@link #confirm} so that confirming does not rebuild (retrain, fine-tune) it; bounded by
     * {@link #MAX_KEPT_WEIGHTS}, past which forms are rebuilt when confirmed.
     */
    private final Map<String, Tuple2<CompressedModel, Architecture>> keptForms = new HashMap<>();
    private long keptWeights;
    /** Weights (fp32: 4 bytes each) of the models kept for confirmation: 64 M, 256 MB on the driver. */
    static final long MAX_KEPT_WEIGHTS = 64L << 20;
    private final Architecture arch;

    private Session(SparkSession spark, SweepPlan plan, Inputs in) {
      LabeledImages eval = in.eval();
      TrainingSplit train = in.train();
      TrialEvaluator.Students students = in.students();
      byte[] modelBytes = in.modelBytes();
      int evalBatch = in.evalBatch();
      Architecture arch = in.architecture();
      this.latency = in.latency();
      this.arch = arch;
      this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      this.model = jsc.broadcast(modelBytes);
      this.data = jsc.broadcast(eval);
      this.trainData = train == null ? null : jsc.broadcast(train);
      this.students = students == null ? null : jsc.broadcast(students);
      this.fingerprint = in.modelFingerprint();
      this.evalBatch = evalBatch;
      this.shards = in.shards();
      this.engine = in.engine();
      this.features = eval.features();
      this.done = jsc.sc().longAccumulator("modelpress trials done");
      this.workDone = jsc.sc().longAccumulator("modelpress work done");
      this.key = plan.modelFingerprint() + "/" + plan.datasetFingerprint() + "/" + eval.count()
          + "/" + (train == null ? "-" : train.fingerprintHex() + train.count())
          + "/" + evalBatch + "/" + in.engine().id() + "/" + jsc.sc().applicationId()
          + (students == null ? "" : "/students-" + java.util.UUID.randomUUID());
    }

    /**
     * Evaluates trials (a batch of the plan); results in plan order, {@code accuracy_drop} not yet set.
     * With latency on, a second stage measures the successful trials' latency ({@link LatencyTasks.MeasureLatency}).
     */
    public List<TrialResult> run(List<PlannedTrial> trials) {
      List<TrialResult> results;
      if (shards != null) {
        results = sharded(trials);
      } else if (!latency.enabled()) {
        results = new ArrayList<>(evaluate(grouped(trials), (ev, t) -> ev.evaluate(t, executorName())).collect());
      } else {
        // the compressed models stay on the executors (spilling to disk) between the two stages
        JavaRDD<TrialEvaluator.Kept> kept = evaluate(grouped(trials), (ev, t) -> ev.evaluateKeeping(t, executorName()))
            .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
          results = new ArrayList<>(kept.map(TrialEvaluator.Kept::result).collect());
          Map<String, Latency> measured;
          try {
            measured = measureLatency(kept);
          } catch (RuntimeException e) { // the batch's trials stand; their latency is recorded as not measured
            LOG.warn("latency stage failed; the batch's trials get latency_error", e);
            String why = "latency stage failed: " + (e.getMessage() == null ? e.getClass().getName()
                : e.getMessage().lines().findFirst().orElse(""));
            measured = new HashMap<>();
            for (TrialResult r : results) {
              measured.put(r.trial().trialId(), Latency.failed(executorName(), why));
            }
          }
          Map<String, Latency> byId = measured;
          results.replaceAll(r -> byId.containsKey(r.trial().trialId()) ? r.withLatency(byId.get(r.trial().trialId())) : r);
          keepForms(results, kept);
        } finally {
          kept.unpersist(false);
        }
      }
      results.sort(Comparator.comparingInt(r -> r.trial().index()));
      return results;
    }

    /**
     * A batch whose test split is in shards: the trials are compressed and measured as usual (their
     * quality on the split's head), their compressed models kept; then every (trial, shard) pair counts its
     * correct predictions per class ({@link ShardTask}), the counts are summed per trial, and the sums
     * replace the head's accuracy, precision, recall and F1: exactly what the whole split broadcast gives.
     */
    private List<TrialResult> sharded(List<PlannedTrial> trials) {
      JavaRDD<TrialEvaluator.Kept> kept = evaluate(grouped(trials), (ev, t) -> ev.evaluateKeeping(t, executorName()))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      try {
        List<TrialResult> results = new ArrayList<>(kept.map(TrialEvaluator.Kept::result).collect());
        jsc.setJobDescription("modelpress: count " + results.size() + " trials on " + shards.getNumPartitions()
            + " test shards");
        // shards outside, the batch's models inside (one partition): a task reads its shards once and makes one
        // evaluator per shard, not one per (trial, shard) pair
        var models = kept.filter(k -> k.model() != null).mapToPair(k -> new Tuple2<>(k.result().trial().index(),
            new Tuple2<>(k.model(), k.architecture()))).coalesce(1); // a student's architecture: its own network
        Map<Integer, ClassificationMetrics.Counts> counts = shards.cartesian(models)
            .mapPartitionsToPair(new ShardTask<Tuple2<CompressedModel, Architecture>, ClassificationMetrics.Counts>(
                model, trainData, fingerprint, evalBatch, (ev, shard, m) -> ev.counts(m._1(), m._2())))
            .reduceByKey(ClassificationMetrics.Counts::plus)
            .collectAsMap();
        results.replaceAll(r -> r.isOk() ? r.withMetrics(counts.get(r.trial().index()).metrics()) : r);
        if (latency.enabled()) {
          Map<String, Latency> measured = measureLatency(kept);
          results.replaceAll(r -> measured.containsKey(r.trial().trialId())
              ? r.withLatency(measured.get(r.trial().trialId())) : r);
          keepForms(results, kept);
        }
        return results;
      } finally {
        kept.unpersist(false);
      }
    }

    /**
     * The latency stage: one partition per executor, and on each executor one measurement at a time
     * ({@link LatencyTasks.MeasureLatency#MEASURING}), so a timed run never shares its executor with another.
     */
    private Map<String, Latency> measureLatency(JavaRDD<TrialEvaluator.Kept> kept) {
      int executors = Math.max(1, jsc.sc().statusTracker().getExecutorInfos().length - 1); // minus the driver
      jsc.setJobDescription("modelpress: measure latency");
      Map<String, Latency> out = new HashMap<>();
      for (Tuple2<String, Latency> t : kept.filter(k -> k.model() != null)
          .map(k -> new Tuple2<>(k.result().trial().trialId(), new Tuple2<>(k.model(), k.architecture())))
          .repartition(executors)
          .mapPartitions(new LatencyTasks.MeasureLatency(arch, data, latency))
          .collect()) {
        out.put(t._1(), t._2());
      }
      return out;
    }

    /** Keeps the model of every compiled form this batch measured first (see {@link #keptForms}). */
    private void keepForms(List<TrialResult> results, JavaRDD<TrialEvaluator.Kept> kept) {
      HashMap<String, String> formOf = new HashMap<>(); // trial id -> form
      java.util.Set<String> wanted = new java.util.HashSet<>();
      for (TrialResult r : results) {
        String form = r.isOk() ? io.modelpress.sweep.Frontier.compiledForm(r) : null;
        if (form != null && !keptForms.containsKey(form) && wanted.add(form)) {
          formOf.put(r.trial().trialId(), form);
        }
      }
      if (formOf.isEmpty() || keptWeights >= MAX_KEPT_WEIGHTS) {
        return;
      }
      java.util.Set<String> ids = new java.util.HashSet<>(formOf.keySet());
      for (Tuple2<String, Tuple2<CompressedModel, Architecture>> m : kept
          .filter(k -> k.model() != null && ids.contains(k.result().trial().trialId()))
          .map(k -> new Tuple2<>(k.result().trial().trialId(), new Tuple2<>(k.model(), k.architecture()))).collect()) {
        long w = m._2()._1().weights().layers().stream().mapToLong(io.modelpress.weights.LayerWeights::size).sum();
        if (keptWeights + w <= MAX_KEPT_WEIGHTS) {
          keptForms.put(formOf.get(m._1()), m._2());
          keptWeights += w;
        }
      }
    }

    /**
     * Re-measures the frontier's candidates ({@link io.modelpress.sweep.Confirmation}), given as one trial
     * per compiled form: the model this session kept for the form, or else (forms measured by an earlier
     * attempt, or past the memory bound) the trial's model rebuilt on the executors (trials are deterministic
     * for their seed); a trial that cannot be rebuilt here (a student whose soft targets this attempt did not
     * load) is left out. Then all are timed together in one task, so on one executor, in {@code rounds}
     * interleaved rounds ({@link LatencyMeter#interleaved}). Returns the confirmed figures by compiled form.
     */
    public Map<String, Latency.Confirmed> confirm(Map<String, TrialResult> candidates, int rounds) {
      Map<String, Latency.Confirmed> out = new HashMap<>();
      List<Tuple2<String, Tuple2<CompressedModel, Architecture>>> models = new ArrayList<>();
      HashMap<String, String> rebuild = new HashMap<>(); // trial id -> form
      candidates.forEach((form, r) -> {
        Tuple2<CompressedModel, Architecture> m = keptForms.get(form);
        if (m != null) {
          models.add(new Tuple2<>(form, m));
        } else {
          rebuild.put(r.trial().trialId(), form);
        }
      });
      if (!rebuild.isEmpty()) {
        List<PlannedTrial> trials = candidates.values().stream().map(TrialResult::trial)
            .filter(t -> rebuild.containsKey(t.trialId())).toList();
        for (Tuple2<String, Tuple2<CompressedModel, Architecture>> t : evaluate(
            TrialGroups.chunks(trials, jsc.defaultParallelism()), (ev, t) -> {
              try {
                TrialEvaluator.Compressed c = ev.compress(t);
                return new Tuple2<>(t.trialId(), new Tuple2<>(c.model(), c.student() ? c.network().architecture() : null));
              } catch (RuntimeException e) {
                return new Tuple2<String, Tuple2<CompressedModel, Architecture>>(t.trialId(), null);
              }
            }).collect()) {
          if (t._2() != null) {
            models.add(new Tuple2<>(rebuild.get(t._1()), t._2()));
          }
        }
      }
      if (models.isEmpty()) {
        return out;
      }
      jsc.setJobDescription("modelpress: confirm the latency of " + models.size() + " frontier candidates");
      for (Tuple2<String, Latency.Confirmed> t : jsc.parallelize(models, 1)
          .mapPartitions(new LatencyTasks.ConfirmLatency(arch, data, latency, rounds)).collect()) {
        out.put(t._1(), t._2());
      }
      return out;
    }

    /**
     * The outcomes of a sensitivity run's trials (input order): with the test split broadcast, each trial's
     * per-example results on the executors ({@link TrialEvaluator#examples}); in shards, each trial compressed
     * once and its model kept, every (shard, trial) pair's per-example results summed with the shard's place
     * in the split ({@link TrialEvaluator#sums}), the sums added per trial: the whole split's outcome.
     */
    public List<Sensitivity.Outcome> sensitivity(List<PlannedTrial> trials, long rootSeed, int seeds) {
      if (shards == null) {
        return map(trials, (ev, t) -> ev.examples(t, rootSeed, seeds));
      }
      JavaRDD<TrialEvaluator.Kept> kept = evaluate(TrialGroups.chunks(trials, jsc.defaultParallelism()),
          (ev, t) -> ev.evaluateKeeping(t, executorName())).persist(StorageLevel.MEMORY_AND_DISK_SER());
      try {
        List<TrialResult> results = kept.map(TrialEvaluator.Kept::result).collect();
        ShardTask.Offsets at = ShardTask.offsets(shards);
        HashMap<Integer, Integer> offsets = at.first();
        int total = at.total();
        jsc.setJobDescription("modelpress: sum " + results.size() + " trials' examples on " + offsets.size()
            + " test shards");
        var models = kept.filter(k -> k.model() != null)
            .mapToPair(k -> new Tuple2<>(k.result().trial().index(), k.model())).coalesce(1);
        Map<Integer, Sensitivity.Sums> sums = shards.cartesian(models)
            .mapPartitionsToPair(new ShardTask<CompressedModel, Sensitivity.Sums>(model, trainData, fingerprint,
                evalBatch, (ev, shard, m) -> ev.sums(m, offsets.get(shard), total, rootSeed, seeds)))
            .reduceByKey(Sensitivity.Sums::plus)
            .collectAsMap();
        List<Sensitivity.Outcome> out = new ArrayList<>();
        for (TrialResult r : results) {
          out.add(r.isOk()
              ? Sensitivity.outcome(r.trial(), sums.get(r.trial().index()), total, r.measurements().orElseThrow()
                  .encodedBytes(), r.measurements().orElseThrow().size().params())
              : new Sensitivity.Outcome(r.trial(), Double.NaN, Double.NaN, null, null, 0, 0, r.errorClass(),
                  r.errorMessage()));
        }
        out.sort(Comparator.comparingInt(o -> o.trial().index()));
        return out;
      } finally {
        kept.unpersist(false);
      }
    }

    /** Applies {@code f} to every trial on the executors, each with a pooled evaluator; input order. */
    public <R> List<R> map(List<PlannedTrial> trials, TrialFunction<R> f) {
      return evaluate(TrialGroups.chunks(trials, jsc.defaultParallelism()), f).collect();
    }

    /** A batch's partitions: one per student trained in a task, largest first; see {@link TrialGroups}. */
    private List<List<PlannedTrial>> grouped(List<PlannedTrial> trials) {
      return TrialGroups.partitions(trials, jsc.defaultParallelism(), features);
    }

    private <R> JavaRDD<R> evaluate(List<List<PlannedTrial>> partitions, TrialFunction<R> f) {
      int n = partitions.stream().mapToInt(List::size).sum();
      HashMap<Integer, Long> weights = new HashMap<>(); // only this stage's trials travel with its tasks
      Map<Integer, Long> all = work;
      for (List<PlannedTrial> p : partitions) {
        for (PlannedTrial t : p) {
          weights.put(t.index(), all.getOrDefault(t.index(), 0L));
        }
      }
      LOG.info("Evaluating {} trials in {} partitions", n, partitions.size());
      jsc.setJobDescription("modelpress: evaluate " + n + " trials");
      // one list per partition (parallelize cuts n elements into n slices of one), flattened in place
      return jsc.parallelize(partitions, Math.max(1, partitions.size()))
          .flatMap(List::iterator)
          .mapPartitions(new EvaluatePartition<>(key, model, data, trainData, students, fingerprint, evalBatch, engine, f, done,
              workDone, weights));
    }

    /** Trials finished so far in this session, as merged on the driver at each task's end. */
    public long trialsDone() {
      return done.value();
    }

    /**
     * Sets each trial's work by {@link PlannedTrial#index()} (see {@link io.modelpress.plan.TrialWork}),
     * counted into {@link #workDone()} as the trials finish; a trial not in it counts 0.
     */
    public void weigh(Map<Integer, Long> work) {
      this.work = Map.copyOf(work);
    }

    /** The work of the trials finished so far in this session, merged on the driver at each task's end. */
    public long workDone() {
      return workDone.value();
    }

    @Override
    public void close() {
      model.destroy();
      data.destroy();
      if (trainData != null) {
        trainData.destroy();
      }
      if (students != null) {
        students.destroy();
      }
      EvaluatorPool.clear(key); // the driver's own pool in local mode; executors end with the application
    }
  }

  /** What runs on an executor for one trial. */
  @FunctionalInterface
  public interface TrialFunction<R> extends java.io.Serializable {
    R apply(TrialEvaluator evaluator, PlannedTrial trial);
  }

  /** The executor side: borrow an evaluator, run the partition's trials, give it back. */
  private static final class EvaluatePartition<R> implements FlatMapFunction<Iterator<PlannedTrial>, R> {
    private final String key;
    private final Broadcast<byte[]> model;
    private final Broadcast<LabeledImages> data;
    private final Broadcast<TrainingSplit> train; // null when no trial fine-tunes
    private final Broadcast<TrialEvaluator.Students> students; // null when no trial distills
    private final byte[] fingerprint;
    private final int batch;
    private final TrialFunction<R> f;
    private final org.apache.spark.util.LongAccumulator done;
    private final org.apache.spark.util.LongAccumulator workDone;
    private final HashMap<Integer, Long> work;
    private final EvalEngine engine;

    EvaluatePartition(String key, Broadcast<byte[]> model, Broadcast<LabeledImages> data,
        Broadcast<TrainingSplit> train, Broadcast<TrialEvaluator.Students> students, byte[] fingerprint, int batch,
        EvalEngine engine, TrialFunction<R> f, org.apache.spark.util.LongAccumulator done,
        org.apache.spark.util.LongAccumulator workDone, HashMap<Integer, Long> work) {
      this.engine = engine;
      this.students = students;
      this.key = key;
      this.model = model;
      this.data = data;
      this.train = train;
      this.fingerprint = fingerprint;
      this.batch = batch;
      this.f = f;
      this.done = done;
      this.workDone = workDone;
      this.work = work;
    }

    @Override
    public Iterator<R> call(Iterator<PlannedTrial> trials) {
      TrialEvaluator ev = EvaluatorPool.borrow(key,
          () -> EvaluatorPool.create(model.value(), data.value(), train == null ? null : train.value(), fingerprint,
              batch, students == null ? null : students.value(), engine));
      List<R> out = new ArrayList<>();
      try {
        while (trials.hasNext()) {
          PlannedTrial t = trials.next();
          out.add(f.apply(ev, t));
          done.add(1);
          workDone.add(work.getOrDefault(t.index(), 0L));
        }
      } finally {
        EvaluatorPool.release(key, ev);
      }
      return out.iterator();
    }
  }

  private static volatile String executorName;

  /** host/executor-id of this JVM (looked up once: the host name lookup can be slow). */
  static String executorName() {
    String n = executorName;
    if (n == null) {
      n = lookUpExecutorName();
      executorName = n;
    }
    return n;
  }

  private static String lookUpExecutorName() {
    String id = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
    try {
      return InetAddress.getLocalHost().getHostName() + "/" + id;
    } catch (java.net.UnknownHostException e) {
      return "unknown/" + id;
    }
  }
}
