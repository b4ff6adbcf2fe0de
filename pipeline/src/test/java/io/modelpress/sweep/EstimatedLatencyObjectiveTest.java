package io.modelpress.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.measure.DeviceProfile;
import io.modelpress.pareto.Objective;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The default latency objective is the roofline estimate on a device profile: bound to the profile the
 * config names (or the first), computed from the trial's layer workloads, and blind to measured timings.
 * Expected values are the roofline worked out by hand for the figures below.
 */
class EstimatedLatencyObjectiveTest {

  // 10 fp32 GMAC/s, 40 int8 GMAC/s, 5 GB/s, sparse kernels at 25 % of peak, 20 µs per inference
  static final DeviceProfile SMALL = new DeviceProfile("small", "", 10, 40, 5, 0.25, 20, 4.6, 0.3, 160, 0);
  static final DeviceProfile OTHER = new DeviceProfile("other", "", 1, 1, 1, 1, 0, 1, 1, 1, 0);

  @Test
  void anEstimateIsBoundToTheNamedProfileOrTheFirstAndAnUnknownDeviceIsNamed() {
    assertThat(new Objective("est_latency_ms", false).bound(List.of(SMALL, OTHER)).device()).isEqualTo(SMALL);
    Objective other = new Objective("est_latency_ms@other", false).bound(List.of(SMALL, OTHER));
    assertThat(other.device()).isEqualTo(OTHER);
    assertThat(other.metric()).isEqualTo("est_latency_ms@other");
    Objective acc = new Objective("accuracy", true);
    assertThat(acc.bound(List.of(SMALL))).isSameAs(acc);
    assertThatThrownBy(() -> new Objective("est_latency_ms@toaster", false).bound(List.of(SMALL, OTHER)))
        .hasMessage("objective 'est_latency_ms@toaster' names device 'toaster', which is not among the device "
            + "profiles [small, other]");
  }

  @Test
  void theObjectiveIsTheRooflineOfTheWorkloadsWhateverTheMeasuredTimings() {
    List<Objective> objectives = List.of(new Objective("accuracy", true),
        new Objective("est_latency_ms", false).bound(List.of(SMALL)));
    // measured timings deliberately backwards: the slowest-measured trial is the cheapest to run
    TrialResult base = FrontierNoiseTest.trial("base", true, 0.98, 400_000, "dense-fp32", 100_000, 32, 0.001, 0);
    TrialResult sparse8 = FrontierNoiseTest.trial("sparse8", false, 0.95, 12_000, "csr-int8", 10_000, 8, 9.0, 0);
    TrialResult small = FrontierNoiseTest.trial("small", false, 0.96, 4_000, "dense-fp32", 100_000, 32, 5.0, 0);
    TrialResult worse = FrontierNoiseTest.trial("worse", false, 0.94, 4_000, "dense-fp32", 100_000, 32, 0.0005, 0);
    // 20 µs + max(1e5 MAC / 10 GMAC/s = 10 µs, 400,000 B / 5 GB/s = 80 µs) = 100 µs
    assertThat(Frontier.objectiveValues(base, objectives)[1]).isCloseTo(0.100, within(1e-12));
    // 20 µs + max(1e4 MAC / (40 GMAC/s × 0.25) = 1 µs, 12,000 B / 5 GB/s = 2.4 µs) = 22.4 µs
    assertThat(Frontier.objectiveValues(sparse8, objectives)[1]).isCloseTo(0.0224, within(1e-12));
    // 20 µs + max(10 µs, 0.8 µs) = 30 µs: compute-bound
    assertThat(Frontier.objectiveValues(small, objectives)[1]).isCloseTo(0.030, within(1e-12));
    List<TrialResult> all = List.of(base, sparse8, small, worse);
    assertThat(Frontier.frontier(all, objectives)).extracting(r -> r.trial().trialId())
        .containsExactly("base", "small", "sparse8");
  }

  @Test
  void anUnboundEstimateIsAnErrorNotAGuess() {
    TrialResult base = FrontierNoiseTest.trial("base", true, 0.98, 400_000, "dense-fp32", 100_000, 32, 0.1, 0);
    assertThatThrownBy(() -> Frontier.objectiveValues(base, List.of(new Objective("est_latency_ms", false))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not bound to a device profile");
  }
}
