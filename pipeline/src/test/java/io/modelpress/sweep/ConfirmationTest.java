package io.modelpress.sweep;

import static io.modelpress.sweep.FrontierNoiseTest.OBJECTIVES;
import static io.modelpress.sweep.FrontierNoiseTest.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.pareto.Objective;
import io.modelpress.runtime.Latency;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which trials are re-measured before the frontier is final, and what the frontier then compares. Every
 * case is built by hand so that the answer follows from the definition (dominated even with its own
 * latency 10 noise widths faster and the other's 10 widths slower, or not), not from the code.
 */
class ConfirmationTest {

  @Test
  void candidatesAreTheTrialsNoiseCouldPutOnTheFrontierOneByCompiledFormAndTheBaseAlways() {
    // Tolerances by Frontier's rules: the one form measured twice (close, close-twin: 0.024 and 0.025 ms) gives
    // the run's relative noise, half its range over its median: 0.0005 / 0.0245 = 2 %; each trial's ε is the
    // larger of that times its latency and its IQR: base 0.002, fast 0.001, slow 0.002, the close form 0.001.
    // Confirmation.WIDEN is 10 widths.
    List<TrialResult> r = List.of(
        trial("base", true, 0.980, 400_000, "dense-fp32", 100_000, 32, 0.100, 0.002),
        // the most accurate small model, and the fastest: on the frontier
        trial("fast", false, 0.970, 50_000, "codebook", 50_000, 8, 0.020, 0.001),
        // less accurate and larger than fast, and slower by far: 0.100 - 10 * 0.002 = 0.080 ms at best against
        // fast's 0.020 + 10 * 0.001 = 0.030 at worst, still more than ε apart: dominated whatever the noise
        trial("slow", false, 0.960, 60_000, "dense-fp32", 90_000, 32, 0.100, 0.002),
        // less accurate and larger than fast but, at 0.0245 - 10 * 0.001 = 0.0145 ms, possibly faster than fast
        // at its slowest (0.030): noise could put it on the frontier
        trial("close", false, 0.960, 60_000, "csr-fp32", 40_000, 32, 0.024, 0.001),
        // the same compiled form (kernel, MACs, executed MACs): one candidate for both, by the lower id
        trial("close-twin", false, 0.961, 60_000, "csr-fp32", 40_000, 32, 0.025, 0.001));
    Map<String, TrialResult> c = Confirmation.candidates(r, OBJECTIVES);
    assertThat(c.values()).extracting(t -> t.trial().trialId())
        .containsExactlyInAnyOrder("base", "fast", "close"); // the form of close and close-twin by its lower id
    assertThat(c.keySet()).doesNotContain(Frontier.compiledForm(r.get(2)));

    // without a measured objective nothing is re-measured
    assertThat(Confirmation.candidates(r, List.of(new Objective("accuracy", true), new Objective("encoded_bytes", false))))
        .isEmpty();
  }

  @Test
  void aConfirmedFigureAppliesToEveryTrialOfItsFormAndItsSpreadBetweenRoundsIsTheTolerance() {
    List<TrialResult> r = List.of(
        trial("base", true, 0.980, 400_000, "dense-fp32", 100_000, 32, 0.100, 0.002),
        trial("a", false, 0.960, 60_000, "csr-fp32", 40_000, 32, 0.024, 0.001),
        trial("a-twin", false, 0.961, 60_000, "csr-fp32", 40_000, 32, 0.060, 0.001),
        trial("b", false, 0.950, 50_000, "codebook", 50_000, 8, 0.020, 0.001));
    Latency.Stats b1 = new Latency.Stats(0.030, 0.033, 0.0005, 8);
    Latency.Stats b32 = new Latency.Stats(0.9, 1.0, 0.01, 8);
    List<TrialResult> out = Confirmation.apply(r, Map.of(Frontier.compiledForm(r.get(1)),
        new Latency.Confirmed(b1, b32, 8, "h/2")));
    // both trials of the form now compare 0.030 ms, with ε = 0.0015: 5 % of it (how far two forms' ratio
    // moved between runs), above the rounds' IQR (0.0005); their own stage measurements (0.024, 0.060) stay
    // in the latency stage's columns
    Frontier.Points p = Frontier.points(out, OBJECTIVES);
    for (int i : new int[] {1, 2}) {
      assertThat(p.values().get(i)[2]).isCloseTo(0.030, within(1e-15));
      assertThat(p.tolerances().get(i)[2]).isCloseTo(0.0015, within(1e-15));
      assertThat(out.get(i).measurements().orElseThrow().latency().batch1().p50Ms()).isEqualTo(i == 1 ? 0.024 : 0.060);
      assertThat(out.get(i).measurements().orElseThrow().metric("latency_b1_p95_ms")).isEqualTo(0.033);
    }
    assertThat(out.get(0)).isSameAs(r.get(0));
    assertThat(out.get(3)).isSameAs(r.get(3));
  }

  @Test
  void roundsGiveTheFastestRoundAndTheInterquartileRangeOfAllRounds() {
    // seven rounds' p50s 5 100 1 3 6 2 4: the fastest is the third (1 ms) and its p95 (7) is the p95; sorted
    // 1 2 3 4 5 6 100, nearest-rank quartiles ceil(.25*7) = 2nd -> 2 and ceil(.75*7) = 6th -> 6: IQR 4
    Latency.Stats s = Latency.Stats.ofRounds(new double[] {5, 100, 1, 3, 6, 2, 4}, new double[] {9, 200, 7, 9, 9, 9, 9});
    assertThat(s.p50Ms()).isEqualTo(1);
    assertThat(s.p95Ms()).isEqualTo(7);
    assertThat(s.iqrMs()).isEqualTo(4);
    assertThat(s.runs()).isEqualTo(7);
  }
}
