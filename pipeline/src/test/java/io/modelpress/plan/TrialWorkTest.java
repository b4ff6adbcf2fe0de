package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.modelpress.TestData;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.weights.ModelWeights;
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

  /**
   * Expectations worked out by hand from the documented cost model: evaluating one example costs
   * 1,100 ns + 0.049 ns per MAC, one training example and epoch 21,000 ns + 0.242 ns per MAC. The base
   * model 20-8-6-4 has 20·8 + 8·6 + 6·4 = 232 MACs; the mlp-32 student 784·32 + 32·10 = 25,408; the mlp-64
   * student 784·64 + 64·10 = 50,816.
   */
  @Test
  void evaluationIsAForwardPassTrainingIsPerEpochAndAStudentIsSharedByItsGroup() {
    ModelWeights weights = TestData.smallModel(1);
    SweepPlan plan = SweepPlanner.plan(SweepConfigParser.parse(CONFIG, "t"), weights, "m", "d", 784);
    assertThat(weights.macs()).isEqualTo(232);
    Map<Integer, Long> work = TrialWork.of(plan.trials(), weights.macs(), 784, EVAL, TRAIN);
    assertThat(work.keySet()).hasSize(plan.size());

    // evaluation of 1,000 examples: 1,000 × (1,100 + 0.049 × 232) = 1,000 × 1,111.368 ns
    assertThat(work.get(plan.trials().get(0).index())).isEqualTo(1_111_368L);
    assertThat(work.get(only(plan, "p").index())).isEqualTo(1_111_368L);
    // + 2 epochs × 6,000 examples × (21,000 + 0.242 × 232 = 21,056.144) = 252,673,728 ns
    assertThat(work.get(only(plan, "ft").index())).isEqualTo(253_785_096L);
    // + 1 epoch: 6,000 × 21,056.144 = 126,336,864 ns
    assertThat(work.get(only(plan, "qat").index())).isEqualTo(127_448_232L);

    // the student alone and its two pruned chains run in one task: its training is split over the three.
    // Each: evaluation 1,000 × (1,100 + 0.049 × 25,408 = 2,344.992) = 2,344,992 ns, plus a third of
    // 3 epochs × 6,000 × (21,000 + 0.242 × 25,408 = 27,148.736) = 488,677,248 ns, i.e. 162,892,416 ns
    List<PlannedTrial> chain = plan.trials().stream().filter(t -> t.block().equals("chain")).toList();
    assertThat(chain).hasSize(3);
    assertThat(chain).allSatisfy(t -> assertThat(work.get(t.index())).isEqualTo(165_237_408L));
    // data-parallel: trained before the stage, so only its evaluation is left:
    // 1,000 × (1,100 + 0.049 × 50,816 = 3,589.984) ns
    assertThat(work.get(only(plan, "dp").index())).isEqualTo(3_589_984L);
  }

  /**
   * The costs reproduce what they were fitted to (run distill-mnist-2 of conf/distill/mnist.yaml on the
   * 2-core development machine, 5 epochs on 60,000 images, mean train_ms and eval_ms per student): training
   * within 15 %, evaluation within 20 %, where weighing by MACs alone was off by a factor of 4 between the
   * smallest and largest student.
   */
  @Test
  void theCostsReproduceTheMeasuredTrainingAndEvaluationTimesTheyWereFittedTo() {
    long[][] measured = { // MACs per example, train_ms (5 epochs × 60,000), eval_ms (10,000 images)
        {25_408, 8_162, 24}, {266_200, 25_501, 120}, {1_275_200, 99_077, 672}, {2_392_800, -1, 1_343}};
    for (long[] m : measured) {
      if (m[1] > 0) {
        assertThat(TrialWork.trainNanos(5L * 60_000, m[0]) / 1e6).as("train ms, %d MACs", m[0])
            .isCloseTo(m[1], withinPercentage(15));
      }
      assertThat(TrialWork.evalNanos(10_000, m[0]) / 1e6).as("eval ms, %d MACs", m[0])
          .isCloseTo(m[2], withinPercentage(20));
    }
    double bySize = (double) measured[2][0] / measured[0][0];
    double byTime = (double) measured[2][1] / measured[0][1];
    assertThat(bySize / byTime).as("MACs alone would weigh the 800-800 student this many times too heavily")
        .isGreaterThan(4);
  }

  private static PlannedTrial only(SweepPlan plan, String block) {
    List<PlannedTrial> in = plan.trials().stream().filter(t -> t.block().equals(block)).toList();
    assertThat(in).hasSize(1);
    return in.get(0);
  }
}
