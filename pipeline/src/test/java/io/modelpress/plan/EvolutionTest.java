package io.modelpress.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.TestData;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.pareto.Objective;
import io.modelpress.spec.EvolveSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvolutionTest {

  static final EvolveSpec SPEC = new EvolveSpec(List.of(0.0, 0.5, 0.9), List.of(2, 4, 32), PruneSpec.Criterion.MAGNITUDE,
      QuantSpec.Algorithm.KMEANS, 6, 3);
  static final List<String> LAYERS = List.of("fc1", "fc2", "out");
  static final List<Objective> OBJ = List.of(new Objective("accuracy", true), new Objective("encoded_bytes", false));

  @Test
  void genomesMapToPerLayerTrialsAndBack() {
    Evolution.Genome g = new Evolution.Genome(new int[] {2, 0, 1}, new int[] {0, 2, 1});
    TrialSpec t = Evolution.toTrial(g, SPEC, LAYERS);
    assertThat(t.prune().orElseThrow().layerLevels()).isEqualTo(java.util.Map.of("fc1", 0.9, "out", 0.5));
    assertThat(t.quant().orElseThrow().layerBits()).isEqualTo(java.util.Map.of("fc1", 2, "out", 4));
    assertThat(Evolution.fromTrial(t, SPEC, LAYERS)).isEqualTo(g);
    Evolution.Genome none = new Evolution.Genome(new int[] {0, 0, 0}, new int[] {2, 2, 2});
    assertThat(Evolution.toTrial(none, SPEC, LAYERS)).isEqualTo(TrialSpec.BASE);
  }

  @Test
  void nextGenerationsAreNewDistinctAndBredFromTheFrontier() {
    Random rnd = new Random(1);
    List<Evolution.Genome> first = Evolution.initial(SPEC, 3, rnd);
    assertThat(new HashSet<>(first)).hasSize(6);
    // score: accuracy falls with sparsity and with fewer bits; size falls with both
    List<Evolution.Scored> scored = new ArrayList<>();
    for (Evolution.Genome g : first) {
      scored.add(new Evolution.Scored(g, score(g)));
    }
    List<Evolution.Genome> second = Evolution.next(SPEC, scored, OBJ, new Random(2));
    assertThat(second).isNotEmpty().doesNotContainAnyElementsOf(first);
    assertThat(new HashSet<>(second)).hasSize(second.size());
    // the same inputs breed the same children (resume depends on it)
    assertThat(Evolution.next(SPEC, scored, OBJ, new Random(2))).isEqualTo(second);
    // survivors come frontier first
    List<Evolution.Scored> order = Evolution.survivors(scored, OBJ, 6);
    int[] ranks = io.modelpress.pareto.ParetoFront.ranks(order.stream().map(Evolution.Scored::objectives).toList(), OBJ);
    for (int i = 1; i < ranks.length; i++) {
      assertThat(ranks[i]).isGreaterThanOrEqualTo(ranks[i - 1]);
    }
  }

  static double[] score(Evolution.Genome g) {
    double acc = 1;
    double bytes = 0;
    for (int l = 0; l < g.prune().length; l++) {
      double s = SPEC.sparsities().get(g.prune()[l]);
      int b = SPEC.bits().get(g.bits()[l]);
      acc -= 0.05 * s * s + (b == 2 ? 0.05 : 0);
      bytes += (1 - s) * b;
    }
    return new double[] {acc, bytes};
  }

  @Test
  void randomSamplingKeepsTheBaseAndDrawsDistinctGridTrials() {
    String yaml = """
        version: 1
        model: {zoo: mlp-64-64}
        dataset: mnist
        sample: 5
        search:
          - prune: {scope: layer, sparsities: {from: 0.1, to: 0.9, step: 0.1}}
            quantize: {method: kmeans, bits: [2, 3]}
        """;
    SweepPlan all = SweepPlanner.plan(SweepConfigParser.parse(yaml.replace("sample: 5\n", ""), "t"),
        TestData.smallModel(1), "m", "d");
    SweepPlan some = SweepPlanner.plan(SweepConfigParser.parse(yaml, "t"), TestData.smallModel(1), "m", "d");
    assertThat(all.size()).isEqualTo(19);
    assertThat(some.size()).isEqualTo(6);
    assertThat(some.trials().get(0).spec()).isEqualTo(TrialSpec.BASE);
    var ids = all.trials().stream().map(PlannedTrial::trialId).toList();
    for (int i = 0; i < some.size(); i++) {
      assertThat(some.trials().get(i).index()).isEqualTo(i);
      assertThat(ids).contains(some.trials().get(i).trialId());
    }
    assertThat(SweepPlanner.plan(SweepConfigParser.parse(yaml, "t"), TestData.smallModel(1), "m", "d")).isEqualTo(some);
  }
}
