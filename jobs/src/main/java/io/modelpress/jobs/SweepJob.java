package io.modelpress.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.model.ModelWeights;
import io.modelpress.model.Versions;
import io.modelpress.pareto.Objective;
import io.modelpress.plan.SweepPlan;
import io.modelpress.plan.SweepPlanner;
import io.modelpress.spark.ResultTables;
import io.modelpress.spark.SparkSweepRunner;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.sweep.Frontier;
import io.modelpress.sweep.Latency;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.TrialResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code modelpress sweep}: config → plan → Spark evaluation → tables → summary. Everything that can be
 * checked is checked before the first trial runs, and nothing is written under {@code --out} before
 * the tables themselves.
 */
final class SweepJob {

  static final Set<String> OPTIONS = Set.of("--config", "--out", "--run-id", "--master", "--commit-every",
      "--max-failed-trials");
  static final Set<String> FLAGS = Set.of("--overwrite");
  static final java.util.regex.Pattern RUN_ID = java.util.regex.Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private SweepJob() {}

  static int run(String[] argv, PrintStream out) {
    return run("sweep", argv, out);
  }

  /**
   * {@code sweep}, or {@code distill}: the same job for a config whose search has distillation blocks
   * (refused when it has none, so a mistyped config is not silently run as a plain sweep).
   */
  static int run(String command, String[] argv, PrintStream out) {
    Args args = Args.parse(command, argv, 0, OPTIONS, FLAGS);
    String configPath = args.require("--config", "FILE: the sweep's YAML config (e.g. conf/sweeps/mnist-mlp.yaml)");
    String runId = runIdArg(args);
    int commitEvery = positiveInt(args, "--commit-every", 0);
    int maxFailed = positiveInt(args, "--max-failed-trials", -1);
    String configText = readLocalOrNull(configPath);
    SweepSpec spec = configText == null ? null : SweepConfigParser.parse(configText, configPath);
    Instant started = Instant.now();
    SparkSession spark = SparkSessions.create("modelpress sweep", args.get("--master").orElse(null));
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      if (spec == null) {
        spec = SweepConfigParser.parse(readHadoop(configPath, hadoop), configPath);
      }
      if (command.equals("distill") && spec.search().stream().noneMatch(b -> b.distill() != null)) {
        throw new UserError("'--config' is set to " + configPath + " but its search has no 'distill' block; add one "
            + "(see conf/distill/mnist.yaml) or run it with modelpress sweep");
      }
      String outDir = args.get("--out").orElse(spec.output());
      if (runId == null) {
        runId = defaultRunId(spec.name(), started);
      }
      Outcome o = execute(spark, spec, outDir, runId, args.flag("--overwrite"), started, 0, commitEvery, out);
      printSummary(out, o.spec(), o.run(), o.results(), o.evalSeconds(), outDir);
      report(spark, outDir, o.run().runId(), out);
      if (maxFailed >= 0 && o.run().trialsFailed() > maxFailed) {
        throw new JobFailed(o.run().trialsFailed() + " of " + o.run().trialsTotal() + " trials failed, more than "
            + "--max-failed-trials " + maxFailed + "; their rows (status 'failed', error_class, error_message) are in "
            + outDir + "/trials");
      }
      return 0;
    } finally {
      spark.stop();
    }
  }

  /**
   * Writes the run's report from the tables just written. The tables stay whatever happens here: a report
   * that cannot be written fails the job (exit 1) with one line saying how to write it again.
   */
  static void report(SparkSession spark, String outDir, String runId, PrintStream out) {
    ReportJob.Written w;
    try {
      w = ReportJob.write(spark, outDir, runId);
    } catch (RuntimeException e) {
      throw new JobFailed("the tables of run " + runId + " are written under " + outDir + " but its report could not "
          + "be: " + e.getMessage() + "; write it again with modelpress report --run-id " + runId + " --results "
          + outDir);
    }
    out.printf(Locale.ROOT, "  report    %s/%s (plots: %s)%n", w.folder(), io.modelpress.report.ReportFiles.HTML,
        w.files().stream().filter(f -> f.endsWith(".png")).collect(Collectors.joining(", ")));
  }

  /** What a sweep produced, with where its time went (seconds). */
  record Outcome(SweepSpec spec, RunInfo run, List<TrialResult> results, double prepareSeconds, double evalSeconds,
      double writeSeconds) {}

  /**
   * The later generations of every {@code evolve} block: each bred from all of the block's results so far
   * ({@link io.modelpress.plan.Evolution#next}) and evaluated as one Spark stage, its rows committed at
   * once. Breeding is deterministic, so a resumed run breeds the same children and takes the committed
   * rows of those it already evaluated.
   */
  private static void evolve(SparkSession spark, SweepSpec spec, SweepPlan plan, Prepared p,
      SparkSweepRunner.Session session, List<TrialResult> results, Map<String, TrialResult> bred, String outDir,
      String runId, PrintStream out) {
    int nextIndex = plan.trials().stream().mapToInt(io.modelpress.plan.PlannedTrial::index).max().orElse(0) + 1;
    nextIndex = Math.max(nextIndex, bred.values().stream().mapToInt(r -> r.trial().index() + 1).max().orElse(0));
    for (var b : spec.search()) {
      var e = b.evolve();
      if (e == null) {
        continue;
      }
      java.util.Random rnd = new java.util.Random(spec.seed() * 31 + b.name().hashCode() + 1);
      for (int g = 1; g < e.generations(); g++) {
        List<io.modelpress.plan.Evolution.Scored> scored = new java.util.ArrayList<>();
        Set<io.modelpress.plan.Evolution.Genome> known = new java.util.HashSet<>();
        for (TrialResult r : results) { // failed trials and the base are known too: never bred again
          if (r.trial().block().equals(b.name()) || r.trial().spec().steps().isEmpty()) {
            known.add(io.modelpress.plan.Evolution.fromTrial(r.trial().spec(), e, p.layers));
          }
        }
        // accuracy_drop is set from the base trial: score on the rows as they will be written
        TrialResult.withAccuracyDrops(results).stream().filter(r -> r.isOk() && r.trial().block().equals(b.name()))
            .sorted(java.util.Comparator.comparingInt(r -> r.trial().index()))
            .forEach(r -> scored.add(new io.modelpress.plan.Evolution.Scored(
                io.modelpress.plan.Evolution.fromTrial(r.trial().spec(), e, p.layers),
                Frontier.objectiveValues(r, spec.objectives()))));
        if (scored.isEmpty()) {
          break;
        }
        List<io.modelpress.plan.PlannedTrial> children = new java.util.ArrayList<>();
        List<TrialResult> reused = new java.util.ArrayList<>();
        for (var genome : io.modelpress.plan.Evolution.next(e, scored, known, spec.objectives(), rnd)) {
          var trial = io.modelpress.plan.Evolution.toTrial(genome, e, p.layers);
          String json = trial.canonicalJson();
          String id = SweepPlanner.trialId(json, plan.modelFingerprint(), plan.datasetFingerprint());
          if (results.stream().anyMatch(r -> r.trial().trialId().equals(id))) {
            continue; // e.g. the base model, evaluated as trial 0
          }
          if (bred.containsKey(id)) {
            reused.add(bred.get(id));
          } else {
            children.add(new io.modelpress.plan.PlannedTrial(id, nextIndex++, b.name(), SweepPlanner.seed(spec.seed(),
                json), trial));
          }
        }
        if (children.isEmpty() && reused.isEmpty()) {
          break;
        }
        List<TrialResult> got = children.isEmpty() ? List.of() : session.run(children);
        results.addAll(reused);
        results.addAll(got);
        ResultTables.appendTrials(spark, outDir, runId, TrialResult.withAccuracyDrops(results).stream()
            .filter(r -> children.stream().anyMatch(c -> c.trialId().equals(r.trial().trialId()))).toList());
        out.printf(Locale.ROOT, "block %s: generation %d of %d, %d new trials%n", b.name(), g + 1, e.generations(),
            children.size() + reused.size());
      }
    }
  }

  /** The validated {@code --run-id}, or null when not given. */
  static String runIdArg(Args args) {
    String runId = args.get("--run-id").orElse(null);
    if (runId != null && !RUN_ID.matcher(runId).matches()) {
      throw new UserError("'--run-id' is set to \"" + Cli.oneLine(runId) + "\" but must be letters, digits, '.', '_' or '-'"
          + " with at least one letter (so that tables never read it as a number or a date)");
    }
    return runId;
  }

  /** {@code <name>-<yyyyMMdd-HHmmss>} in UTC. */
  static String defaultRunId(String name, Instant started) {
    return name + "-" + RUN_TIME.format(started);
  }

  private static int positiveInt(Args args, String key, int dflt) {
    if (args.get(key).isEmpty()) {
      return dflt;
    }
    String v = args.get(key).get();
    try {
      int n = Integer.parseInt(v);
      if (n >= (key.equals("--commit-every") ? 1 : 0)) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError("'" + key + "' is set to \"" + Cli.oneLine(v) + "\" but must be a whole number >= "
        + (key.equals("--commit-every") ? 1 : 0));
  }

  /**
   * Validates the inputs, evaluates the plan (its first {@code maxTrials} trials when &gt; 0) on Spark and
   * writes the tables. Trials are evaluated in batches of {@code commitEvery} (0: a tenth of the plan, at
   * least 8 per task slot), each batch's rows appended to the trials table as soon as it is done; a run
   * id whose earlier attempt did not finish resumes: only trials without a row are evaluated.
   */
  static Outcome execute(SparkSession spark, SweepSpec spec, String outDir, String runId, boolean overwrite,
      Instant started, int maxTrials, int commitEvery, PrintStream out) {
    return execute(spark, spec, outDir, runId, overwrite, started, maxTrials, commitEvery, false, out);
  }

  /**
   * As above; with {@code reuseEarlier} a trial that an earlier finished run under {@code outDir}
   * already measured successfully (the same trial id) is not evaluated again: its row is taken over,
   * with {@code measured_in_run} naming that run (nightly runs).
   */
  static Outcome execute(SparkSession spark, SweepSpec spec, String outDir, String runId, boolean overwrite,
      Instant started, int maxTrials, int commitEvery, boolean reuseEarlier, PrintStream out) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    long t0 = System.nanoTime();
    Prepared p = prepare(spark, spec, outDir, runId, overwrite, hadoop, out);
    spec = spec.withObjectives(p.objectives());
    SweepPlan plan = maxTrials > 0 && maxTrials < p.plan.size()
        ? new SweepPlan(p.plan.modelFingerprint(), p.plan.datasetFingerprint(), p.plan.trials().subList(0, maxTrials))
        : p.plan;
    if (overwrite) {
      ResultTables.deleteRun(outDir, runId, hadoop);
    }
    List<TrialResult> committed = ResultTables.committedTrials(spark, outDir, runId);
    Set<String> planned = plan.trials().stream().map(io.modelpress.plan.PlannedTrial::trialId).collect(Collectors.toSet());
    Set<String> evolving = spec.search().stream().filter(b -> b.evolve() != null).map(b -> b.name())
        .collect(Collectors.toSet());
    // rows of later generations are not in the initial plan: they are matched when those generations are bred again
    // committed rows take their plan's trial (index, block) back: a config edit may have moved them
    Map<String, io.modelpress.plan.PlannedTrial> byId = plan.trials().stream()
        .collect(Collectors.toMap(io.modelpress.plan.PlannedTrial::trialId, t -> t));
    List<TrialResult> results = new java.util.ArrayList<>(committed.stream()
        .filter(r -> planned.contains(r.trial().trialId()))
        .map(r -> TrialResult.restored(byId.get(r.trial().trialId()), r.status(), r.errorClass(), r.errorMessage(),
            r.measurements().orElse(null), r.executor(), r.measuredIn()))
        .toList());
    Map<String, TrialResult> bred = new java.util.HashMap<>();
    for (TrialResult r : committed) {
      if (!planned.contains(r.trial().trialId()) && evolving.contains(r.trial().block())) {
        bred.put(r.trial().trialId(), r);
      } else if (!planned.contains(r.trial().trialId())) {
        throw new UserError("run id '" + runId + "' has rows in " + outDir + "/trials from another config (trial "
            + r.trial().trialId() + " is not in this plan); use another --run-id, or --overwrite to start it again");
      }
    }
    Set<String> done = results.stream().map(r -> r.trial().trialId()).collect(Collectors.toSet());
    List<io.modelpress.plan.PlannedTrial> todo = plan.trials().stream().filter(t -> !done.contains(t.trialId())).toList();
    if (!done.isEmpty()) {
      out.printf(Locale.ROOT, "resuming run %s: %d of %d trials already have rows; evaluating the other %d%n", runId,
          done.size(), plan.size(), todo.size());
    }
    if (reuseEarlier && !todo.isEmpty()) {
      // same trial id = same trial spec, model fingerprint and dataset fingerprint: an earlier run's row stands
      Map<String, TrialResult> earlier = ResultTables.earlierResults(spark, outDir, runId,
          todo.stream().map(io.modelpress.plan.PlannedTrial::trialId).collect(Collectors.toSet()), json(spec),
          Versions.code());
      List<TrialResult> reused = todo.stream().filter(t -> earlier.containsKey(t.trialId()))
          .map(t -> earlier.get(t.trialId()).reusedAs(t, null)).toList();
      if (!reused.isEmpty()) {
        results.addAll(reused);
        Set<String> ids = reused.stream().map(r -> r.trial().trialId()).collect(Collectors.toSet());
        todo = todo.stream().filter(t -> !ids.contains(t.trialId())).toList();
        out.printf(Locale.ROOT, "reusing %d trials measured by earlier runs (same config, code, model and data); "
            + "evaluating the other %d%n", reused.size(), todo.size());
      }
    }
    int batch = commitEvery > 0 ? commitEvery
        : Math.max(8 * spark.sparkContext().defaultParallelism(), (plan.size() + 9) / 10);
    long t1 = System.nanoTime();
    List<io.modelpress.plan.PlannedTrial> pending = todo;
    io.modelpress.sweep.TrialEvaluator.Students students = students(spark, pending, p, outDir, out);
    try (SparkSweepRunner.Session session = SparkSweepRunner.open(spark, plan, p.modelBytes, p.fingerprint, p.test,
        p.train, spec.evalBatchSize(), spec.latency(), p.architecture, students)) {
      Map<Integer, Long> work = io.modelpress.plan.TrialWork.of(pending, p.macs, p.test.features(), p.test.count(),
          p.train == null ? 0 : p.train.count());
      session.weigh(work);
      Progress progress = Progress.start(plan.size(), done.size(), session::trialsDone,
          work.values().stream().mapToLong(Long::longValue).sum(), session::workDone);
      spark.sparkContext().addSparkListener(progress);
      List<List<io.modelpress.plan.PlannedTrial>> batches = io.modelpress.plan.TrialGroups.batches(pending, batch);
      for (int b = 0; b < batches.size(); b++) {
        List<TrialResult> got = session.run(batches.get(b));
        results.addAll(got);
        progress.batchDone(results);
        if (b + 1 < batches.size()) { // the last batch goes straight into the final tables
          Set<String> ids = got.stream().map(r -> r.trial().trialId()).collect(Collectors.toSet());
          ResultTables.appendTrials(spark, outDir, runId, TrialResult.withAccuracyDrops(results).stream()
              .filter(r -> ids.contains(r.trial().trialId())).toList());
        }
      }
      evolve(spark, spec, plan, p, session, results, bred, outDir, runId, out);
      progress.close();
      spark.sparkContext().removeSparkListener(progress);
    }
    results.sort(java.util.Comparator.comparingInt(r -> r.trial().index()));
    results = TrialResult.withAccuracyDrops(results);
    long t2 = System.nanoTime();
    Map<String, Integer> ranks = Frontier.ranks(results, spec.objectives());
    int ok = (int) results.stream().filter(TrialResult::isOk).count();
    RunInfo run = new RunInfo(runId, spec.name(), started, Instant.now(), results.size(), ok, results.size() - ok,
        TrialResult.baseAccuracy(results), describe(spec.objectives()), json(spec), describe(spec.model()), ModelStore.hex(p.fingerprint),
        spec.dataset().name(), p.test.fingerprintHex(), spark.sparkContext().master(), Versions.code(),
        spark.version(), Versions.dl4j(), System.getProperty("java.version"), System.getProperty("os.arch"),
        Frontier.hypervolume(results, spec.objectives()));
    ResultTables.write(spark, outDir, run, results, ranks, Frontier.knee(results, spec.objectives()),
        Frontier.projections(results, spec.objectives()), io.modelpress.sweep.DeviceEstimates.of(results, p.devices),
        false); // --overwrite already cleared the run at the start
    long t3 = System.nanoTime();
    return new Outcome(spec, run, results, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
  }

  /**
   * What the plan's distillation trials need, or null when it has none: the teacher's (the run model's)
   * soft targets over the training split, and the students whose trials are still to run and that are
   * trained data-parallel, trained now over the cluster.
   */
  private static io.modelpress.sweep.TrialEvaluator.Students students(SparkSession spark,
      List<io.modelpress.plan.PlannedTrial> todo, Prepared p, String outDir, PrintStream out) {
    if (todo.stream().noneMatch(t -> t.spec().distill().isPresent())) {
      return null;
    }
    float[] logits;
    try {
      logits = io.modelpress.spark.Distillation.softTargets(spark, outDir, p.modelBytes, ModelStore.hex(p.fingerprint),
          p.train, Datasets.CLASSES, out);
    } catch (IllegalArgumentException e) { // the soft-target table cannot be read or holds another split's rows
      throw new UserError(e.getMessage());
    }
    List<io.modelpress.spec.DistillSpec> dataParallel = todo.stream()
        .map(t -> t.spec().distill().orElse(null))
        .filter(d -> d != null && d.parallelism() == io.modelpress.spec.DistillSpec.Parallelism.DATA)
        .distinct().toList();
    Map<String, io.modelpress.sweep.TrialEvaluator.Pretrained> pretrained = dataParallel.isEmpty() ? Map.of()
        : io.modelpress.spark.Distillation.trainDataParallel(spark, outDir, dataParallel, ModelStore.hex(p.fingerprint),
            p.train, logits, Datasets.CLASSES, io.modelpress.spark.DataParallelTrainer.Workers.of(spark), out);
    return new io.modelpress.sweep.TrialEvaluator.Students(logits, pretrained);
  }

  /** The inputs of a sweep, all validated. */
  private record Prepared(SweepPlan plan, byte[] modelBytes, byte[] fingerprint, LabeledImages test, LabeledImages train,
      List<String> layers, long macs, io.modelpress.runtime.Architecture architecture,
      List<io.modelpress.measure.DeviceProfile> devices, List<Objective> objectives) {}

  private static Prepared prepare(SparkSession spark, SweepSpec spec, String outDir, String runId, boolean overwrite,
      Configuration hadoop, PrintStream out) {
    try {
      ResultTables.checkWritable(outDir, hadoop);
      if (!overwrite && ResultTables.runComplete(outDir, runId, hadoop)) {
        throw new UserError("run id '" + runId + "' already has results in " + outDir
            + "; pass --overwrite to replace them or choose another --run-id");
      }
      // device profiles first: a bad file is reported before a zoo model is trained
      List<io.modelpress.measure.DeviceProfile> devices = spec.devices() == null
          ? io.modelpress.config.DeviceProfilesParser.bundled()
          : io.modelpress.config.DeviceProfilesParser.parse(readDevices(spec.devices(), hadoop), spec.devices());
      LabeledImages test = Datasets.test(spec.dataset(), hadoop);
      byte[] modelBytes = modelBytes(spec, hadoop, out);
      byte[] fingerprint = ModelStore.sha256(modelBytes);
      Network model = restore(spec.model(), modelBytes);
      if (model.inputSize() != test.features()) {
        throw new UserError("the model takes " + model.inputSize() + " input features but dataset '"
            + spec.dataset().name() + "' has " + test.features() + " (" + test.rows() + "×" + test.cols()
            + "); use a model trained on this dataset");
      }
      if (model.outputSize() != Datasets.CLASSES) {
        boolean distills = spec.search().stream().anyMatch(b -> b.distill() != null);
        throw new UserError((distills ? "the teacher (the config's model) has " + model.outputSize()
            + " output classes but its students and dataset '" + spec.dataset().name() + "' have " + Datasets.CLASSES
            + "; use a teacher trained on this dataset"
            : "the model has " + model.outputSize() + " output classes but dataset '" + spec.dataset().name()
            + "' has " + Datasets.CLASSES));
      }
      ModelWeights weights = model.weights();
      io.modelpress.runtime.Architecture arch = architecture(model, spec.latency(), out);
      List<Objective> objectives = spec.objectives();
      if (arch != null && arch.ops().isEmpty() && objectives.stream().anyMatch(o -> o.metric().startsWith("latency_"))) {
        if (!objectives.equals(SweepSpec.DEFAULT_OBJECTIVES_WITH_LATENCY)) {
          throw new UserError("'objectives' name measured latency, but the runtime cannot execute this model (see the "
              + "line above); use macs or effective_macs instead");
        }
        objectives = SweepSpec.DEFAULT_OBJECTIVES;
        out.println("objectives: accuracy, encoded_bytes, macs (no measured latency for this model)");
      }
      spec = allocate(spark, spec, ModelStore.hex(fingerprint), out);
      SweepPlan plan = SweepPlanner.plan(spec, weights, ModelStore.hex(fingerprint), test.fingerprintHex(),
          test.features());
      boolean fineTunes = plan.trials().stream().anyMatch(t -> t.spec().needsTrainingData())
          || spec.search().stream().anyMatch(b -> b.evolve() != null && b.evolve().pruneMethod().needsCalibration());
      LabeledImages train = fineTunes ? Datasets.train(spec.dataset(), hadoop) : null;
      return new Prepared(plan, modelBytes, fingerprint, test, train, weights.names(), weights.macs(), arch, devices,
          objectives);
    } catch (UserError e) {
      throw e;
    } catch (io.modelpress.config.ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  /**
   * Fills every {@code allocate} block with the trials its sensitivity run gives
   * ({@link io.modelpress.plan.Allocator#equalDrop}): the run must be of this very model.
   */
  private static SweepSpec allocate(SparkSession spark, SweepSpec spec, String modelFp, PrintStream out) {
    List<io.modelpress.spec.SweepSpec.SearchBlock> blocks = new java.util.ArrayList<>();
    for (var b : spec.search()) {
      if (b.allocate() == null) {
        blocks.add(b);
        continue;
      }
      var a = b.allocate();
      List<String> tables = ResultTables.register(spark, a.results());
      if (!tables.contains(ResultTables.SENSITIVITY_SUMMARY)) {
        throw new UserError("'allocate.sensitivity.results' is " + a.results() + " but it has no sensitivity_summary "
            + "table; run modelpress sensitivity with --out " + a.results() + " first");
      }
      var run = spark.sql("select model_fingerprint from modelpress.runs where run_id = '" + a.runId() + "'")
          .collectAsList();
      if (run.isEmpty()) {
        throw new UserError("'allocate.sensitivity.run-id' is " + a.runId() + " but " + a.results()
            + "/runs has no such run");
      }
      if (!modelFp.equals(run.get(0).getString(0))) {
        throw new UserError("sensitivity run " + a.runId() + " measured another model (sha256 " + run.get(0).getString(0)
            + "), not this sweep's " + modelFp + "; allocate from a sensitivity run of the same model");
      }
      Map<String, java.util.NavigableMap<Double, Double>> curves = new java.util.TreeMap<>();
      for (var r : spark.sql("select layer, method, level, mean_drop from modelpress.sensitivity_summary where run_id = '"
          + a.runId() + "' and kind = 'single'").collectAsList()) {
        curves.computeIfAbsent(r.getString(0) + "\u0000" + r.getString(1), k -> new java.util.TreeMap<>())
            .put(r.getDouble(2), r.getDouble(3));
      }
      List<io.modelpress.plan.Allocator.Curve> list = new java.util.ArrayList<>();
      curves.forEach((k, v) -> list.add(new io.modelpress.plan.Allocator.Curve(k.split("\u0000")[0],
          k.split("\u0000")[1], v)));
      var allocations = io.modelpress.plan.Allocator.equalDrop(list, a.pruneMethod(), a.quantMethod(), a.thresholds())
          .stream().filter(x -> Double.isNaN(a.maxPredictedDrop()) || x.predictedDrop() <= a.maxPredictedDrop()).toList();
      var criterion = a.pruneMethod() == null ? io.modelpress.spec.PruneSpec.Criterion.MAGNITUDE
          : io.modelpress.spec.PruneSpec.Criterion.valueOf(a.pruneMethod().toUpperCase(Locale.ROOT).replace('-', '_'));
      var algorithm = a.quantMethod() == null ? io.modelpress.spec.QuantSpec.Algorithm.UNIFORM
          : io.modelpress.spec.QuantSpec.Algorithm.valueOf(a.quantMethod().toUpperCase(Locale.ROOT).replace('-', '_'));
      out.printf(Locale.ROOT, "block %s: %d allocations from sensitivity run %s%n", b.name(), allocations.size(),
          a.runId());
      blocks.add(b.withAllocated(allocations.stream().map(x -> x.toTrial(criterion, algorithm)).toList()));
    }
    return spec.withSearch(blocks);
  }

  /**
   * The model's layer sequence for the latency stage; null when latency is off. A model the runtime
   * cannot execute is still swept: its trials get a latency_error, and the reason is printed once here.
   */
  private static io.modelpress.runtime.Architecture architecture(Network model,
      io.modelpress.spec.LatencySpec latency, PrintStream out) {
    if (!latency.enabled()) {
      return null;
    }
    try {
      return model.architecture();
    } catch (IllegalArgumentException e) {
      out.println("latency: not measured, the runtime cannot execute this model: " + e.getMessage());
      return new io.modelpress.runtime.Architecture(1, 1, model.inputSize(), List.of());
    }
  }

  /** The text of a device profiles file (a local or Hadoop path). */
  private static String readDevices(String path, Configuration hadoop) {
    String local = readLocalOrNull(path, "devices");
    return local != null ? local : readHadoop(path, hadoop);
  }

  private static byte[] modelBytes(SweepSpec spec, Configuration hadoop, PrintStream out) {
    return modelBytes(spec.model(), spec.dataset(), hadoop, out);
  }

  /** The model of {@code m} restored from its bytes; a file that is no DL4J model is a user error naming its path. */
  static Network restore(io.modelpress.spec.ModelSpec m, byte[] bytes) {
    try {
      return Backends.dl4j().restore(bytes);
    } catch (IllegalArgumentException e) {
      if (m instanceof io.modelpress.spec.ModelSpec.Saved saved) {
        throw new UserError("'model.path' is set to " + saved.path() + " but that file is " + e.getMessage()
            + "; point it at a model saved with DL4J's ModelSerializer, e.g. by modelpress train");
      }
      throw e;
    }
  }

  /** The model file's bytes: read from its path, or the zoo model trained on the dataset (cached). */
  static byte[] modelBytes(ModelSpec model, io.modelpress.spec.DatasetSpec dataset, Configuration hadoop,
      PrintStream out) {
    if (model instanceof ModelSpec.Saved s) {
      return ModelStore.read(s.path(), hadoop);
    }
    ModelSpec.Zoo z = (ModelSpec.Zoo) model;
    LabeledImages train = Datasets.train(dataset, hadoop);
    return ModelStore.cachedZoo(z, train, Datasets.cacheDir(), () -> {
      out.printf(Locale.ROOT, "training %s on %d %s images (%d epochs, batch %d, seed %d) ...%n", z.name(),
          train.count(), dataset.name(), z.train().epochs(), z.train().batchSize(), z.train().seed());
      return Backends.dl4j().trainer().train(z.name(), z.train(), train,
          Progress.epochs(out, z.train().epochs())).save();
    });
  }

  static String readLocalOrNull(String path) {
    return readLocalOrNull(path, "--config");
  }

  /** A local file's text, or null for a Hadoop path; {@code key} names the setting in errors. */
  static String readLocalOrNull(String path, String key) {
    if (path.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:/.*") && !path.startsWith("file:")) {
      return null; // a Hadoop path: read once Spark's Hadoop configuration is there
    }
    java.nio.file.Path p = java.nio.file.Path.of(path.startsWith("file:") ? path.substring(5) : path);
    try {
      return java.nio.file.Files.readString(p, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserError("'" + key + "' is set to " + path + " but no such file exists");
    } catch (IOException e) {
      throw new UserError("cannot read config " + path + ": " + io.modelpress.data.StorageErrors.explain(e));
    }
  }

  static String readHadoop(String path, Configuration conf) {
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError("cannot read config " + path + ": " + io.modelpress.data.StorageErrors.explain(e));
    }
  }

  static String describe(List<Objective> objectives) {
    return objectives.stream().map(o -> o.metric() + " " + o.direction()).collect(Collectors.joining(", "));
  }

  static String describe(ModelSpec m) {
    if (m instanceof ModelSpec.Zoo z) {
      return "zoo:" + z.name();
    }
    return ((ModelSpec.Saved) m).path();
  }

  static String json(Object spec) {
    try {
      return new ObjectMapper()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true).writeValueAsString(spec);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void printSummary(PrintStream out, SweepSpec spec, RunInfo run, List<TrialResult> results,
      double seconds, String outDir) {
    List<TrialResult> frontier = Frontier.frontier(results, spec.objectives());
    out.printf(Locale.ROOT, "%nmodelpress sweep '%s' finished: run %s%n", spec.name(), run.runId());
    out.printf(Locale.ROOT, "  model     %s (sha256 %s…)%n", run.model(), run.modelFingerprint().substring(0, 12));
    out.printf(Locale.ROOT, "  base      accuracy %.2f %% on %d %s test images%n", 100 * run.baseAccuracy(),
        results.get(0).measurements().map(Measurements::examples).orElse(0L), run.dataset());
    out.printf(Locale.ROOT, "  trials    %d ok, %d failed, evaluated in %.1f s (%.1f trials/s) on %s%n", run.trialsOk(),
        run.trialsFailed(), seconds, results.size() / seconds, run.master());
    out.printf(Locale.ROOT, "  frontier  %d trials, objectives: %s; hypervolume %.4f (relative to the base), knee %s%n%n",
        frontier.size(), run.objectives(), run.hypervolume(), Frontier.knee(results, spec.objectives()));
    if (spec.latency().enabled()) {
      long measured = results.stream().filter(r -> r.measurements().map(m -> m.latency() != null && m.latency().isOk())
          .orElse(false)).count();
      long noisy = results.stream().filter(r -> r.measurements().map(m -> m.latency() != null && m.latency().noisy())
          .orElse(false)).count();
      out.printf(Locale.ROOT, "  latency   measured for %d of %d successful trials by the pure-Java runtime (batch 1 "
          + "and 32), %d flagged noisy%n", measured, run.trialsOk(), noisy);
      results.stream().flatMap(r -> r.measurements().stream()).map(Measurements::latency)
          .filter(l -> l != null && !l.isOk()).map(Latency::error).distinct().limit(3)
          .forEach(e -> out.printf(Locale.ROOT, "  latency   not measured: %s%n", e));
      out.println();
    }
    out.printf(Locale.ROOT, "  %-16s %-30s %-26s %-24s %9s %8s %11s %7s %9s%n", "trial_id", "method", "prune", "quantize",
        "accuracy", "drop", "encoded_B", "ratio", "b1_p50_ms");
    for (TrialResult r : frontier) {
      Measurements m = r.measurements().orElseThrow();
      String prune = io.modelpress.report.TrialText.prune(r.trial().spec());
      String quant = io.modelpress.report.TrialText.quant(r.trial().spec());
      double lat = m.metric("latency_b1_p50_ms");
      out.printf(Locale.ROOT, "  %-16s %-30s %-26s %-24s %8.2f%% %7.2f%% %11d %6.1fx %9s%n", r.trial().trialId(),
          truncate(io.modelpress.report.TrialText.method(r.trial().spec()), 30), truncate(prune, 26), truncate(quant, 24), 100 * m.accuracy(), 100 * m.accuracyDrop(),
          m.encodedBytes(), m.compressionRatio(), Double.isNaN(lat) ? "-" : String.format(Locale.ROOT, "%.4f", lat));
    }
    for (TrialResult r : results) {
      if (!r.isOk()) {
        out.printf(Locale.ROOT, "  failed: %s %s: %s%n", r.trial().trialId(), r.errorClass(), r.errorMessage());
      }
    }
    printDistillation(out, io.modelpress.distill.DistillSummary.of(results));
    out.printf(Locale.ROOT, "%n  tables    %s/{trials,frontier,device_estimates,runs}/run_id=%s (Parquet)%n", outDir,
        run.runId());
  }

  /** Per student of a distillation sweep: test errors of the hard-label baseline vs the best (T, α), mean ± std. */
  private static void printDistillation(PrintStream out, List<io.modelpress.distill.DistillSummary.Student> students) {
    if (students.isEmpty()) {
      return;
    }
    out.printf(Locale.ROOT, "%n  distillation: test errors, mean ± std over seeds (best T, α picked on the test set)%n");
    out.printf(Locale.ROOT, "  %-20s %5s %17s %17s %6s %5s %8s %s%n", "student", "seeds", "hard labels",
        "best distilled", "T", "α", "saved", "significant");
    for (io.modelpress.distill.DistillSummary.Student s : students) {
      var b = s.baseline();
      var best = s.best();
      out.printf(Locale.ROOT, "  %-20s %5s %17s %17s %6s %5s %8s %s%n", s.label(),
          b != null ? b.replicas() : best != null ? best.replicas() : "-",
          b == null ? "-" : String.format(Locale.ROOT, "%.1f ± %.1f", b.meanErrors(), b.stdErrors()),
          best == null ? "-" : String.format(Locale.ROOT, "%.1f ± %.1f", best.meanErrors(), best.stdErrors()),
          best == null ? "-" : String.format(Locale.ROOT, "%.3g", best.temperature()),
          best == null ? "-" : String.format(Locale.ROOT, "%.2g", best.alpha()),
          Double.isNaN(s.errorsSaved()) ? "-" : String.format(Locale.ROOT, "%.1f", s.errorsSaved()),
          b == null || best == null ? "-" : s.significant() ? "yes" : "no");
    }
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
