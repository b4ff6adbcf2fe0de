package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.TestData;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.model.ModelWeights;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The work each trial is charged for the sweep's ETA, on a plan with every kind of trial. */
class TrialWorkTest {

  static final String CONFIG = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      search:
        - name: p
          prune: {sparsities: [0.5]}
        - name: ft
          prune: {sparsities: [0.5]}
          finetune: {epochs: 2}
        - name: qat
          quantize: {bits: [4], train: {epochs: 1}}
        - name: chain
          distill: {students: [mlp-32], temperatures: [4], alphas: [0.5], epochs: 3, baselines: false}
          prune: {sparsities: [0.5, 0.9]}
        - name: dp
          distill: {students: [mlp-64], temperatures: [4], alphas: [0.5], parallelism: data, baselines: false}
      """;

  static final int EVAL = 1_000;
  static final int TRAIN = 6_000;

  @Test
  void evaluationIsAForwardPassTrainingThreePerEpochAndAStudentIsSharedByItsGroup() {
    ModelWeights weights = TestData.smallModel(1);
    SweepPlan plan = SweepPlanner.plan(SweepConfigParser.parse(CONFIG, "t"), weights, "m", "d", 784);
    long macs = weights.macs();
    Map<Integer, Long> work = TrialWork.of(plan.trials(), macs, 784, EVAL, TRAIN);
    assertThat(work.keySet()).hasSize(plan.size());

    PlannedTrial base = plan.trials().get(0);
    assertThat(work.get(base.index())).isEqualTo((long) EVAL * macs);
    assertThat(work.get(only(plan, "p").index())).isEqualTo((long) EVAL * macs);
    assertThat(work.get(only(plan, "ft").index())).isEqualTo((long) EVAL * macs + 3L * TRAIN * 2 * macs);
    assertThat(work.get(only(plan, "qat").index())).isEqualTo((long) EVAL * macs + 3L * TRAIN * macs);

    // the student alone and its two pruned chains run in one task: its training is split over the three
    List<PlannedTrial> chain = plan.trials().stream().filter(t -> t.block().equals("chain")).toList();
    assertThat(chain).hasSize(3);
    long student = 784L * 32 + 32 * 10;
    assertThat(chain.stream().mapToLong(t -> work.get(t.index())).sum())
        .isEqualTo(3 * EVAL * student + 3L * TRAIN * 3 * student);
    // data-parallel: trained before the stage, so only its evaluation is left
    long dp = 784L * 64 + 64 * 10;
    assertThat(work.get(only(plan, "dp").index())).isEqualTo(EVAL * dp);
  }

  private static PlannedTrial only(SweepPlan plan, String block) {
    List<PlannedTrial> in = plan.trials().stream().filter(t -> t.block().equals(block)).toList();
    assertThat(in).hasSize(1);
    return in.get(0);
  }
}
