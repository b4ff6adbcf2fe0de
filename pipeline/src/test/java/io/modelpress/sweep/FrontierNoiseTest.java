package io.modelpress.sweep;

import static io.modelpress.measure.LayerWorkload.Arithmetic.FP32;
import static io.modelpress.measure.LayerWorkload.Arithmetic.INT8;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.measure.LayerWorkload;
import io.modelpress.pareto.Objective;
import io.modelpress.pareto.ParetoFront;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.runtime.Latency;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Measured latency must not decide by noise: timings drawn with deliberate noise (identical compiled forms
 * up to 2.3× apart, as measured in bench/results/distill-mnist-2.txt; other forms within their own
 * interquartile range) give the same frontier and knee as the noise-free timings, over 300 draws, while
 * plain dominance on the raw timings (the rule before) changes the frontier on some of them.
 */
class FrontierNoiseTest {

  static final List<Objective> OBJECTIVES = List.of(new Objective("accuracy", true),
      new Objective("encoded_bytes", false), new Objective("latency_b1_p50_ms", false));

  /** A trial of a compiled form ({@code kernel}, one layer of {@code executed} MACs, {@code bits}) measured at {@code ms}. */
  static TrialResult trial(String id, boolean base, double accuracy, long bytes, String kernel, long executed, int bits,
      double ms, double iqr) {
    PlannedTrial t = new PlannedTrial(id, id.hashCode() & 0xff, "b", 1, base ? new TrialSpec(List.of())
        : new TrialSpec(List.of(new io.modelpress.spec.PruneSpec(io.modelpress.spec.PruneSpec.Scope.GLOBAL, 0.5,
            io.modelpress.spec.LayerSelector.ALL))));
    Latency l = new Latency(kernel, new Latency.Stats(ms, ms * 1.2, iqr, 30), new Latency.Stats(32 * ms, 40 * ms, 32 * iqr,
        30), 1, false, "h/1", null);
    LayerWorkload w = new LayerWorkload("fc", 100_000, executed, executed < 100_000, bits, bytes, bits < 32 ? INT8 : FP32);
    Measurements m = new Measurements(new Measurements.Quality(accuracy, 0.98 - accuracy, 0, 0, 0, 1000),
        new Measurements.Size(100, 100, 0, Double.NaN, 400, bytes, 1, 100_000, executed), 1,
        new Measurements.Timings(0, 0, 0, Double.NaN), List.of(w), l);
    return TrialResult.ok(t, m, "h/1");
  }

  /** The sweep: true latencies, each trial's noise factor from {@code noise} (1 = none). */
  static List<TrialResult> sweep(double[] noise) {
    List<TrialResult> r = new ArrayList<>();
    int i = 0;
    r.add(trial("base", true, 0.980, 400_000, "dense-fp32", 100_000, 32, 0.100 * noise[i++], 0.010));
    r.add(trial("q8", false, 0.975, 100_000, "codebook", 100_000, 8, 0.050 * noise[i++], 0.005));
    // five students of one shape: the same compiled form, different accuracies (replica seeds)
    double[] acc = {0.970, 0.966, 0.962, 0.958, 0.954};
    for (double a : acc) {
      r.add(trial("student-" + a, false, a, 50_000, "dense-fp32", 20_000, 32, 0.010 * noise[i++], 0.001));
    }
    // two forms whose true latencies are within their noise of each other: a tie on latency
    r.add(trial("csr-a", false, 0.940, 20_000, "csr-fp32", 5_000, 32, 0.0040 * noise[i++], 0.0008));
    r.add(trial("csr-b", false, 0.940, 20_000, "csr-fp16", 5_000, 16, 0.0042 * noise[i++], 0.0008));
    return r;
  }

  static final int TRIALS = 9;

  /** Noise as measured: identical students 1–2.3×; other forms within ±5 % (inside their IQR: 10-20 %). */
  static double[] noise(Random rnd) {
    double[] f = new double[TRIALS];
    for (int i = 0; i < TRIALS; i++) {
      boolean student = i >= 2 && i < 7;
      f[i] = student ? 1 + 1.3 * rnd.nextDouble() : 0.95 + 0.10 * rnd.nextDouble();
    }
    return f;
  }

  static Set<String> frontier(List<TrialResult> r) {
    Set<String> ids = new TreeSet<>();
    Frontier.ranks(r, OBJECTIVES).forEach((id, rank) -> {
      if (rank == 0) {
        ids.add(id);
      }
    });
    return ids;
  }

  /** The frontier by plain dominance on each trial's own raw timing (the rule before). */
  static Set<String> rawFrontier(List<TrialResult> r) {
    List<double[]> points = new ArrayList<>();
    for (TrialResult t : r) {
      points.add(Frontier.objectiveValues(t, OBJECTIVES));
    }
    int[] rank = ParetoFront.ranks(points, OBJECTIVES);
    Set<String> ids = new TreeSet<>();
    for (int i = 0; i < rank.length; i++) {
      if (rank[i] == 0) {
        ids.add(r.get(i).trial().trialId());
      }
    }
    return ids;
  }

  @Test
  void theFrontierAndKneeDoNotChangeWithTheNoise() {
    double[] none = new double[TRIALS];
    java.util.Arrays.fill(none, 1);
    List<TrialResult> exact = sweep(none);
    Set<String> front = frontier(exact);
    String knee = Frontier.knee(exact, OBJECTIVES);
    // written out: the most accurate student only (its replicas are the same model for the runtime), both
    // csr forms (they tie on latency and on everything else), q8 and the base
    assertThat(front).containsExactlyInAnyOrder("base", "q8", "student-0.97", "csr-a", "csr-b");
    Random rnd = new Random(7);
    Set<Set<String>> rawFronts = new HashSet<>();
    for (int draw = 0; draw < 300; draw++) {
      List<TrialResult> noisy = sweep(noise(rnd));
      assertThat(frontier(noisy)).as("draw " + draw).isEqualTo(front);
      assertThat(Frontier.knee(noisy, OBJECTIVES)).as("draw " + draw).isEqualTo(knee);
      rawFronts.add(rawFrontier(noisy));
    }
    // without the two rules the noise decides: the raw timings give several frontiers
    assertThat(rawFronts).hasSizeGreaterThan(1);
  }

  @Test
  void aDifferenceBeyondTheNoiseStillCounts() {
    double[] none = new double[TRIALS];
    java.util.Arrays.fill(none, 1);
    List<TrialResult> r = new ArrayList<>(sweep(none));
    // a third csr form, measured clearly slower than the tie (beyond both IQRs): dominated
    r.add(trial("csr-slow", false, 0.940, 20_000, "csr-int8", 5_000, 8, 0.0080, 0.0008));
    assertThat(frontier(r)).doesNotContain("csr-slow").contains("csr-a", "csr-b");
  }
}
