package io.modelpress.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.TestData;
import io.modelpress.config.SensitivityConfigParser;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.plan.SensitivityPlanner;
import io.modelpress.plan.SweepPlan;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.SensitivitySpec;
import io.modelpress.spec.TrialSpec;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SensitivityTest {

  static final String CONFIG = """
      version: 1
      model: {zoo: mlp-64-64}
      dataset: mnist
      prune: {methods: [magnitude, taylor-structured], sparsities: [0.25, 0.5]}
      quantize: {methods: [uniform], bits: [4, 8]}
      seeds: 3
      interactions: {pairs: 2}
      """;

  @Test
  void planChangesOneLayerAtATimeThenSampledPairs() {
    SensitivitySpec spec = SensitivityConfigParser.parse(CONFIG, "t");
    SweepPlan plan = SensitivityPlanner.plan(spec, TestData.smallModel(1), "m", "d");
    // base; fc1, fc2: 2 magnitude + 2 structured + 2 uniform; out: no structured (its neurons are the classes)
    long singles = plan.trials().stream().filter(t -> t.block().equals("single")).count();
    assertThat(singles).isEqualTo(6 + 6 + 4);
    List<PlannedTrial> pairs = plan.trials().stream().filter(t -> t.block().equals("pair")).toList();
    assertThat(pairs.stream().map(t -> Sensitivity.Cell.of(t).layer()).distinct()).hasSize(2);
    for (PlannedTrial t : plan.trials()) {
      if (t.block().equals("single")) {
        CompressionStep s = t.spec().steps().get(0);
        LayerSelector sel = s instanceof PruneSpec p ? p.layers() : ((io.modelpress.spec.QuantSpec) s).layers();
        assertThat(sel.names()).hasSize(1);
      }
    }
    assertThat(plan.trials().get(0).spec()).isEqualTo(TrialSpec.BASE);
    assertThat(new HashSet<>(plan.trials().stream().map(PlannedTrial::trialId).toList())).hasSize(plan.size());
  }

  @Test
  void bootstrapResamplesAreDeterministicAndPaired() {
    assertThat(Sensitivity.resample(42, 1, 100)).isEqualTo(Sensitivity.resample(42, 1, 100));
    assertThat(Sensitivity.resample(42, 1, 100)).isNotEqualTo(Sensitivity.resample(42, 2, 100));
    boolean[] allRight = new boolean[50];
    java.util.Arrays.fill(allRight, true);
    Sensitivity.Outcome o = Sensitivity.outcome(trial("single"), allRight, new float[50], 10, 5, 42, 4);
    assertThat(o.accuracy()).containsExactly(1.0, 1.0, 1.0, 1.0);
    assertThat(o.fullAccuracy()).isEqualTo(1.0);
  }

  @Test
  void confidenceIntervalIsStudentTOverSeedsAndPairsReportTheirAdditivityError() {
    // full-sample accuracies (second argument) differ from the resamples' means, as they do in real runs
    Sensitivity.Outcome base = new Sensitivity.Outcome(trial("base"), 0.91, 0.3, new double[] {0.90, 0.91, 0.93},
        new double[] {0.3, 0.3, 0.3}, 100, 10, null, null);
    PlannedTrial a = prune("single", "fc1", 0);
    PlannedTrial b = prune("single", "fc2", 1);
    PlannedTrial ab = prune("pair", "fc1+fc2", 2);
    List<Sensitivity.Outcome> outcomes = List.of(base,
        outcome(a, 0.89, 0.89, 0.89, 0.90), // full drop 0.02; resample drops 0.01, 0.02, 0.03
        outcome(b, 0.89, 0.88, 0.89, 0.91), // full drop 0.02; resample drops 0.02 each
        outcome(ab, 0.81, 0.80, 0.81, 0.83)); // full drop 0.10; resample drops 0.10 each
    List<Sensitivity.Summary> s = Sensitivity.summarize(base, outcomes);
    assertThat(s).hasSize(3);
    Sensitivity.Summary first = s.get(0);
    assertThat(first.meanDrop()).isCloseTo(0.02, within(1e-12));
    assertThat(first.meanAccuracy()).isCloseTo(0.89, within(1e-12));
    // sd 0.01 is the bootstrap standard error; t(0.975, 2) = 4.303: half width 4.303 · 0.01
    assertThat(first.ciHigh() - first.meanDrop()).isCloseTo(4.303 * 0.01, within(1e-12));
    assertThat(first.meanDrop() - first.ciLow()).isCloseTo(4.303 * 0.01, within(1e-12));
    assertThat(s.get(1).ciLow()).isCloseTo(0.02, within(1e-12)); // no spread, no width
    Sensitivity.Summary pair = s.get(2);
    assertThat(pair.meanDrop()).isCloseTo(0.10, within(1e-12));
    assertThat(pair.predictedDrop()).isCloseTo(0.04, within(1e-12));
    assertThat(pair.additivityError()).isCloseTo(0.06, within(1e-12));
    assertThat(first.predictedDrop()).isNaN();
    assertThat(Sensitivity.t975(1)).isEqualTo(12.706);
    assertThat(Sensitivity.t975(100)).isEqualTo(1.96);
  }

  @Test
  void theDropIsTheFullSampleDifferenceAndTheBootstrapOnlyGivesItsInterval() {
    // 10 examples: the base misses example 9, the pruned model examples 6..9
    boolean[] base = {true, true, true, true, true, true, true, true, true, false};
    boolean[] pruned = {true, true, true, true, true, true, false, false, false, false};
    float[] baseLoss = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 2.0f};
    float[] prunedLoss = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 1.0f, 1.5f, 2.0f, 2.5f};
    int seeds = 3;
    Sensitivity.Outcome b = Sensitivity.outcome(trial("base"), base, baseLoss, 100, 10, 7, seeds);
    Sensitivity.Outcome p = Sensitivity.outcome(prune("single", "fc1", 0), pruned, prunedLoss, 50, 10, 7, seeds);
    Sensitivity.Summary s = Sensitivity.summarize(b, List.of(b, p)).get(0);

    // the point estimates, counted on all 10 examples: accuracy 9/10 and 6/10, drop 0.3; mean loss of the
    // pruned model (6 × 0.2 + 1.0 + 1.5 + 2.0 + 2.5) / 10 = 0.82
    assertThat(s.meanDrop()).isCloseTo(0.3, within(1e-12));
    assertThat(s.meanAccuracy()).isCloseTo(0.6, within(1e-12));
    assertThat(s.meanLoss()).isCloseTo(0.82, within(1e-6));

    // the interval, by brute force: each resample's paired drop, counted over its indices
    double[] drops = new double[seeds];
    for (int k = 0; k < seeds; k++) {
      int[] idx = Sensitivity.resample(7, k, 10);
      int right = 0;
      for (int i : idx) {
        right += (base[i] ? 1 : 0) - (pruned[i] ? 1 : 0);
      }
      drops[k] = right / 10.0;
    }
    double m = (drops[0] + drops[1] + drops[2]) / 3;
    double sd = Math.sqrt(((drops[0] - m) * (drops[0] - m) + (drops[1] - m) * (drops[1] - m)
        + (drops[2] - m) * (drops[2] - m)) / 2);
    assertThat(sd).as("the resamples must spread, or the width is not tested").isGreaterThan(0);
    assertThat(m).as("the fixture must tell the replicates' mean from the full sample").isNotCloseTo(0.3, within(1e-9));
    // t(0.975, 2 degrees of freedom) = 4.303, around the full-sample drop
    assertThat(s.ciLow()).isCloseTo(0.3 - 4.303 * sd, within(1e-12));
    assertThat(s.ciHigh()).isCloseTo(0.3 + 4.303 * sd, within(1e-12));

    // the run's base accuracy is the full-sample one too (9/10), not the resamples' mean
    assertThat(Sensitivity.baseAccuracy(b)).isEqualTo(0.9);
    assertThat(Sensitivity.mean(b.accuracy())).as("the fixture must tell the two apart")
        .isNotCloseTo(0.9, within(1e-9));
  }

  @Test
  void badSensitivityConfigsAreRefused() {
    assertThatThrownBy(() -> SensitivityConfigParser.parse(CONFIG.replace("seeds: 3", "seeds: 1"), "t"))
        .hasMessage("'seeds' is set to 1 but must be in 2..1000 (a confidence interval needs at least two)");
    assertThatThrownBy(() -> SensitivityConfigParser.parse(CONFIG.replace("taylor-structured", "apoz"), "t"))
        .hasMessage("'prune.methods[1]' is apoz, which scores neurons; use apoz-structured");
    assertThatThrownBy(() -> SensitivityConfigParser.parse(CONFIG.replace("[0.25, 0.5]", "[0.25, 1.0]"), "t"))
        .hasMessage("'prune.sparsities' has 1.0 but every sparsity must be in (0, 1)");
    assertThatThrownBy(() -> SensitivityConfigParser.parse(CONFIG.replace("bits: [4, 8]", "bits: [4, 16]"), "t"))
        .hasMessage("'quantize.bits[1]' is set to 16 but must be in 2..8");
    assertThatThrownBy(() -> SensitivityPlanner.plan(SensitivityConfigParser.parse(
        CONFIG.replace("[0.25, 0.5]", "[0.25, 0.95]"), "t"), TestData.smallModel(1), "m", "d"))
        .hasMessageContaining("would remove all");
  }

  static PlannedTrial trial(String block) {
    return new PlannedTrial(block, 0, block, 1, TrialSpec.BASE);
  }

  static PlannedTrial prune(String block, String layers, int i) {
    return new PlannedTrial("t" + i, i + 1, block, 1, new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.LAYER, 0.5,
        new LayerSelector(List.of(layers.split("\\+")), "", List.of(), List.of())))));
  }

  /** An outcome with full-sample accuracy {@code full} and the given accuracy per resample. */
  static Sensitivity.Outcome outcome(PlannedTrial t, double full, double... acc) {
    return new Sensitivity.Outcome(t, full, 0, acc, new double[acc.length], 50, 5, null, null);
  }
}
