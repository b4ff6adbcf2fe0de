package io.modelpress.sweep;

import io.modelpress.spec.Defaults;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.onnx.OnnxExport;
import io.modelpress.onnx.OnnxRunner;
import io.modelpress.spec.EvalEngine;
import io.modelpress.encode.ArtifactEncoder;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.measure.ModelSize;
import io.modelpress.model.Backend;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.weights.ModelWeights;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.compress.prune.AgpSchedule;
import io.modelpress.compress.prune.WeightPruner;
import io.modelpress.compress.quant.QuantTrainer;
import io.modelpress.compress.Calibration;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.TrialSpec;
import java.util.Map;

/**
 * Runs trials against one restored model: compress the base weights, load them into the network,
 * predict the evaluation set, encode the artifact, measure. One instance per thread (it owns a network).
 * A trial that throws becomes a failed {@link TrialResult}; it never fails the caller.
 */
public final class TrialEvaluator {

  private final Network model;
  private final Backend backend;
  private final Trainer trainer;
  private final ModelWeights base;
  private final Network.Inputs inputs;
  private final int[] labels;
  private final int classes;
  private final byte[] fingerprint;
  private final int batch;
  private final TrainingSplit train; // null: trials that fine-tune fail with a clear message
  private final LabeledImages eval; // the evaluation images, as ONNX Runtime reads them
  private final EvalEngine engine;
  private volatile boolean sawError;
  private final Map<Integer, Calibration> calibrations = new java.util.HashMap<>();
  /**
   * The training split's first examples by count (calibration, int8 activation ranges) and a student's held-out
   * tail by its size, read once per evaluator: from a split in pieces each read is a file read.
   */
  private final Map<Integer, LabeledImages> heads = new java.util.HashMap<>();
  private final Map<Integer, LabeledImages> validations = new java.util.HashMap<>();
  private final long baseDenseBytes; // the original fp32 model: the denominator of every compression ratio
  private final Students students; // null: trials that distill fail with a clear message
  /** Students trained by this evaluator, most recent last: the trials chained on one student reuse it. */
  private final java.util.LinkedHashMap<String, Student> trainedStudents = new java.util.LinkedHashMap<>(8, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Student> eldest) {
      return size() > 4;
    }
  };

  /**
   * What distillation trials need on an executor: the teacher's logits of every training example
   * (row-major [examples × classes]) and the students trained data-parallel before the trials, keyed by
   * {@link DistillSpec#key()}.
   */
  public record Students(float[] teacherLogits, Map<String, Pretrained> pretrained) implements java.io.Serializable {
    public Students {
      java.util.Objects.requireNonNull(teacherLogits, "teacherLogits");
      pretrained = Map.copyOf(pretrained);
    }
  }

  /** A student trained before the trials: its saved bytes and the wall time its training took. */
  public record Pretrained(byte[] model, double trainMs) implements java.io.Serializable {}

  /** A trained student: its network, its weights as trained, and how long training took. */
  private record Student(Network network, ModelWeights weights, double trainMs) {}

  /**
   * @param train the training split for trials that fine-tune (null when no trial does)
   * @param fingerprint SHA-256 of the original model file, recorded in every artifact
   */
  public TrialEvaluator(Backend backend, Network model, ModelWeights base, LabeledImages eval, LabeledImages train,
      byte[] fingerprint, int batch) {
    this(backend, model, base, eval, TrainingSplit.of(train), fingerprint, batch, null);
  }

  /**
   * As above, with the training split in memory or in storage; {@code students} serves the trials that
   * distill (null when none does).
   */
  public TrialEvaluator(Backend backend, Network model, ModelWeights base, LabeledImages eval, TrainingSplit train,
      byte[] fingerprint, int batch, Students students) {
    this(backend, model, base, eval, train, fingerprint, batch, students, EvalEngine.DL4J);
  }

  /**
   * As above, with the engine that computes accuracy: with {@link EvalEngine#ONNXRUNTIME} every trial's ONNX form
   * is run in ONNX Runtime, its int8 activations calibrated on the training split's first
   * {@link OnnxExport#CALIBRATION_IMAGES} examples (as {@code export} calibrates), so {@code train} is required.
   */
  public TrialEvaluator(Backend backend, Network model, ModelWeights base, LabeledImages eval, TrainingSplit train,
      byte[] fingerprint, int batch, Students students, EvalEngine engine) {
    if (engine == EvalEngine.ONNXRUNTIME && train == null) {
      throw new IllegalArgumentException("evaluation.engine onnxruntime calibrates int8 activations on training "
          + "images, but the evaluator was given no training split");
    }
    this.engine = engine;
    this.eval = eval;
    this.backend = backend;
    this.trainer = backend.trainer();
    this.students = students;
    this.train = train;
    this.model = model;
    this.base = base;
    this.baseDenseBytes = ModelSize.of(base).denseBytes();
    this.inputs = model.inputs(eval);
    this.labels = eval.labels();
    this.classes = model.outputSize();
    this.fingerprint = fingerprint;
    this.batch = batch;
  }

  public TrialResult evaluate(PlannedTrial trial, String executor) {
    return evaluateKeeping(trial, executor).result();
  }

  /**
   * A trial's result and, when it succeeded, its compressed model (for the latency stage) with the
   * architecture to execute it as (null: the run's model's; a student's otherwise).
   */
  public record Kept(TrialResult result, CompressedModel model, io.modelpress.runtime.Architecture architecture)
      implements java.io.Serializable {}

  /** {@link #evaluate}, keeping the compressed model of a successful trial. */
  public Kept evaluateKeeping(PlannedTrial trial, String executor) {
    try {
      CrashPoint.at("trial." + trial.block()); // fault injection: a trial that fails (tests only)
      Evaluated e = measure(trial);
      return new Kept(TrialResult.ok(trial, e.measurements(), executor), e.model(), e.architecture());
    } catch (RuntimeException e) {
      return new Kept(TrialResult.failed(trial, e, executor), null, null);
    } catch (OutOfMemoryError | StackOverflowError e) {
      sawError = true;
      return new Kept(TrialResult.failed(trial, e, executor), null, null);
    }
  }

  /**
   * The per-class counts of a compressed model on this evaluator's evaluation examples: one shard's part of a
   * trial's accuracy and F1 when the test split is evaluated in shards. {@code architecture}: null for a model
   * of this evaluator's network, a distilled student's otherwise.
   */
  public io.modelpress.measure.ClassificationMetrics.Counts counts(CompressedModel m,
      io.modelpress.runtime.Architecture architecture) {
    Network net = architecture == null ? loaded(m) : backend.build(architecture, m.weights()); // a student: its own
    return io.modelpress.measure.ClassificationMetrics.Counts.of(labels, net.predict(inputs, batch), classes);
  }

  /**
   * A compressed model's per-example results on this evaluator's examples, summed for a sensitivity run
   * ({@link Sensitivity#sums}): one shard's part when the test split is in shards, its examples being
   * {@code offset ..} of the {@code n} of the whole split.
   */
  public Sensitivity.Sums sums(CompressedModel m, int offset, int n, long rootSeed, int seeds) {
    boolean[] correct = new boolean[labels.length];
    float[] loss = new float[labels.length];
    perExample(loaded(m).outputs(inputs, batch), correct, loss);
    return Sensitivity.sums(correct, loss, offset, n, rootSeed, seeds);
  }

  /** The network with {@code m}'s weights loaded (rebuilt smaller when structured pruning removed units). */
  private Network loaded(CompressedModel m) {
    boolean sameShapes = base.layers().size() == m.weights().layers().size();
    for (int i = 0; sameShapes && i < base.layers().size(); i++) {
      sameShapes = java.util.Arrays.equals(base.layers().get(i).shape(), m.weights().layers().get(i).shape());
    }
    Network net = sameShapes ? model : model.rebuilt(m.weights());
    net.load(m.weights());
    return net;
  }

  /** Whether each example is predicted right, and its cross-entropy, from the class probabilities {@code p}. */
  private void perExample(float[] p, boolean[] correct, float[] loss) {
    for (int i = 0; i < labels.length; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (p[i * classes + c] > p[i * classes + best]) {
          best = c;
        }
      }
      correct[i] = best == labels[i];
      loss[i] = (float) -Math.log(Math.max(1e-12, p[i * classes + labels[i]]));
    }
  }

  /** Whether a trial ended in a JVM error; such an evaluator is not reused. */
  public boolean sawError() {
    return sawError;
  }


  /**
   * The network a trial runs on and its compressed weights, before evaluation; for a distillation trial,
   * how long its student trained (NaN otherwise).
   */
  public record Compressed(Network network, CompressedModel model, double trainMs, boolean student) {
    public Compressed(Network network, CompressedModel model) {
      this(network, model, Double.NaN, false);
    }
  }

  /**
   * Applies a trial's steps: prune (one-shot, or gradually along AGP; structured pruning rebuilds a
   * smaller network), fine-tune with the masks enforced, quantize, train the quantizer. Deterministic
   * for the trial's seed. The returned network may be this evaluator's own (reused by the next trial).
   */
  public Compressed compress(PlannedTrial trial) {
    TrialSpec spec = trial.spec();
    if (spec.needsTrainingData() && train == null) {
      throw new IllegalArgumentException("trial needs the training split (fine-tuning, quantizer training or "
          + "calibration) but the sweep was given no training data");
    }
    Network model = this.model;
    ModelWeights base = this.base;
    double trainMs = Double.NaN;
    if (spec.distill().isPresent()) {
      Student s = student(spec.distill().get());
      model = s.network();
      base = s.weights();
      trainMs = s.trainMs();
    }
    boolean isStudent = spec.distill().isPresent();
    PruneSpec p = spec.prune().orElse(null);
    boolean agp = spec.fineTune().map(f -> f.schedule() == FineTuneSpec.Schedule.AGP).orElse(false);
    // AGP recalibrates on the training network at each pruning step; the others score the base model
    Calibration cal = p == null || !p.criterion().needsCalibration() || agp ? null
        : isStudent ? trainer.calibrate(model, base, calibrationExamples(p.calibrationBatches()), p.calibrationBatches(),
            PruneSpec.CALIBRATION_BATCH_SIZE)
        : calibration(p.calibrationBatches());
    Network net = model;
    TrialCompressor.Pruned pruned;
    if (spec.fineTune().isPresent()) {
      pruned = fineTuned(model, base, spec, cal, trial.seed());
    } else {
      pruned = p == null ? new TrialCompressor.Pruned(base, Map.of(), Double.NaN) : TrialCompressor.prune(base, p, cal);
    }
    if (p != null && p.structured()) {
      net = model.rebuilt(pruned.weights());
    }
    QuantSpec q = spec.quant().orElse(null);
    if (q != null && q.trains()) {
      QuantTrainer qt = new QuantTrainer(pruned.weights(), q, pruned.masks(), pruned.sparsity());
      ModelWeights trained = trainer.descend(net, qt.initial(), qt, train, q.trainEpochs(), Defaults.FINETUNE_BATCH_SIZE,
          trial.seed() + 1);
      return new Compressed(net, qt.result(trained), trainMs, isStudent);
    }
    return new Compressed(net, TrialCompressor.quantize(pruned.weights(), spec.quant(), pruned.sparsity()), trainMs,
        isStudent);
  }

  /**
   * The student of a distillation step: trained data-parallel before the trials (restored from its
   * bytes), trained by this evaluator for an earlier trial, or trained now on this task's thread.
   */
  private Student student(DistillSpec d) {
    if (students == null) {
      throw new IllegalArgumentException("trial distills a student but the sweep computed no soft targets");
    }
    String key = d.key();
    Student s = trainedStudents.get(key);
    if (s == null) {
      long t0 = System.nanoTime();
      Pretrained saved = students.pretrained().get(key);
      io.modelpress.distill.HeldOut fit = saved != null ? null
          : io.modelpress.distill.HeldOut.of(d, train, students.teacherLogits(), classes);
      Network net = saved != null ? backend.restore(saved.model())
          : trainer.student(d, fit.fit(), fit.fitLogits(), classes, Trainer.EpochListener.NONE);
      s = new Student(net, net.weights(), saved != null ? saved.trainMs() : (System.nanoTime() - t0) / 1e6);
      trainedStudents.put(key, s);
    }
    return s;
  }

  /** A student's layer sequence for the runtime (students are dense networks: always executable). */
  private static io.modelpress.runtime.Architecture studentArchitecture(Network student) {
    return student.architecture();
  }

  /** Statistics of the base model for data-driven criteria, computed once per batch count. */
  private Calibration calibration(int batches) {
    return calibrations.computeIfAbsent(batches,
        b -> trainer.calibrate(model, base, calibrationExamples(b), b, PruneSpec.CALIBRATION_BATCH_SIZE));
  }

  /** The examples calibration reads: the training split's first batches (read order), whatever it is held in. */
  private LabeledImages calibrationExamples(int batches) {
    return trainHead(batches * PruneSpec.CALIBRATION_BATCH_SIZE);
  }

  private LabeledImages trainHead(int n) {
    return heads.computeIfAbsent(n, train::head);
  }

  /** Prune (one-shot, or gradually along AGP), then fine-tune with the masks enforced. */
  private TrialCompressor.Pruned fineTuned(Network model, ModelWeights base, TrialSpec spec, Calibration cal,
      long seed) {
    FineTuneSpec ft = spec.fineTune().orElseThrow();
    PruneSpec p = spec.prune().orElse(null);
    ModelWeights start = base;
    Network net = model;
    Trainer.MaskSchedule schedule;
    if (p == null) {
      schedule = (t, current) -> t == 0 ? Map.of() : null;
    } else if (p.structured()) {
      TrialCompressor.Pruned pruned = TrialCompressor.prune(base, p, cal);
      start = pruned.weights();
      net = model.rebuilt(start);
      Trainer.Tuned tuned = trainer.fineTune(net, start, (t, current) -> t == 0 ? Map.of() : null, train, ft.epochs(),
          ft.learningRate(), ft.batchSize(), seed);
      return new TrialCompressor.Pruned(tuned.weights(), Map.of(), pruned.sparsity());
    } else if (ft.schedule() == FineTuneSpec.Schedule.ONE_SHOT) {
      TrialCompressor.Pruned pruned = TrialCompressor.prune(base, p, cal);
      start = pruned.weights();
      schedule = (t, current) -> t == 0 ? pruned.masks() : null;
    } else {
      long iterations = ft.epochs() * train.batchesPerEpoch(ft.batchSize());
      // n steps Δt apart must end within the first three quarters of training, or the target is never reached
      int steps = (int) Math.max(1, Math.min(ft.pruneSteps(), 3 * iterations / 4));
      long interval = Math.max(1, (3 * iterations / 4) / steps);
      AgpSchedule agp = new AgpSchedule(0.0, p.level(), 0, interval, steps);
      // data-driven criteria are recomputed on the network as it trains, at every pruning step
      schedule = (t, current) -> {
        if (!agp.prunesAt(t)) {
          return null;
        }
        ModelWeights now = current.weights();
        Calibration c = p.criterion().needsCalibration()
            ? trainer.calibrate(current, now, calibrationExamples(p.calibrationBatches()), p.calibrationBatches(),
                PruneSpec.CALIBRATION_BATCH_SIZE) : null;
        return WeightPruner.masks(now, p.withLevel(agp.sparsityAt(t)), c);
      };
    }
    Trainer.Tuned tuned = trainer.fineTune(net, start, schedule, train, ft.epochs(), ft.learningRate(), ft.batchSize(), seed);
    double sparsity = p == null ? Double.NaN : TrialCompressor.sparsity(tuned.masks());
    return new TrialCompressor.Pruned(tuned.weights(), tuned.masks(), sparsity);
  }

  /**
   * Runs a trial and keeps per-example results: whether each evaluation example is classified
   * correctly and its cross-entropy −ln p(label) (p floored at 1e-12), with the artifact's size.
   */
  public Sensitivity.Outcome examples(PlannedTrial trial, long rootSeed, int seeds) {
    try {
      Compressed cn = compress(trial);
      cn.network().load(cn.model().weights());
      boolean[] correct = new boolean[labels.length];
      float[] loss = new float[labels.length];
      perExample(cn.network().outputs(inputs, batch), correct, loss);
      long bytes = ArtifactEncoder.encode(cn.model(), fingerprint).length;
      return Sensitivity.outcome(trial, correct, loss, bytes, cn.model().weights().params(), rootSeed, seeds);
    } catch (RuntimeException e) {
      return new Sensitivity.Outcome(trial, Double.NaN, Double.NaN, null, null, 0, 0, e.getClass().getName(),
          e.getMessage() == null ? "" : e.getMessage());
    }
  }

  /** A trial's measurements and the artifact they were measured on. */
  public record Evaluated(Measurements measurements, byte[] artifact, CompressedModel model,
      io.modelpress.runtime.Architecture architecture) {}

  /**
   * The predictions of the trial's ONNX form (the graph {@code export} writes) in ONNX Runtime, on the evaluation
   * images and on {@code held} (null when none).
   */
  private int[][] onnxPredictions(Compressed cn, LabeledImages held) {
    io.modelpress.runtime.Architecture arch;
    try {
      arch = cn.network().architecture();
    } catch (IllegalArgumentException e) {
      return null; // a network without an ONNX form (nor a runtime one): DL4J evaluates it
    }
    LabeledImages calibration = trainHead(OnnxExport.CALIBRATION_IMAGES);
    byte[] onnx = OnnxExport.write(arch, cn.model(), eval.channels(), eval.height(),
        eval.width(), io.modelpress.model.Versions.code(), calibration);
    try (OnnxRunner runner = new OnnxRunner(onnx)) {
      return new int[][] {runner.predict(eval, ONNX_BATCH), held == null ? null : runner.predict(held, ONNX_BATCH)};
    }
  }

  /** Examples per ONNX Runtime call when evaluating (export's check uses the same). */
  private static final int ONNX_BATCH = 500;

  /** Runs a trial and keeps its artifact (exceptions propagate: for export, not for sweeps). */
  public Evaluated measure(PlannedTrial trial) {
    long t0 = System.nanoTime();
    Compressed cn = compress(trial);
    CompressedModel c = cn.model();
    long t1 = System.nanoTime();
    LabeledImages held = trial.spec().distill()
        .map(d -> validations.computeIfAbsent(d.validation(), v -> io.modelpress.distill.HeldOut.validation(d, train)))
        .orElse(null);
    int[][] predicted = engine == EvalEngine.ONNXRUNTIME ? onnxPredictions(cn, held) : null;
    if (predicted == null) {
      cn.network().load(c.weights());
      predicted = new int[][] {cn.network().predict(inputs, batch),
          held == null ? null : cn.network().predict(cn.network().inputs(held), batch)};
    }
    ClassificationMetrics m = ClassificationMetrics.of(labels, predicted[0], classes);
    double validationAccuracy = held == null ? Double.NaN
        : ClassificationMetrics.of(held.labels(), predicted[1], classes).accuracy();
    long t2 = System.nanoTime();
    byte[] artifact = ArtifactEncoder.encode(c, fingerprint);
    long t3 = System.nanoTime();
    ModelSize size = ModelSize.of(c.weights());
    long weights = 0;
    long zeros = 0;
    for (var l : c.weights().layers()) {
      weights += l.size();
      zeros += l.size() - l.nonZeros();
    }
    return new Evaluated(new Measurements(new Measurements.Quality(// accuracy_drop is NaN here: the driver sets it from the base trial (TrialResult.withAccuracyDrops)
        m.accuracy(), Double.NaN, m.macroPrecision(), m.macroRecall(), m.macroF1(), m.examples(), validationAccuracy,
        held == null ? 0 : held.count()), new Measurements.Size(size.params(), size.nonZeroParams(), (double) zeros / weights, c.prunedSparsity(), size.denseBytes(), artifact.length, (double) baseDenseBytes / artifact.length, size.macs(), size.effectiveMacs()), io.modelpress.measure.EnergyModel.microjoulesPerInference(c, artifact.length), new Measurements.Timings((t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, cn.trainMs()), io.modelpress.measure.LayerWorkload.of(c), null),
        artifact, c, cn.student() ? studentArchitecture(cn.network()) : null);
  }
}
