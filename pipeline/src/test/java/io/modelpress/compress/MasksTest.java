package io.modelpress.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.compress.prune.WeightPruner;
import io.modelpress.compress.prune.Importance;
import io.modelpress.compress.prune.Masks;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MasksTest {

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.1, 0.333, 0.5, 0.9, 0.95, 0.999})
  void layerSparsityIsExact(double s) {
    float[] scores = randomScores(10_007, 1);
    boolean[] keep = Masks.topK(scores, s);
    assertThat(keep.length - Masks.kept(keep)).isEqualTo(Math.round(s * scores.length));
  }

  @Test
  void pruneCountRoundsTheDecimalProductHalfUp() {
    assertThat(Masks.pruneCount(0.35, 90)).isEqualTo(32); // 31.5 exactly; binary floating point gives 31
    assertThat(Masks.pruneCount(0.5, 3)).isEqualTo(2);
    assertThat(Masks.pruneCount(0.0, 1000)).isZero();
  }

  @Test
  void negativeZeroScoresTieWithZeroByPosition() {
    boolean[] keep = Masks.topK(new float[] {0f, -0f, 0f, 1f}, 0.5);
    assertThat(keep).containsExactly(false, false, true, true);
  }

  @Test
  void prunesTheSmallestScores() {
    float[] scores = randomScores(1000, 2);
    boolean[] keep = Masks.topK(scores, 0.7);
    float maxPruned = 0;
    float minKept = Float.MAX_VALUE;
    for (int i = 0; i < scores.length; i++) {
      if (keep[i]) {
        minKept = Math.min(minKept, scores[i]);
      } else {
        maxPruned = Math.max(maxPruned, scores[i]);
      }
    }
    assertThat(maxPruned).isLessThanOrEqualTo(minKept);
  }

  @Test
  void tiesAreBrokenByPositionSoTheCountIsStillExact() {
    float[] scores = new float[100];
    Arrays.fill(scores, 1f);
    boolean[] keep = Masks.topK(scores, 0.25);
    assertThat(Masks.kept(keep)).isEqualTo(75);
    for (int i = 0; i < 25; i++) {
      assertThat(keep[i]).isFalse();
    }
  }

  @Test
  void globalSparsityIsExactOverAllLayersAndUneven() {
    ModelWeights m = TestData.smallModel(3);
    PruneSpec spec = new PruneSpec(PruneSpec.Scope.GLOBAL, 0.6, LayerSelector.ALL);
    Map<String, boolean[]> masks = WeightPruner.masks(m, spec);
    int total = 0;
    int kept = 0;
    for (boolean[] k : masks.values()) {
      total += k.length;
      kept += Masks.kept(k);
    }
    assertThat(total - kept).isEqualTo(Math.round(0.6 * total));
    // global ranking: every pruned weight is no larger than every kept one, across layers
    float maxPruned = 0;
    float minKept = Float.MAX_VALUE;
    for (LayerWeights l : m.layers()) {
      boolean[] k = masks.get(l.name());
      for (int i = 0; i < k.length; i++) {
        float a = Math.abs(l.weights()[i]);
        if (k[i]) {
          minKept = Math.min(minKept, a);
        } else {
          maxPruned = Math.max(maxPruned, a);
        }
      }
    }
    assertThat(maxPruned).isLessThanOrEqualTo(minKept);
  }

  @Test
  void thresholdKeepsOnlyMagnitudesAboveTheta() {
    ModelWeights m = TestData.smallModel(4);
    Map<String, boolean[]> masks = WeightPruner.masks(m, new PruneSpec(PruneSpec.Scope.THRESHOLD, 0.2, LayerSelector.ALL));
    ModelWeights pruned = WeightPruner.apply(m, masks);
    for (int l = 0; l < m.layers().size(); l++) {
      float[] before = m.layers().get(l).weights();
      float[] after = pruned.layers().get(l).weights();
      for (int i = 0; i < before.length; i++) {
        assertThat(after[i]).isEqualTo(Math.abs(before[i]) > 0.2f ? before[i] : 0f);
      }
    }
  }

  @Test
  void applyReturnsNewWeightsAndLeavesTheInputAlone() {
    ModelWeights m = TestData.smallModel(5);
    float[] copy = m.layer("fc1").weights().clone();
    ModelWeights pruned = WeightPruner.apply(m,
        WeightPruner.masks(m, new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.named("fc1"))));
    assertThat(m.layer("fc1").weights()).isEqualTo(copy);
    assertThat(pruned.layer("fc1").nonZeros()).isEqualTo(copy.length - Math.round(0.5 * copy.length));
    assertThat(pruned.layer("fc2").weights()).isSameAs(m.layer("fc2").weights());
  }

  @Test
  void badScoresAndSparsitiesAreRefused() {
    assertThatThrownBy(() -> Masks.topK(new float[] {1f, Float.NaN}, 0.5))
        .hasMessage("importance score NaN at position 1 is not a finite number >= 0");
    assertThatThrownBy(() -> Masks.topK(new float[] {1f}, 1.0))
        .hasMessage("'sparsity' is set to 1.0 but must be in [0, 1)");
    assertThatThrownBy(() -> new PruneSpec(PruneSpec.Scope.GLOBAL, -0.1, LayerSelector.ALL))
        .hasMessage("'sparsity' is set to -0.1 but must be in [0, 1)");
  }

  @Test
  void unknownLayerInASelectorIsAnErrorNamingTheLayers() {
    ModelWeights m = TestData.smallModel(6);
    assertThatThrownBy(() -> WeightPruner.masks(m, new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.named("fc9"))))
        .hasMessage("layer selector names layer 'fc9' which the model does not have; layers: [fc1, fc2, out]");
    assertThat(new LayerSelector(List.of(), "fc.*", List.of(), List.of("fc2")).resolve(m)).containsExactly("fc1");
    assertThat(new LayerSelector(List.of(), "", List.of("output"), List.of()).resolve(m)).containsExactly("out");
  }

  @Test
  void magnitudeScoresAreAbsoluteValues() {
    LayerWeights l = TestData.smallModel(7).layer("fc2");
    float[] s = Importance.ofWeights(l, io.modelpress.spec.PruneSpec.Criterion.MAGNITUDE, null);
    for (int i = 0; i < s.length; i++) {
      assertThat(s[i]).isEqualTo(Math.abs(l.weights()[i]));
    }
  }

  static float[] randomScores(int n, long seed) {
    Random r = new Random(seed);
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = Math.abs((float) r.nextGaussian());
    }
    return s;
  }
}
