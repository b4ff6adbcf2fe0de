package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.config.ConfigException;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.spec.TrialSpecs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Distillation blocks planned without Spark: students, baselines, chains, and how they are batched and scheduled. */
class DistillPlanTest {

  static final String CONFIG = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      search:
        - name: kd
          distill: {students: [mlp-16, mlp-300-100], temperatures: [2, 8], alphas: [0.5, 0.9], seeds: 2, epochs: 2}
        - name: chain
          distill: {students: [mlp-32], temperatures: [4], alphas: [0.5], baselines: false}
          prune: {sparsities: [0.5, 0.9], layers: {exclude: [out]}}
          quantize: {bits: [4]}
        - name: q
          quantize: {bits: [4, 8]}
        - name: dp
          distill: {students: [mlp-64], temperatures: [4], alphas: [0.5], parallelism: data, averaging-frequency: 8}
        - name: shared
          # the kd block's mlp-16 at T 2, alpha 0.5, replica 0, pruned: the same student, planned far from it
          distill: {students: [mlp-16], temperatures: [2], alphas: [0.5], epochs: 2, baselines: false}
          prune: {sparsities: [0.5, 0.7]}
      """;

  static SweepPlan plan() {
    return SweepPlanner.plan(SweepConfigParser.parse(CONFIG, "t"), TestData.smallModel(1), "m", "d", 784);
  }

  @Test
  void everyReplicaHasItsHardLabelBaselineFirstAndChainsResolveOnTheStudentsLayers() {
    SweepPlan plan = plan();
    List<PlannedTrial> kd = plan.trials().stream().filter(t -> t.block().equals("kd")).toList();
    // 2 students × 2 replicas × (baseline + 2 T × 2 α)
    assertThat(kd).hasSize(2 * 2 * 5);
    for (int i = 0; i < kd.size(); i += 5) {
      DistillSpec baseline = kd.get(i).spec().distill().orElseThrow();
      assertThat(baseline.baseline()).isTrue();
      assertThat(baseline.method()).isEqualTo("student");
      for (PlannedTrial t : kd.subList(i + 1, i + 5)) {
        DistillSpec d = t.spec().distill().orElseThrow();
        assertThat(d.method()).isEqualTo("distill");
        // same student and replica: the same initial weights and batches as its baseline
        assertThat(d.student()).isEqualTo(baseline.student());
        assertThat(d.seed()).isEqualTo(baseline.seed());
        assertThat(d.trainingSeed()).isEqualTo(baseline.trainingSeed());
      }
    }
    assertThat(kd.stream().map(t -> t.spec().distill().orElseThrow().seed()).distinct()).containsExactly(0, 1);

    List<PlannedTrial> chain = plan.trials().stream().filter(t -> t.block().equals("chain")).toList();
    assertThat(chain).hasSize(1 + 2); // the student itself, then 2 sparsities × 4 bits on it
    assertThat(chain.get(0).spec().steps()).hasSize(1);
    for (PlannedTrial t : chain.subList(1, 3)) {
      // the teacher (smallModel) has fc1, fc2, out; the student mlp-32 has fc1 and out only
      assertThat(t.spec().prune().orElseThrow().layers().resolve(SweepPlanner.studentShapes(
          t.spec().distill().orElseThrow(), 784, 4))).containsExactly("fc1");
      assertThat(t.spec().distill().orElseThrow().key()).isEqualTo(chain.get(0).spec().distill().orElseThrow().key());
    }
    assertThat(new HashSet<>(plan.trials().stream().map(PlannedTrial::trialId).toList())).hasSize(plan.size());
  }

  @Test
  void distillStepsRoundTripThroughSpecJsonWithTheirAveragingFrequency() {
    for (PlannedTrial t : plan().trials()) {
      TrialSpec back = TrialSpecs.fromCanonicalJson(t.spec().canonicalJson());
      assertThat(back).isEqualTo(t.spec());
    }
    DistillSpec dp = plan().trials().stream().filter(t -> t.block().equals("dp")).findFirst().orElseThrow()
        .spec().distill().orElseThrow();
    assertThat(dp.parallelism()).isEqualTo(DistillSpec.Parallelism.DATA);
    assertThat(dp.averagingFrequency()).isEqualTo(8);
    assertThat(dp.canonical()).containsEntry("averaging-frequency", 8);
    DistillSpec task = new DistillSpec("mlp-8", 2, 0.5, 1, 1e-3, 32, 0, DistillSpec.Parallelism.TASK, 99);
    assertThat(task.averagingFrequency()).as("nothing is averaged in a task").isZero();
    assertThat(task.canonical()).doesNotContainKey("averaging-frequency");
  }

  @Test
  void commitBatchesNeverCutAStudentsGroupEvenWhenItsTrialsAreFarApartInThePlan() {
    List<PlannedTrial> trials = plan().trials();
    List<PlannedTrial> shared = trials.stream().filter(t -> t.block().equals("shared")).toList();
    assertThat(shared).as("the student itself is the kd block's trial: only its chains are new").hasSize(2);
    String key = TrialGroups.studentKey(shared.get(0));
    PlannedTrial student = trials.stream().filter(t -> key.equals(TrialGroups.studentKey(t))).findFirst().orElseThrow();
    assertThat(student.block()).isEqualTo("kd");
    assertThat(shared.get(0).index() - student.index()).as("far apart in plan order").isGreaterThan(20);
    for (int size = 1; size <= 12; size++) {
      List<List<PlannedTrial>> batches = TrialGroups.batches(trials, size);
      List<PlannedTrial> joined = new ArrayList<>();
      batches.forEach(joined::addAll);
      assertThat(joined).as("every trial once, batches of %d", size).containsExactlyInAnyOrderElementsOf(trials);
      Set<String> seen = new HashSet<>();
      for (int b = 0; b < batches.size(); b++) {
        if (b + 1 < batches.size()) {
          assertThat(batches.get(b).size()).as("batch %d of size %d", b, size).isGreaterThanOrEqualTo(size);
        }
        Set<String> here = new HashSet<>();
        batches.get(b).stream().map(TrialGroups::studentKey).filter(k -> k != null).forEach(here::add);
        for (String k : here) {
          assertThat(seen.add(k)).as("student %s in two batches of %d", k, size).isTrue();
        }
      }
      List<PlannedTrial> withStudent = batches.stream().filter(b -> b.contains(student)).findFirst().orElseThrow();
      assertThat(withStudent).as("batches of %d", size).containsAll(shared);
    }
    // the chain block's student and its two chains are one group: a batch of 1 starting on the student holds 3
    PlannedTrial chain = trials.stream().filter(t -> t.block().equals("chain")).findFirst().orElseThrow();
    List<List<PlannedTrial>> ones = TrialGroups.batches(trials, 1);
    assertThat(ones.stream().filter(b -> b.contains(chain)).findFirst().orElseThrow()).hasSize(3);
    assertThatThrownBy(() -> TrialGroups.batches(trials, 0)).hasMessage("batch size is 0 but must be at least 1");
  }

  @Test
  void partitionsGiveEachStudentItsOwnTaskLargestFirstAndChunkTheRest() {
    List<PlannedTrial> trials = plan().trials();
    List<List<PlannedTrial>> parts = TrialGroups.partitions(trials, 2, 784);
    List<PlannedTrial> joined = new ArrayList<>();
    parts.forEach(joined::addAll);
    assertThat(joined).containsExactlyInAnyOrderElementsOf(trials);
    long students = trials.stream().map(TrialGroups::studentKey).filter(k -> k != null).distinct().count();
    // kd: 2 students × 2 replicas × 5 steps; chain: 1 student; the dp block trains on the cluster, not in a task
    assertThat(students).isEqualTo(20 + 1);
    long previous = Long.MAX_VALUE;
    for (List<PlannedTrial> p : parts.subList(0, (int) students)) {
      assertThat(p.stream().map(TrialGroups::studentKey).distinct()).hasSize(1);
      long cost = TrialGroups.cost(p.get(0).spec().distill().orElseThrow(), 784);
      assertThat(cost).isLessThanOrEqualTo(previous);
      previous = cost;
    }
    assertThat(parts.get(0).get(0).spec().distill().orElseThrow().student()).isEqualTo("mlp-300-100");
    List<PlannedTrial> rest = trials.stream().filter(t -> TrialGroups.studentKey(t) == null).toList();
    assertThat(parts.subList((int) students, parts.size())).isEqualTo(TrialGroups.chunks(rest, 2));

    // without students: Spark's own contiguous split, at most 4 chunks per slot
    List<PlannedTrial> plain = new ArrayList<>(rest);
    List<List<PlannedTrial>> chunks = TrialGroups.partitions(plain, 1, 784);
    assertThat(chunks).hasSize(4);
    assertThat(chunks.stream().mapToInt(List::size).max().getAsInt()
        - chunks.stream().mapToInt(List::size).min().getAsInt()).isLessThanOrEqualTo(1);
    List<PlannedTrial> again = new ArrayList<>();
    chunks.forEach(again::addAll);
    assertThat(again).isEqualTo(plain);
    assertThat(TrialGroups.chunks(List.of(), 2)).isEmpty();
  }

  @Test
  void badDistillationBlocksAreRefusedWithTheKeyAndTheFix() {
    assertThatThrownBy(() -> parse("distill: {students: [mlp-8], temperatures: [2], alphas: [0.5], averaging-frequency: 4}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("'search[0].distill.averaging-frequency' is set to 4 but parallelism is task; it applies to students "
            + "trained data-parallel only (parallelism: data)");
    assertThatThrownBy(() -> parse("distill: {students: [cnn-3]}"))
        .hasMessageStartingWith("'search[0].distill.students' has 'cnn-3' but a student is mlp-H1[-H2...]");
    assertThatThrownBy(() -> parse("distill: {students: [mlp-8], temperature: [2]}"))
        .hasMessageStartingWith("unknown key 'search[0].distill.temperature'; valid keys in 'search[0].distill': ");
    assertThatThrownBy(() -> parse("distill: {temperatures: [2]}"))
        .hasMessageStartingWith("'search[0].distill.students' is missing");
    assertThatThrownBy(() -> parse("distill: {students: [mlp-8], alphas: [1.5]}"))
        .hasMessageContaining("'search[0].distill.alphas' has 1.5 but must be in [0, 1]");
    assertThatThrownBy(() -> parse("distill: {students: [mlp-8], temperatures: [0]}"))
        .hasMessageContaining("'search[0].distill.temperatures' has 0.0 but must be in (0, 1000]");
    assertThatThrownBy(() -> parse("distill: {students: [mlp-8], parallelism: gpu}"))
        .hasMessageContaining("gpu");
  }

  private static SweepSpec parse(String block) {
    return SweepConfigParser.parse("""
        version: 1
        model: {zoo: mlp-64-64}
        dataset: mnist
        search:
          - %s
        """.formatted(block), "t");
  }
}
