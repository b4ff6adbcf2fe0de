package io.modelpress.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.TestData;
import io.modelpress.compress.CompressedModel;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.LatencySpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyMeterTest {

  @Test
  void statsAreNearestRankPercentilesInMilliseconds() {
    long[] nanos = new long[100];
    for (int i = 0; i < 100; i++) {
      nanos[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms, unsorted
    }
    Latency.Stats s = Latency.Stats.of(nanos, 100);
    assertThat(s.p50Ms()).isEqualTo(50.0);
    assertThat(s.p95Ms()).isEqualTo(95.0);
    assertThat(s.iqrMs()).isEqualTo(75.0 - 25.0);
    assertThat(s.runs()).isEqualTo(100);
    assertThat(s.spread()).isEqualTo(1.0);
  }

  @Test
  void interleavedRoundsVisitEveryModelOnceARoundAndBalanceTheirPositionsOverEachPair() {
    // written out for 3 models: A B C, C B A, then rotated by one: B C A, A C B
    int[][] three = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {0, 2, 1}};
    for (int r = 0; r < 4; r++) {
      for (int k = 0; k < 3; k++) {
        assertThat(LatencyMeter.order(k, r, 3)).as("round %d, turn %d", r, k).isEqualTo(three[r][k]);
      }
    }
    // for any n: each round is a permutation, and over each pair of rounds every model's two positions sum to
    // n - 1 (a drift within the pair costs every model the same); an even n must not stay in one order
    for (int n = 1; n <= 6; n++) {
      for (int r = 0; r < 8; r += 2) {
        int[] positionSum = new int[n];
        for (int rr = r; rr < r + 2; rr++) {
          boolean[] seen = new boolean[n];
          for (int k = 0; k < n; k++) {
            int m = LatencyMeter.order(k, rr, n);
            assertThat(seen[m]).as("n %d round %d: model %d twice", n, rr, m).isFalse();
            seen[m] = true;
            positionSum[m] += k;
          }
        }
        for (int m = 0; m < n; m++) {
          assertThat(positionSum[m]).as("n %d rounds %d-%d, model %d", n, r, r + 1, m).isEqualTo(n - 1);
        }
      }
    }
    assertThat(LatencyMeter.order(0, 0, 2)).isNotEqualTo(LatencyMeter.order(0, 1, 2));
  }

  @Test
  void interleavedConfirmationKeepsEachModelsFigureWithItsModel() {
    // mlp-64-64 (784-64-64-10: 54,912 multiply-adds) and the same with its first layer pruned to 1 % (CSR:
    // 502 + 4,096 + 640 = 5,238): whatever the noise, the dense one must come out slower, at both batch sizes
    // and in either input order (an index mix-up between models and their figures would swap them)
    Network net = Backends.dl4j().restore(TestData.trainedMlp());
    CompiledModel dense = CompiledModel.compile(new CompressedModel(net.weights(), Map.of(), Double.NaN),
        net.architecture(), CompiledModel.Mode.AUTO);
    io.modelpress.weights.ModelWeights w = net.weights();
    java.util.List<io.modelpress.weights.LayerWeights> layers = new java.util.ArrayList<>(w.layers());
    float[] v = layers.get(0).weights().clone();
    for (int i = 0; i < v.length; i++) {
      v[i] = i % 100 == 0 ? v[i] : 0;
    }
    layers.set(0, layers.get(0).withWeights(v));
    CompiledModel sparse = CompiledModel.compile(new CompressedModel(new io.modelpress.weights.ModelWeights(layers),
        Map.of(), 0.99), net.architecture(), CompiledModel.Mode.AUTO);
    LabeledImages test = TestData.mnistTest(64);
    float[] x = test.features(0, 64);
    LatencySpec spec = new LatencySpec(true, 20, 100, 20, 200, 0.25, 0);
    java.util.List<Latency.Confirmed> ab = LatencyMeter.interleaved(java.util.List.of(dense, sparse), x, 64, spec, 5, "h/1");
    java.util.List<Latency.Confirmed> ba = LatencyMeter.interleaved(java.util.List.of(sparse, dense), x, 64, spec, 5, "h/1");
    assertThat(ab.get(0).rounds()).isEqualTo(5);
    assertThat(ab.get(0).batch1().runs()).isEqualTo(5);
    assertThat(ab.get(0).batch32().p50Ms()).isGreaterThan(ab.get(1).batch32().p50Ms());
    assertThat(ba.get(1).batch32().p50Ms()).isGreaterThan(ba.get(0).batch32().p50Ms());
    assertThat(ab.get(0).batch1().p50Ms()).isGreaterThan(ab.get(1).batch1().p50Ms());
  }

  @Test
  void measuresBothBatchSizesWithinTheRunBoundsAndRepeatsOrFlagsNoise() {
    Network net = Backends.dl4j().restore(TestData.trainedMlp());
    CompiledModel m = CompiledModel.compile(new CompressedModel(net.weights(), Map.of(), Double.NaN), net.architecture(),
        CompiledModel.Mode.AUTO);
    LabeledImages test = TestData.mnistTest(64);
    float[] x = test.features(0, 64);
    // a threshold no real measurement meets: every batch size is repeated retries times, then flagged
    Latency strict = LatencyMeter.measure(m, x, 64, new LatencySpec(true, 5, 40, 20, 10_000, 1e-12, 2), "h/1");
    assertThat(strict.attempts()).isEqualTo(2 * 3);
    assertThat(strict.noisy()).isTrue();
    // a threshold every measurement meets: one attempt per batch size, not flagged
    Latency lax = LatencyMeter.measure(m, x, 64, new LatencySpec(true, 5, 40, 20, 10_000, 1e9, 2), "h/1");
    assertThat(lax.attempts()).isEqualTo(2);
    assertThat(lax.noisy()).isFalse();
    assertThat(lax.kinds()).isEqualTo("dense-fp32,dense-fp32,dense-fp32");
    assertThat(lax.host()).isEqualTo("h/1");
    assertThat(lax.batch1().runs()).isEqualTo(40); // the budget is large: all runs
    assertThat(lax.batch1().p95Ms()).isGreaterThanOrEqualTo(lax.batch1().p50Ms()).isPositive();
    // a batch of 32 takes longer than one example
    assertThat(lax.batch32().p50Ms()).isGreaterThan(lax.batch1().p50Ms());
    // a tiny budget stops at min-runs
    Latency quick = LatencyMeter.measure(m, x, 64, new LatencySpec(true, 0, 1000, 20, 1e-6, 1e9, 0), "h/1");
    assertThat(quick.batch1().runs()).isEqualTo(20);
    assertThat(quick.batch32().runs()).isEqualTo(20);
  }
}
