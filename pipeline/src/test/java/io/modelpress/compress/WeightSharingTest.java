package io.modelpress.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.compress.quant.KMeansQuantizer;
import io.modelpress.compress.quant.PowerOfTwoQuantizer;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.QuantSpec.Algorithm;
import io.modelpress.spec.QuantSpec.Granularity;
import io.modelpress.spec.QuantSpec.Scheme;
import io.modelpress.spec.TrialSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WeightSharingTest {

  static LayerWeights layer(long seed) {
    return TestData.dense("fc", LayerKind.DENSE, 200, 30, new Random(seed));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 8})
  void kmeansUsesAtMostTwoToTheBitsValuesAndEachWeightGoesToItsNearestCentroid(int bits) {
    LayerWeights l = layer(bits);
    ValueCoding.Codebook c = KMeansQuantizer.quantize(l, bits);
    float[] shared = KMeansQuantizer.dequantize(c);
    Set<Float> distinct = new HashSet<>();
    for (float v : shared) {
      distinct.add(v);
    }
    assertThat(distinct.size()).isLessThanOrEqualTo(1 << bits);
    assertThat(c.codebook()).isSorted();
    for (int i = 0; i < shared.length; i++) {
      float best = Float.MAX_VALUE;
      for (float centroid : c.codebook()) {
        best = Math.min(best, Math.abs(centroid - l.weights()[i]));
      }
      assertThat(Math.abs(shared[i] - l.weights()[i])).isLessThanOrEqualTo(best * 1.0001f + 1e-7f);
    }
  }

  @Test
  void kmeansIsALocalOptimumEachCentroidIsTheMeanOfItsCluster() {
    LayerWeights l = layer(9);
    ValueCoding.Codebook c = KMeansQuantizer.quantize(l, 3);
    double[] sum = new double[c.codebook().length];
    int[] n = new int[c.codebook().length];
    for (int i = 0; i < l.size(); i++) {
      sum[c.codes()[i]] += l.weights()[i];
      n[c.codes()[i]]++;
    }
    for (int k = 0; k < n.length; k++) {
      if (n[k] > 0) {
        assertThat((double) c.codebook()[k]).isCloseTo(sum[k] / n[k], org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }

  @Test
  void kmeansAfterPruningKeepsZerosExactAndSharesOnlyTheRest() {
    ModelWeights m = TestData.smallModel(3);
    TrialSpec t = new TrialSpec(List.<CompressionStep>of(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.5, LayerSelector.ALL),
        new QuantSpec(3, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL, Algorithm.KMEANS)));
    CompressedModel c = TrialCompressor.apply(m, t);
    CompressedModel pruned = TrialCompressor.apply(m, new TrialSpec(List.of(t.steps().get(0))));
    for (int l = 0; l < m.layers().size(); l++) {
      float[] p = pruned.weights().layers().get(l).weights();
      float[] q = c.weights().layers().get(l).weights();
      Set<Float> nonZero = new HashSet<>();
      for (int i = 0; i < p.length; i++) {
        assertThat(q[i] == 0f).isEqualTo(p[i] == 0f);
        if (q[i] != 0f) {
          nonZero.add(q[i]);
        }
      }
      assertThat(nonZero.size()).isLessThanOrEqualTo(7); // 2^3 entries, one of them the exact zero
    }
  }

  @Test
  void kmeansWithMoreCentroidsThanWeightsIsRefusedAndFewDistinctValuesKeepTheirOwn() {
    LayerWeights tiny = new LayerWeights("t", LayerKind.DENSE, new int[] {2, 2}, 1, 1, new float[] {1, 2, 3, 4}, new float[0]);
    assertThatThrownBy(() -> KMeansQuantizer.quantize(tiny, 3))
        .hasMessage("layer 't' has 4 weights, fewer than the 8 centroids of 3-bit k-means; use fewer bits");
    LayerWeights sparse = new LayerWeights("s", LayerKind.DENSE, new int[] {4, 4}, 1, 1,
        new float[] {0, 0, 0.5f, 0, 0, -1f, 0, 0, 0, 0, 0, 0.25f, 0, 0, 0, 0}, new float[0]);
    assertThat(KMeansQuantizer.dequantize(KMeansQuantizer.quantize(sparse, 3))).isEqualTo(sparse.weights());
  }

  @Test
  void plannerRefusesKmeansBitsALayerCannotHold() {
    io.modelpress.spec.SweepSpec spec = io.modelpress.config.SweepConfigParser.parse("""
        version: 1
        model: {zoo: mlp-64-64}
        dataset: mnist
        search:
          - quantize: {method: kmeans, bits: [2, 5]}
        """, "t");
    assertThatThrownBy(() -> io.modelpress.plan.SweepPlanner.plan(spec, TestData.smallModel(1), "m", "d"))
        .hasMessage("k-means with 5 bits needs 32 centroids but layer 'out' has only 24 weights; use fewer bits or exclude the layer");
  }

  /**
   * Each weight against the level found by brute force from the definition (Miyashita et al. 2016, as the
   * quantizer documents it): m = 2^(b−1) − 1 exponents per sign, e ∈ [emax − m + 1, emax] with
   * emax = round(log2 max|w|), the exponent nearest to log2 |w| chosen by scanning them all, 0 below
   * 2^(emin − ½). Since emax rounds log2 max|w|, no weight lies above 2^(emax + ½): every non-zero level is
   * within a factor √2 of its weight, with no exception for clamping.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 6, 8})
  void powerOfTwoValuesAreTheNearestSignedPowerOfTwoInTheLogDomain(int bits) {
    LayerWeights l = layer(20 + bits);
    ValueCoding.Codebook c = PowerOfTwoQuantizer.quantize(l, bits);
    float[] q = KMeansQuantizer.dequantize(c);
    double maxAbs = 0;
    for (float w : l.weights()) {
      maxAbs = Math.max(maxAbs, Math.abs(w));
    }
    int m = (1 << (bits - 1)) - 1;
    int emax = (int) Math.round(Math.log(maxAbs) / Math.log(2));
    int emin = emax - m + 1;
    Set<Float> distinct = new HashSet<>();
    int zeros = 0;
    for (int i = 0; i < q.length; i++) {
      float w = l.weights()[i];
      double log2 = Math.log(Math.abs(w)) / Math.log(2);
      float expected;
      if (log2 < emin - 0.5) {
        expected = 0f;
        zeros++;
      } else {
        int best = emin;
        for (int e = emin; e <= emax; e++) {
          if (Math.abs(log2 - e) < Math.abs(log2 - best)) {
            best = e;
          }
        }
        expected = (float) Math.copySign(Math.pow(2, best), w);
      }
      assertThat(q[i]).as("weight %s", w).isEqualTo(expected);
      distinct.add(q[i]);
      if (q[i] != 0f) {
        double ratio = Math.abs(q[i] / w);
        assertThat(ratio).isBetween(1 / Math.sqrt(2) - 1e-6, Math.sqrt(2) + 1e-6);
      }
    }
    if (bits == 2) {
      assertThat(zeros).as("one exponent per sign: the weights below 2^(emax − ½) round to 0").isPositive();
    }
    assertThat(distinct.size()).isLessThanOrEqualTo((1 << bits) - 1);
    assertThat(c.hasZero()).isTrue();
  }
}
