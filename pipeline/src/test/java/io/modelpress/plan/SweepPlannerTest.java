package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.weights.ModelWeights;
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

  static final String TOOLBOX = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      search:
        - name: structured
          prune: {method: [magnitude, apoz], structure: structured, scope: single-layer, sparsities: [0.25, 0.5],
                  calibration-batches: 4}
        - name: taylor
          prune: {method: taylor, scope: global, sparsities: 0.9}
          finetune: {epochs: 1, schedule: agp}
          quantize: {method: [uniform, kmeans], bits: 3, clip-percentile: [100, 99.9], train: {epochs: 1, learning-rate: 0.001}}
      """;

  @Test
  void toolboxKeysExpandIntoCriteriaStructuresClipsAndTrainedQuantizers() {
    SweepPlan plan = SweepPlanner.plan(SweepConfigParser.parse(TOOLBOX, "t"), TestData.smallModel(1), "m", "d");
    // base + 2 criteria × 2 hidden layers (the output layer keeps its classes) × 2 levels + uniform × 2 clips + kmeans
    assertThat(plan.size()).isEqualTo(1 + 8 + 3);
    List<String> methods = plan.trials().stream().map(t -> t.spec().method()).toList();
    assertThat(methods.subList(1, 9)).containsOnly("magnitude-structured", "apoz-structured");
    assertThat(methods.subList(9, 12)).containsExactly("taylor+agp+uniform+qat", "taylor+agp+uniform+qat",
        "taylor+agp+kmeans+codebook-ft");
    assertThat(plan.trials().stream().filter(t -> t.spec().prune().isPresent())
        .map(t -> t.spec().prune().get().layers().label()).distinct().toList()).contains("fc1", "fc2").doesNotContain("out");
    assertThat(plan.trials().get(10).spec().quant().orElseThrow().clipPercentile()).isEqualTo(99.9);
    assertThat(plan.trials().get(1).spec().needsTrainingData()).isFalse();
    assertThat(plan.trials().get(5).spec().needsTrainingData()).isTrue();
    // spec_json reads back into the same trial, so a row can be re-run (export)
    for (PlannedTrial t : plan.trials()) {
      assertThat(io.modelpress.spec.TrialSpecs.fromCanonicalJson(t.spec().canonicalJson())).isEqualTo(t.spec());
    }
    for (PlannedTrial t : SweepPlanner.plan(SweepConfigParser.parse(CONFIG, "t"), TestData.smallModel(1), "m", "d").trials()) {
      assertThat(io.modelpress.spec.TrialSpecs.fromCanonicalJson(t.spec().canonicalJson())).isEqualTo(t.spec());
    }
  }

  @Test
  void magnitudeTrialIdsDoNotChangeWithTheNewKeys() {
    // PR-1 canonical form: criterion and structure keys appear only when they are not the defaults
    SweepPlan plan = SweepPlanner.plan(SweepConfigParser.parse(CONFIG, "t"), TestData.smallModel(1), "m", "d");
    assertThat(plan.trials().get(1).spec().canonicalJson()).isEqualTo(
        "{\"steps\":[{\"layers\":{\"names\":[\"fc1\"]},\"method\":\"magnitude\",\"scope\":\"layer\","
        + "\"sparsity\":0.5,\"step\":\"prune\"}]}");
  }

  @Test
  void badToolboxSpecsFailBeforeAnyWork() {
    ModelWeights m = TestData.smallModel(1);
    assertThatThrownBy(() -> SweepPlanner.plan(SweepConfigParser.parse(TOOLBOX.replace("sparsities: [0.25, 0.5]",
        "sparsities: [0.25, 0.995]"), "t"), m, "m", "d"))
        .hasMessageMatching("structured sparsity 0.995 would remove all \\d+ neurons of layer 'fc1'; use a lower sparsity");
    assertThatThrownBy(() -> SweepConfigParser.parse(TOOLBOX.replace("scope: single-layer", "scope: global"), "t"))
        .hasMessage("'search[0].prune.scope' is global but structured pruning ranks the neurons of each layer "
            + "separately; use scope layer or single-layer");
    assertThatThrownBy(() -> SweepConfigParser.parse(TOOLBOX.replace("structure: structured", "structure: unstructured"), "t"))
        .hasMessage("'search[0].prune.method' apoz scores neurons, not weights; add 'structure: structured' or use "
            + "magnitude, gradient or taylor");
    assertThatThrownBy(() -> SweepConfigParser.parse(TOOLBOX.replace("method: [magnitude, apoz]", "method: [l2]"), "t"))
        .hasMessage("'search[0].prune.method[0]' is set to \"l2\" but must be one of "
            + "[magnitude, gradient, taylor, taylor-abs-sum, mean-activation, apoz]");
    assertThatThrownBy(() -> SweepConfigParser.parse(TOOLBOX.replace("clip-percentile: [100, 99.9]",
        "clip-percentile: [40]"), "t"))
        .hasMessage("'search[1].quantize.clip-percentile[0]' is set to 40.0 but must be in (50, 100]; 100 means min/max");
    assertThatThrownBy(() -> SweepConfigParser.parse(TOOLBOX.replace("method: [uniform, kmeans], bits: 3",
        "method: [uniform], bits: [3, 16]"), "t"))
        .hasMessage("'search[1].quantize.train' trains integer quantizers; remove 16 and 32 from 'bits'");
    assertThatThrownBy(() -> SweepConfigParser.parse(TOOLBOX.replace("method: taylor, scope: global",
        "method: taylor, structure: structured, scope: layer"), "t"))
        .hasMessageContaining("structured"); // agp cannot ramp structured pruning
    assertThatThrownBy(() -> SweepPlanner.plan(SweepConfigParser.parse(
        CONFIG.replace("quantize: {bits: 4}", "quantize: {method: kmeans, bits: 8}"), "t"), m, "m", "d"))
        .hasMessageContaining("k-means with 8 bits needs 256 centroids but layer");
  }
}
