package io.modelpress.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.modelpress.TestData;
import io.modelpress.weights.ModelWeights;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

  @Test
  void macroAveragesMatchAHandComputedConfusionMatrix() {
    // class 0: tp 2, fp 1, fn 0; class 1: tp 1, fp 0, fn 1; class 2: never predicted, one example
    int[] y = {0, 0, 1, 1, 2};
    int[] p = {0, 0, 1, 0, 1};
    ClassificationMetrics m = ClassificationMetrics.of(y, p, 3);
    assertThat(m.accuracy()).isEqualTo(0.6);
    double p0 = 2.0 / 3;
    double p1 = 1.0 / 2;
    assertThat(m.macroPrecision()).isCloseTo((p0 + p1 + 0) / 3, offset(1e-12));
    assertThat(m.macroRecall()).isCloseTo((1 + 0.5 + 0) / 3, offset(1e-12));
    double f0 = 2 * p0 * 1 / (p0 + 1);
    double f1 = 2 * p1 * 0.5 / (p1 + 0.5);
    assertThat(m.macroF1()).isCloseTo((f0 + f1) / 3, offset(1e-12));
  }

  @Test
  void countsOfShardsSumToTheWholeSetsMetricsExactly() {
    java.util.Random r = new java.util.Random(11);
    int n = 1000;
    int[] y = new int[n];
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(7);
      p[i] = r.nextInt(10) < 6 ? y[i] : r.nextInt(7);
    }
    int[] cuts = {0, 13, 400, 401, 1000};
    ClassificationMetrics.Counts sum = null;
    for (int s = 0; s + 1 < cuts.length; s++) {
      var c = ClassificationMetrics.Counts.of(java.util.Arrays.copyOfRange(y, cuts[s], cuts[s + 1]),
          java.util.Arrays.copyOfRange(p, cuts[s], cuts[s + 1]), 7);
      sum = sum == null ? c : c.plus(sum); // in another order than the examples'
    }
    // exactly equal, not just close: the shards' metrics must be the broadcast path's
    assertThat(sum.metrics()).isEqualTo(ClassificationMetrics.of(y, p, 7));
    assertThat(sum.metrics().examples()).isEqualTo(n);
  }

  @Test
  void refusesMismatchedOrOutOfRangeInput() {
    assertThatThrownBy(() -> ClassificationMetrics.of(new int[] {0}, new int[] {0, 1}, 2))
        .hasMessage("1 labels but 2 predictions");
    assertThatThrownBy(() -> ClassificationMetrics.of(new int[] {3}, new int[] {0}, 2))
        .hasMessage("class index out of [0, 2): label 3, prediction 0");
  }

  @Test
  void sizeCountsParamsBytesAndMacs() {
    ModelWeights m = TestData.smallModel(1);
    ModelSize s = ModelSize.of(m);
    long weights = 20 * 8 + 8 * 6 + 6 * 4;
    assertThat(s.params()).isEqualTo(weights + 8 + 6 + 4);
    assertThat(s.denseBytes()).isEqualTo(4 * s.params());
    assertThat(s.macs()).isEqualTo(weights);
  }
}
