package io.modelpress.sweep;

import static io.modelpress.measure.LayerWorkload.Arithmetic.FP32;
import static io.modelpress.measure.LayerWorkload.Arithmetic.INT8;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.measure.DeviceProfile;
import io.modelpress.measure.LayerWorkload;
import io.modelpress.pareto.ParetoFront;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.runtime.Latency;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelectionTest {

  static final DeviceProfile BIG = new DeviceProfile("big", "fast, no memory limit", 10, 40, 10, 0.25, 0, 4, 1, 100, 0);
  static final DeviceProfile MCU = new DeviceProfile("mcu", "slow, 5 kB", 0.01, 0.1, 0.1, 0.5, 0, 900, 450, 30, 5_000);

  /** A successful trial with an accuracy, encoded size, one layer's workload and a measured p50. */
  static TrialResult trial(String id, double accuracy, long bytes, LayerWorkload w, double measuredMs) {
    PlannedTrial t = new PlannedTrial(id, id.hashCode() & 0xff, "b", 1,
        new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.5, LayerSelector.ALL))));
    Latency l = Double.isNaN(measuredMs) ? Latency.failed("h/1", "cannot execute")
        : new Latency("dense-fp32", new Latency.Stats(measuredMs, measuredMs, 0, 20),
            new Latency.Stats(32 * measuredMs, 32 * measuredMs, 0, 20), 2, false, "h/1", null);
    Measurements m = new Measurements(new Measurements.Quality(accuracy, 0.98 - accuracy, 0, 0, 0, 1000), new Measurements.Size(100, 100, 0, Double.NaN, 400, bytes, 1, 100, 100), 1, new Measurements.Timings(0, 0, 0, Double.NaN), List.of(w), l);
    return TrialResult.ok(t, m, "h/1");
  }

  static final List<TrialResult> RESULTS = List.of(
      // dense fp32: most accurate, 40 kB of weights (does not fit the MCU)
      trial("dense", 0.98, 30_000, new LayerWorkload("fc", 10_000, 10_000, false, 32, 40_000, FP32), 0.020),
      // 4-bit: 5 kB, fits exactly
      trial("q4", 0.975, 4_000, new LayerWorkload("fc", 10_000, 10_000, false, 4, 5_000, INT8), 0.030),
      // sparse 4-bit: tiny and fast on the MCU, less accurate
      trial("sparse", 0.95, 1_500, new LayerWorkload("fc", 10_000, 1_000, true, 4, 2_500, INT8), 0.010),
      // runtime could not execute it: no measured latency
      trial("odd", 0.99, 50_000, new LayerWorkload("fc", 10_000, 10_000, false, 32, 40_000, FP32), Double.NaN));

  static Selection.Outcome select(DeviceProfile d, double ms, long bytes, double drop) {
    return Selection.select(Selection.candidates(RESULTS, d), new Selection.Constraints(ms, bytes, drop),
        d == null ? Selection.MEASURED : d.name(), d == null ? 0 : d.weightMemoryBytes());
  }

  @Test
  void picksTheMostAccurateTrialThatFitsAndMeetsEveryLimit() {
    assertThat(select(BIG, Double.NaN, -1, Double.NaN).chosen().result().trial().trialId()).isEqualTo("odd");
    // the MCU holds 5,000 bytes of weights: the dense models do not fit
    assertThat(select(MCU, Double.NaN, -1, Double.NaN).chosen().result().trial().trialId()).isEqualTo("q4");
    // q4 estimated on the MCU: 10,000 MACs at 1e8/s = 0.1 ms (5,000 bytes at 1e8 B/s = 0.05 ms); sparse: 1,000
    // MACs at half of 1e8/s = 0.02 ms, 2,500 bytes = 0.025 ms → 0.025 ms
    assertThat(select(MCU, 0.05, -1, Double.NaN).chosen().result().trial().trialId()).isEqualTo("sparse");
    assertThat(select(BIG, Double.NaN, 5_000, Double.NaN).chosen().result().trial().trialId()).isEqualTo("q4");
    // measured latency: the trial the runtime could not execute never meets a latency limit
    assertThat(select(null, 0.025, -1, Double.NaN).chosen().result().trial().trialId()).isEqualTo("dense");
    assertThat(select(null, Double.NaN, -1, 0.01).chosen().result().trial().trialId()).isEqualTo("odd");
  }

  @Test
  void aDropOfExactlyTheLimitQualifiesDespiteRounding() {
    // 0.9775 − 0.9675 is 0.010000000000000009 in doubles: one point, as counted
    List<TrialResult> r = List.of(trial("a", 0.9675, 1000, new LayerWorkload("fc", 10, 10, false, 32, 40, FP32), 0.01));
    var m = r.get(0).measurements().orElseThrow().withBaseAccuracy(0.9775);
    List<TrialResult> withDrop = List.of(TrialResult.ok(r.get(0).trial(), m, "h/1"));
    assertThat(m.accuracyDrop()).isGreaterThan(0.01);
    assertThat(Selection.select(Selection.candidates(withDrop, null), new Selection.Constraints(Double.NaN, -1, 0.01),
        Selection.MEASURED, 0).chosen()).isNotNull();
  }

  @Test
  void saysWhichConstraintNoTrialMeetsAndWhichTrialIsClosest() {
    Selection.Outcome o = select(MCU, 0.001, -1, Double.NaN);
    assertThat(o.chosen()).isNull();
    assertThat(o.unmet()).containsExactly(
        "no trial meets --max-latency-ms 0.001 on mcu (fastest: 0.0250 ms, trial sparse)");
    assertThat(o.closest().result().trial().trialId()).isEqualTo("sparse");
    Selection.Outcome size = select(BIG, Double.NaN, 1_000, -0.02);
    assertThat(size.unmet()).containsExactly("no trial meets --max-size-kb 0.9765625 (smallest: 1.5 KB, trial sparse)",
        "no trial meets --max-accuracy-drop -2 (least drop: -1.00 points, trial odd)");
    // each limit alone is met, together they are not
    Selection.Outcome both = select(BIG, Double.NaN, 2_000, 0.01);
    assertThat(both.unmet()).containsExactly("each constraint is met by some trial, but no trial meets them all together");
    assertThat(both.closest()).isNotNull();
  }

  @Test
  void aDevicesFrontierIsNonDominatedAmongTheTrialsThatFit() {
    List<DeviceEstimates.Row> rows = DeviceEstimates.of(RESULTS, List.of(BIG, MCU));
    assertThat(rows).hasSize(8);
    for (DeviceProfile d : List.of(BIG, MCU)) {
      List<DeviceEstimates.Row> mine = rows.stream().filter(r -> r.estimate().device().equals(d.name())).toList();
      List<double[]> points = new ArrayList<>();
      for (DeviceEstimates.Row r : mine) {
        Measurements m = r.result().measurements().orElseThrow();
        points.add(new double[] {m.accuracy(), m.encodedBytes(), r.estimate().latencyMs()});
      }
      for (int i = 0; i < mine.size(); i++) {
        boolean dominated = false;
        for (int j = 0; j < mine.size(); j++) {
          dominated |= mine.get(j).estimate().fits()
              && ParetoFront.dominates(points.get(j), points.get(i), DeviceEstimates.OBJECTIVES);
        }
        assertThat(mine.get(i).onFrontier()).as(d.name() + " " + i)
            .isEqualTo(mine.get(i).estimate().fits() && !dominated);
      }
    }
    assertThat(rows.stream().filter(r -> r.estimate().device().equals("mcu") && r.onFrontier())
        .map(r -> r.result().trial().trialId())).containsExactlyInAnyOrder("q4", "sparse");
  }
}
