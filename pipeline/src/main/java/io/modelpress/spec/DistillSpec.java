package io.modelpress.spec;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Trains a student network from the run's model as teacher (Hinton, Vinyals and Dean 2015): loss
 * {@code α · CE(hard labels) + (1 − α) · T² · KL(softmax(teacher/T) ‖ softmax(student/T))} with Adam for
 * {@code epochs} over the training split. {@code α = 1} is the hard-label baseline of the same student
 * (method {@code student}); otherwise the method is {@code distill}. {@code seed} numbers the replica:
 * the student's initialisation and shuffling depend on it (and on nothing else), so a baseline and the
 * distilled students of one replica start from the same weights and see the same batches.
 * {@code validation} holds the last that many training examples out of training (baselines and
 * distilled students alike): the trial's accuracy on them chooses T and α per student
 * ({@code io.modelpress.sweep.DistillSummary}), so the test split is used only to report the choice.
 *
 * <p>A student is {@code mlp-H1[-H2...]}: dense ReLU layers of those widths and a softmax output.
 * {@link Parallelism#TASK} trains it inside its trial's task (many students at once, one per core);
 * {@link Parallelism#DATA} trains it before the trials with DL4J's Spark parameter averaging over the
 * whole cluster. Always the first step of a trial; prune, fine-tune and quantize steps then apply to
 * the student.
 */
public record DistillSpec(String student, double temperature, double alpha, int epochs, double learningRate,
    int batchSize, int seed, Parallelism parallelism, int averagingFrequency, int validation)
    implements CompressionStep {

  public static final Pattern STUDENT = Pattern.compile("mlp(-[1-9][0-9]{0,4}){1,8}");
  /**
   * Data-parallel students: mini-batches each worker fits between two parameter averagings. Measured in
   * BENCHMARKS.md ({@code bin/modelpress bench distill}, two workers, a 784-1200-1200-10 student): every
   * averaging round costs about 0.6 s; at 16 batches per worker an epoch took as long as one JVM, at 32
   * three quarters of it at the same accuracy, at 64 a little over half, 0.13 point less accurate.
   */

  public enum Parallelism {
    TASK, DATA;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A student with the default averaging frequency when it is trained data-parallel. */
  public DistillSpec(String student, double temperature, double alpha, int epochs, double learningRate,
      int batchSize, int seed, Parallelism parallelism) {
    this(student, temperature, alpha, epochs, learningRate, batchSize, seed, parallelism,
        parallelism == Parallelism.DATA ? Defaults.AVERAGING_FREQUENCY : 0);
  }

  /** A student trained on the whole training split (no validation examples held out). */
  public DistillSpec(String student, double temperature, double alpha, int epochs, double learningRate,
      int batchSize, int seed, Parallelism parallelism, int averagingFrequency) {
    this(student, temperature, alpha, epochs, learningRate, batchSize, seed, parallelism, averagingFrequency, 0);
  }

  public DistillSpec {
    Objects.requireNonNull(student, "student");
    Objects.requireNonNull(parallelism, "parallelism");
    if (parallelism == Parallelism.TASK) {
      averagingFrequency = 0; // nothing is averaged: equal task-parallel students must be equal records
    } else if (averagingFrequency < 1 || averagingFrequency > 100_000) {
      throw new SpecException("averaging-frequency", "is set to " + averagingFrequency
          + " but must be in 1..100000 (mini-batches per worker between parameter averagings)");
    }
    if (!STUDENT.matcher(student).matches()) {
      throw new SpecException("students", "has '" + student + "' but a student is mlp-H1[-H2...] "
          + "(hidden widths 1..99999, up to 8 layers), e.g. mlp-32 or mlp-800-800");
    }
    if (!(temperature > 0 && temperature <= 1000)) {
      throw new SpecException("temperatures", "has " + temperature + " but must be in (0, 1000]");
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new SpecException("alphas", "has " + alpha + " but must be in [0, 1]");
    }
    if (alpha == 1) {
      temperature = 1; // the soft term is off: equal baselines must be equal records
    }
    if (epochs < 1 || epochs > 1000) {
      throw new SpecException("epochs", "is set to " + epochs + " but must be in 1..1000");
    }
    if (!(learningRate > 0 && learningRate < 10)) {
      throw new SpecException("learning-rate", "is set to " + learningRate + " but must be in (0, 10)");
    }
    if (batchSize < 1 || batchSize > 65536) {
      throw new SpecException("batch-size", "is set to " + batchSize + " but must be in 1..65536");
    }
    if (seed < 0 || seed > 1_000_000) {
      throw new IllegalArgumentException("'distill' replica seed " + seed + " must be in 0..1000000");
    }
    if (validation < 0 || validation > 10_000_000) {
      throw new SpecException("validation", "is set to " + validation + " but must be in 0..10000000 (the last "
          + "training examples held out to choose T and alpha; 0: none)");
    }
  }

  /** The examples the student trains on: the training split without its last {@code validation} examples. */
  public int trainingExamples(int trainCount) {
    if (validation >= trainCount) {
      throw new IllegalArgumentException("distill.validation holds out " + validation + " examples but the training "
          + "split has " + trainCount + "; hold out fewer (0: none)");
    }
    return trainCount - validation;
  }

  /** The hidden layer widths of the student. */
  public int[] hidden() {
    String[] parts = student.substring("mlp-".length()).split("-");
    int[] h = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      h[i] = Integer.parseInt(parts[i]);
    }
    return h;
  }

  /** Whether this is the hard-label baseline ({@code α = 1}). */
  public boolean baseline() {
    return alpha == 1;
  }

  /** The seed of the student's initialisation and shuffling. */
  public long trainingSeed() {
    return 1_000L + seed;
  }

  @Override
  public String method() {
    return baseline() ? "student" : "distill";
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> m = new TreeMap<>();
    m.put("step", "distill");
    m.put("student", student);
    m.put("temperature", temperature);
    m.put("alpha", alpha);
    m.put("epochs", epochs);
    m.put("learning-rate", learningRate);
    m.put("batch-size", batchSize);
    m.put("seed", seed);
    m.put("parallelism", parallelism.id());
    if (parallelism == Parallelism.DATA) {
      m.put("averaging-frequency", averagingFrequency);
    }
    if (validation > 0) { // absent when 0, so students trained on the whole split keep their ids
      m.put("validation", validation);
    }
    return m;
  }

  /** The canonical JSON of this step alone: the key of a trained student shared by the trials chained on it. */
  public String key() {
    return new TrialSpec(java.util.List.of(this)).canonicalJson();
  }
}
