package io.modelpress.spark;

import io.modelpress.data.Datasets;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.ModelStore;
import io.modelpress.plan.Breeding;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.SweepPlan;
import io.modelpress.plan.TrialGroups;
import io.modelpress.plan.TrialWork;
import io.modelpress.spec.DistillSpec;
import io.modelpress.sweep.Confirmation;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.Frontier;
import io.modelpress.sweep.ResumeState;
import io.modelpress.sweep.TrialEvaluator;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The batch/commit loop of a sweep on Spark: the trials still to do are evaluated in batches
 * ({@link TrialGroups#batches}), each batch's rows appended to the run's trials partition as soon as it
 * is done so a killed run keeps them, then the later generations of every evolve block
 * ({@link Breeding}), each evaluated as one stage and committed at once. Distillation trials get the
 * teacher's soft targets and their data-parallel students first ({@link Distillation}).
 */
public final class SweepLoop {

  private SweepLoop() {}

  /** Hears of a sweep's progress (the CLI's progress line). */
  public interface Listener {
    /** The session is open; {@code work} weighs each trial still to do by its plan index. */
    void started(SparkSweepRunner.Session session, Map<Integer, Long> work);

    /** A batch is done; {@code results} holds every result so far. */
    void batchDone(List<TrialResult> results);

    /** The evaluation is over (also when it failed). */
    void finished();
  }

  /**
   * Where a batch's rows go: the run's trials partition under the output root, each row with the run's
   * fingerprint, written only while this attempt holds the run's lease.
   */
  public record Target(String out, String runId, String fingerprint, String modelFingerprint, RunLease lease) {

    /** Commits {@code rows} ({@link ResultTables#appendTrials}) after checking the lease is still this attempt's. */
    public void commit(SparkSession spark, List<TrialResult> rows) {
      if (rows.isEmpty()) {
        return;
      }
      lease.check();
      ResultTables.appendTrials(spark, out, runId, fingerprint, modelFingerprint, rows);
    }
  }

  /**
   * Evaluates {@code state}'s trials and the later evolve generations; returns every result of the run
   * (those {@code state} restored included), in no particular order, accuracy drops set.
   *
   * @param inputs what the executors need (students are added here when a trial distills)
   * @param layers the model's weighted layers, by name (evolve blocks breed per layer)
   * @param macs the base model's multiply-accumulates (to weigh the trials for the ETA)
   * @param batch trials per commit
   */
  public static List<TrialResult> run(SparkSession spark, SweepSpec spec, SweepPlan plan, ResumeState state,
      SparkSweepRunner.Inputs inputs, List<String> layers, long macs, int batch, Target target, Listener listener,
      PrintStream log) {
    List<TrialResult> results = new ArrayList<>(state.restored());
    List<PlannedTrial> pending = state.todo();
    SparkSweepRunner.Inputs in = new SparkSweepRunner.Inputs(inputs.modelBytes(), inputs.modelFingerprint(),
        inputs.eval(), inputs.train(), inputs.evalBatch(), inputs.latency(), inputs.architecture(),
        students(spark, pending, inputs, target.out(), log), inputs.shards(), inputs.engine());
    try (SparkSweepRunner.Session session = SparkSweepRunner.open(spark, plan, in)) {
      Map<Integer, Long> work = TrialWork.of(pending, macs, inputs.eval().features(), inputs.eval().count(),
          inputs.train() == null ? 0 : inputs.train().count());
      session.weigh(work);
      listener.started(session, work);
      try {
        double base = TrialResult.baseAccuracy(results);
        List<List<PlannedTrial>> batches = TrialGroups.batches(pending, batch);
        for (int i = 0; i < batches.size(); i++) {
          List<TrialResult> got = session.run(batches.get(i));
          if (Double.isNaN(base)) {
            base = TrialResult.baseAccuracy(got);
          }
          List<TrialResult> dropped = withDrop(got, base);
          results.addAll(dropped);
          target.commit(spark, dropped);
          listener.batchDone(results);
        }
        evolve(spark, spec, plan, state, session, results, layers, target, log);
      } finally {
        listener.finished();
      }
      return confirmed(session, TrialResult.withAccuracyDrops(results), spec, inputs.latency(), log);
    }
  }

  /**
   * {@code results} with the frontier's candidates re-measured together ({@link Confirmation}), when an
   * objective is a measured latency and {@code latency.confirm-rounds} is not 0. A failure here leaves
   * the latency-stage figures in place (logged): the trials stand either way.
   */
  private static List<TrialResult> confirmed(SparkSweepRunner.Session session, List<TrialResult> results,
      SweepSpec spec, io.modelpress.spec.LatencySpec latency, PrintStream log) {
    if (!latency.enabled() || latency.confirmRounds() == 0) {
      return results;
    }
    // figures an earlier attempt confirmed (restored with its rows) are from another measurement session:
    // this attempt confirms afresh
    results = Confirmation.unconfirmed(results);
    Map<String, TrialResult> candidates = Confirmation.candidates(results, spec.objectives());
    if (candidates.isEmpty()) {
      return results;
    }
    long t0 = System.nanoTime();
    try {
      Map<String, io.modelpress.runtime.Latency.Confirmed> byForm = session.confirm(candidates, latency.confirmRounds());
      List<TrialResult> out = Confirmation.apply(results, byForm);
      long trials = out.stream().filter(r -> r.isOk() && r.measurements().orElseThrow().latency() != null
          && r.measurements().orElseThrow().latency().confirmed() != null).count();
      log.printf(Locale.ROOT, "latency confirmed: %d of %d frontier candidates (%d trials) re-measured together in %d "
          + "interleaved rounds on one executor in %.1f s%n", byForm.size(), candidates.size(), trials,
          latency.confirmRounds(), (System.nanoTime() - t0) / 1e9);
      return out;
    } catch (RuntimeException e) {
      log.printf(Locale.ROOT, "latency confirmation failed, the frontier uses the latency stage's figures: %s%n",
          e.getMessage() == null ? e.getClass().getName() : e.getMessage().lines().findFirst().orElse(""));
      return results;
    }
  }

  /**
   * The later generations of every evolve block, in config order: each generation bred from the block's
   * results so far, evaluated as one Spark stage, its rows committed at once; children an earlier attempt
   * already evaluated take their committed rows.
   */
  private static void evolve(SparkSession spark, SweepSpec spec, SweepPlan plan, ResumeState state,
      SparkSweepRunner.Session session, List<TrialResult> results, List<String> layers, Target target,
      PrintStream log) {
    int[] next = {Math.max(plan.trials().stream().mapToInt(PlannedTrial::index).max().orElse(0) + 1,
        state.bred().values().stream().mapToInt(r -> r.trial().index() + 1).max().orElse(0))};
    for (Breeding breeding : Breeding.of(spec, plan, layers)) {
      while (true) {
        // accuracy_drop is set from the base trial: score on the rows as they will be written
        List<Breeding.Evaluated> evaluated = TrialResult.withAccuracyDrops(results).stream()
            .map(r -> new Breeding.Evaluated(r.trial(), r.isOk() ? Frontier.objectiveValues(r, spec.objectives()) : null))
            .toList();
        var generation = breeding.next(evaluated, state.bred().keySet(), () -> next[0]++);
        if (generation.isEmpty()) {
          break;
        }
        Breeding.Generation g = generation.get();
        List<TrialResult> got = g.children().isEmpty() ? List.of() : session.run(g.children());
        g.reused().forEach(id -> results.add(state.bred().get(id)));
        List<TrialResult> dropped = withDrop(got, TrialResult.baseAccuracy(results));
        results.addAll(dropped);
        target.commit(spark, dropped);
        log.printf(Locale.ROOT, "block %s: generation %d of %d, %d new trials%n", breeding.block(), g.number(), g.of(),
            g.children().size() + g.reused().size());
      }
    }
  }

  private static List<TrialResult> withDrop(List<TrialResult> batch, double base) {
    return batch.stream().map(r -> r.withAccuracyDrop(base)).toList();
  }

  /**
   * What the distillation trials still to run need, or null when none distills: the teacher's (the run
   * model's) soft targets over the training split, and the students trained data-parallel, trained now
   * over the cluster.
   */
  private static TrialEvaluator.Students students(SparkSession spark, List<PlannedTrial> todo,
      SparkSweepRunner.Inputs in, String out, PrintStream log) {
    if (todo.stream().noneMatch(t -> t.spec().distill().isPresent())) {
      return null;
    }
    String teacher = ModelStore.hex(in.modelFingerprint());
    TrainingSplit train = in.train();
    float[] logits = Distillation.softTargets(spark, out, in.modelBytes(), teacher, train, train.classes(), log);
    List<DistillSpec> dataParallel = todo.stream().map(t -> t.spec().distill().orElse(null))
        .filter(d -> d != null && d.parallelism() == DistillSpec.Parallelism.DATA).distinct().toList();
    Map<String, TrialEvaluator.Pretrained> pretrained = dataParallel.isEmpty() ? Map.of()
        : Distillation.trainDataParallel(spark, out, dataParallel, teacher, train, logits, train.classes(),
            DataParallelTrainer.Workers.of(spark), log);
    return new TrialEvaluator.Students(logits, pretrained);
  }
}
