package io.modelpress.pareto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HypervolumeTest {

  @Test
  void smallCasesByHand() {
    assertThat(Hypervolume.of(List.of(new double[] {1, 2}, new double[] {2, 1}), new double[] {3, 3})).isEqualTo(3.0);
    assertThat(Hypervolume.of(List.of(new double[] {0, 0, 0}), new double[] {1, 2, 3})).isEqualTo(6.0);
    // a dominated point and a point outside the reference add nothing
    assertThat(Hypervolume.of(List.of(new double[] {1, 2}, new double[] {2, 1}, new double[] {2, 2.5},
        new double[] {0, 4}), new double[] {3, 3})).isEqualTo(3.0);
    assertThat(Hypervolume.of(List.of(), new double[] {1, 1})).isZero();
  }

  @Test
  void equalsTheCountOfDominatedUnitCellsOnRandomIntegerFronts() {
    Random r = new Random(5);
    for (int trial = 0; trial < 30; trial++) {
      int d = 2 + trial % 2;
      int n = 1 + r.nextInt(12);
      List<double[]> pts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        double[] p = new double[d];
        for (int k = 0; k < d; k++) {
          p[k] = r.nextInt(9);
        }
        pts.add(p);
      }
      double[] ref = new double[d];
      java.util.Arrays.fill(ref, 8);
      long cells = 0;
      int[] c = new int[d];
      int total = (int) Math.pow(8, d);
      for (int idx = 0; idx < total; idx++) {
        int v = idx;
        for (int k = 0; k < d; k++) {
          c[k] = v % 8;
          v /= 8;
        }
        for (double[] p : pts) {
          boolean dom = true;
          for (int k = 0; k < d; k++) {
            dom &= p[k] <= c[k];
          }
          if (dom) {
            cells++;
            break;
          }
        }
      }
      assertThat(Hypervolume.of(pts, ref)).as("trial %d", trial).isCloseTo(cells, within(1e-9));
    }
  }

  @Test
  void relativeFormAndKnee() {
    List<Objective> obj = List.of(new Objective("accuracy", true), new Objective("encoded_bytes", false));
    double[] p = Hypervolume.relative(new double[] {0.9, 50}, new double[] {0.95, 200}, obj);
    assertThat(p[0]).isCloseTo(-0.9 / 0.95, within(1e-12));
    assertThat(p[1]).isEqualTo(0.25);
    assertThat(Hypervolume.relative(new double[] {0.9, 50}, new double[] {0.95, 0}, obj)).isNull();
    assertThat(Hypervolume.relativeReference(obj)).containsExactly(0, 1.1);
    // the balanced point is the knee, not an extreme
    assertThat(Hypervolume.knee(List.of(new double[] {0, 1}, new double[] {0.3, 0.3}, new double[] {1, 0}))).isEqualTo(1);
    assertThat(Hypervolume.knee(List.of())).isEqualTo(-1);
    // an objective that could not be measured (∞) scores worst; the others still decide among the rest
    // (it scored NaN before, and the finite points lost that objective altogether: the knee was then {.5,.5,.5})
    assertThat(Hypervolume.knee(List.of(new double[] {0, 0, Double.POSITIVE_INFINITY},
        new double[] {0.5, 0.5, 0.5}, new double[] {1, 0.6, 0}))).isEqualTo(0);
  }
}
