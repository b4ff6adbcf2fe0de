package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.model.ModelWeights;
import io.modelpress.spec.SweepSpec;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepPlannerTest {

  static final String CONFIG = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      search:
        - name: one
          prune: {scope: single-layer, sparsities: [0.5, 0.9]}
        - name: q
          quantize: {bits: [4, 8, 16], scheme: [symmetric, affine], granularity: [per-tensor, per-channel]}
        - name: pq
          prune: {scope: global, sparsities: [0.5, 0.9]}
          quantize: {bits: 4}
        - name: again
          prune: {scope: layer, sparsities: 0.5, layers: {names: [fc2]}}
      """;

  @Test
  void expandsBlocksInOrderWithTheBaseFirstAndDuplicatesOnce() {
    SweepSpec spec = SweepConfigParser.parse(CONFIG, "t");
    ModelWeights m = TestData.smallModel(1);
    SweepPlan plan = SweepPlanner.plan(spec, m, "model-fp", "data-fp");
    // base + 3 layers × 2 + (2 bits × 2 × 2 + fp16) + 2 × 1; the last block repeats a single-layer trial
    assertThat(plan.size()).isEqualTo(1 + 6 + 9 + 2);
    assertThat(plan.trials().get(0).spec().steps()).isEmpty();
    assertThat(plan.trials().get(1).block()).isEqualTo("one");
    for (int i = 0; i < plan.size(); i++) {
      assertThat(plan.trials().get(i).index()).isEqualTo(i);
    }
    assertThat(new HashSet<>(plan.trials().stream().map(PlannedTrial::trialId).toList())).hasSize(plan.size());
  }

  @Test
  void idsAndSeedsAreDeterministicAndDependOnModelAndData() {
    SweepSpec spec = SweepConfigParser.parse(CONFIG, "t");
    ModelWeights m = TestData.smallModel(1);
    SweepPlan a = SweepPlanner.plan(spec, m, "model-fp", "data-fp");
    SweepPlan b = SweepPlanner.plan(spec, m, "model-fp", "data-fp");
    SweepPlan c = SweepPlanner.plan(spec, m, "other-model", "data-fp");
    assertThat(a).isEqualTo(b);
    assertThat(a.trials().get(3).trialId()).isNotEqualTo(c.trials().get(3).trialId());
    assertThat(a.trials().get(3).seed()).isEqualTo(c.trials().get(3).seed());
    assertThat(a.trials().get(3).trialId()).matches("[0-9a-f]{16}");
  }

  @Test
  void aFinetuneBlockPutsTheStepBetweenPruneAndQuantize() {
    SweepSpec spec = SweepConfigParser.parse("""
        version: 1
        model: {zoo: mlp-64-64}
        dataset: mnist
        search:
          - prune: {scope: global, sparsities: [0.8, 0.9]}
            finetune: {epochs: 2, schedule: agp}
            quantize: {method: kmeans, bits: 4}
        """, "t");
    SweepPlan plan = SweepPlanner.plan(spec, TestData.smallModel(1), "m", "d");
    assertThat(plan.size()).isEqualTo(3);
    assertThat(plan.trials().get(1).spec().method()).isEqualTo("magnitude+agp+kmeans");
    assertThat(plan.trials().get(1).spec().canonicalJson()).contains("\"step\":\"finetune\"");
  }

  @Test
  void unknownLayersFailBeforeAnyWork() {
    SweepSpec spec = SweepConfigParser.parse(CONFIG.replace("names: [fc2]", "names: [conv9]"), "t");
    assertThatThrownBy(() -> SweepPlanner.plan(spec, TestData.smallModel(1), "m", "d"))
        .hasMessage("layer selector names layer 'conv9' which the model does not have; layers: [fc1, fc2, out]");
    assertThat(List.of()).isEmpty();
  }
}
