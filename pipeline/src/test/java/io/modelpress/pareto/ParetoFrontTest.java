package io.modelpress.pareto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParetoFrontTest {

  static final List<Objective> OBJ = List.of(new Objective("accuracy", true), new Objective("bytes", false),
      new Objective("macs", false));

  @Test
  void frontierIsMutuallyNonDominatedAndDominatesEverythingElse() {
    List<double[]> pts = random(400, 1);
    int[] rank = ParetoFront.ranks(pts, OBJ);
    List<double[]> front = new ArrayList<>();
    for (int i = 0; i < pts.size(); i++) {
      if (rank[i] == 0) {
        front.add(pts.get(i));
      }
    }
    assertThat(front).isNotEmpty();
    for (double[] a : front) {
      for (double[] b : front) {
        assertThat(ParetoFront.dominates(a, b, OBJ)).isFalse();
      }
    }
    for (int i = 0; i < pts.size(); i++) {
      if (rank[i] > 0) {
        double[] p = pts.get(i);
        assertThat(front.stream().anyMatch(f -> ParetoFront.dominates(f, p, OBJ))).isTrue();
      }
    }
  }

  @Test
  void rankKIsDominatedOnlyByLowerRanks() {
    List<double[]> pts = random(200, 2);
    int[] rank = ParetoFront.ranks(pts, OBJ);
    for (int i = 0; i < pts.size(); i++) {
      boolean dominatedByPrevious = rank[i] == 0;
      for (int j = 0; j < pts.size(); j++) {
        if (ParetoFront.dominates(pts.get(j), pts.get(i), OBJ)) {
          assertThat(rank[j]).isLessThan(rank[i]);
          dominatedByPrevious |= rank[j] == rank[i] - 1;
        }
      }
      assertThat(dominatedByPrevious).isTrue();
    }
  }

  @Test
  void inputOrderDoesNotChangeRanks() {
    List<double[]> pts = random(150, 3);
    int[] rank = ParetoFront.ranks(pts, OBJ);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < pts.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(4));
    List<double[]> shuffled = new ArrayList<>();
    for (int i : order) {
      shuffled.add(pts.get(i));
    }
    int[] rank2 = ParetoFront.ranks(shuffled, OBJ);
    for (int k = 0; k < order.size(); k++) {
      assertThat(rank2[k]).isEqualTo(rank[order.get(k)]);
    }
  }

  @Test
  void equalPointsShareTheFrontierAndDirectionsMatter() {
    List<double[]> pts = List.of(new double[] {0.9, 100, 5}, new double[] {0.9, 100, 5}, new double[] {0.8, 100, 5});
    assertThat(ParetoFront.ranks(pts, OBJ)).containsExactly(0, 0, 1);
    List<Objective> flipped = List.of(new Objective("accuracy", false), new Objective("bytes", false),
        new Objective("macs", false));
    assertThat(ParetoFront.ranks(pts, flipped)).containsExactly(1, 1, 0);
  }

  static List<double[]> random(int n, long seed) {
    Random r = new Random(seed);
    List<double[]> pts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // discrete values so ties and duplicates occur
      pts.add(new double[] {r.nextInt(20) / 20.0, r.nextInt(30) * 1000, r.nextInt(5)});
    }
    return pts;
  }
}
