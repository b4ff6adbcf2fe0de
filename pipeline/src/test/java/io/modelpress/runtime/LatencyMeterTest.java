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
