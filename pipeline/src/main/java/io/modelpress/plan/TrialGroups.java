package io.modelpress.plan;

import io.modelpress.spec.DistillSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How trials are cut into commit batches and Spark tasks when some of them train a student.
 *
 * <p>A <em>group</em> is the trials that share one student trained inside its task (the same
 * {@link DistillSpec#key()}, {@link DistillSpec.Parallelism#TASK}): the student alone and the prune /
 * quantize chains on it. A group must run in one task, so the student is trained once, and should not
 * be cut by a commit batch. Training a student costs far more than evaluating a trial and students
 * differ in size, so each group gets a partition of its own and the partitions go largest student
 * first (longest-processing-time-first scheduling: Spark hands out partitions in index order to the
 * free task slots, so the small students fill the gaps at the end). Every other trial is cut into
 * contiguous chunks as before.
 */
public final class TrialGroups {

  /** Most partitions per task slot for trials that train nothing. */
  static final int CHUNKS_PER_SLOT = 4;

  private TrialGroups() {}

  /** The student a trial trains in its task, or null (no distill step, or a data-parallel student). */
  static String studentKey(PlannedTrial t) {
    DistillSpec d = t.spec().distill().orElse(null);
    return d == null || d.parallelism() != DistillSpec.Parallelism.TASK ? null : d.key();
  }

  /**
   * Commit batches of at least {@code size} trials (the last may be smaller): trials in plan order, but
   * a group whole, in the batch where its first trial falls. A group's trials need not be contiguous in
   * the plan: a block that chains prune or quantize steps on a student another block also trains shares
   * that student, whose own trial the planner keeps at its first place.
   */
  public static List<List<PlannedTrial>> batches(List<PlannedTrial> trials, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("batch size is " + size + " but must be at least 1");
    }
    Map<String, List<PlannedTrial>> groups = new LinkedHashMap<>();
    for (PlannedTrial t : trials) {
      String key = studentKey(t);
      if (key != null) {
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
      }
    }
    List<List<PlannedTrial>> out = new ArrayList<>();
    List<PlannedTrial> batch = new ArrayList<>();
    java.util.Set<String> placed = new java.util.HashSet<>();
    for (PlannedTrial t : trials) {
      String key = studentKey(t);
      if (key == null) {
        batch.add(t);
      } else if (placed.add(key)) {
        batch.addAll(groups.get(key));
      } else {
        continue; // already in the batch of its group's first trial
      }
      if (batch.size() >= size) {
        out.add(batch);
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      out.add(batch);
    }
    return out;
  }

  /**
   * The Spark partitions of a batch for {@code slots} task slots: one per group, largest training
   * cost first ({@code features} inputs per example size the students), then the other trials in
   * contiguous chunks, at most {@link #CHUNKS_PER_SLOT} per slot. Without students this is the even
   * contiguous split Spark's {@code parallelize} makes.
   */
  public static List<List<PlannedTrial>> partitions(List<PlannedTrial> trials, int slots, int features) {
    Map<String, List<PlannedTrial>> groups = new LinkedHashMap<>();
    List<PlannedTrial> rest = new ArrayList<>();
    for (PlannedTrial t : trials) {
      String key = studentKey(t);
      if (key == null) {
        rest.add(t);
      } else {
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
      }
    }
    List<List<PlannedTrial>> out = new ArrayList<>(groups.values());
    out.sort(Comparator.comparingLong((List<PlannedTrial> g) -> cost(g.get(0).spec().distill().orElseThrow(), features))
        .reversed()); // stable: equal students keep plan order
    out.addAll(chunks(rest, slots));
    return out;
  }

  /**
   * {@code trials} in input order cut into {@code min(n, 4 × slots)} contiguous chunks of near-equal size,
   * at the boundaries Spark's {@code ParallelCollectionRDD.slice} uses; none when there are no trials.
   */
  public static List<List<PlannedTrial>> chunks(List<PlannedTrial> trials, int slots) {
    int chunks = Math.min(trials.size(), CHUNKS_PER_SLOT * Math.max(1, slots));
    List<List<PlannedTrial>> out = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      int from = (int) ((long) i * trials.size() / chunks);
      int to = (int) ((long) (i + 1) * trials.size() / chunks);
      out.add(new ArrayList<>(trials.subList(from, to)));
    }
    return out;
  }

  /** Multiply-accumulates of training a student: its weights times its epochs (the examples are the same). */
  static long cost(DistillSpec d, int features) {
    return TrialWork.studentMacs(d, features) * d.epochs();
  }
}
