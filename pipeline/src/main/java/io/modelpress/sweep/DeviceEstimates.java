package io.modelpress.sweep;

import io.modelpress.measure.DeviceProfile;
import io.modelpress.pareto.Objective;
import io.modelpress.pareto.ParetoFront;
import java.util.ArrayList;
import java.util.List;

/**
 * Every successful trial's estimated latency and energy on every device profile, with the frontier per
 * device: the trials that fit the device and are non-dominated in accuracy, encoded size and estimated
 * latency there.
 */
public final class DeviceEstimates {

  /** The objectives of a device's frontier. */
  public static final List<Objective> OBJECTIVES = List.of(new Objective("accuracy", true),
      new Objective("encoded_bytes", false), new Objective("est_latency_ms", false));

  private DeviceEstimates() {}

  public record Row(TrialResult result, DeviceProfile.Estimate estimate, boolean onFrontier) {}

  /** Rows for trials that recorded their layer workloads (rows of older versions have none). */
  public static List<Row> of(List<TrialResult> results, List<DeviceProfile> profiles) {
    List<Row> out = new ArrayList<>();
    for (DeviceProfile d : profiles) {
      List<TrialResult> ok = new ArrayList<>();
      List<DeviceProfile.Estimate> est = new ArrayList<>();
      for (TrialResult r : results) {
        Measurements m = r.measurements().orElse(null);
        if (m != null && m.workloads() != null && !m.workloads().isEmpty()) {
          ok.add(r);
          est.add(d.estimate(m.workloads()));
        }
      }
      List<double[]> points = new ArrayList<>();
      List<Integer> fitting = new ArrayList<>();
      for (int i = 0; i < ok.size(); i++) {
        if (est.get(i).fits()) {
          Measurements m = ok.get(i).measurements().orElseThrow();
          points.add(new double[] {m.accuracy(), m.encodedBytes(), est.get(i).latencyMs()});
          fitting.add(i);
        }
      }
      int[] rank = ParetoFront.ranks(points, OBJECTIVES);
      boolean[] front = new boolean[ok.size()];
      for (int k = 0; k < fitting.size(); k++) {
        front[fitting.get(k)] = rank[k] == 0;
      }
      for (int i = 0; i < ok.size(); i++) {
        out.add(new Row(ok.get(i), est.get(i), front[i]));
      }
    }
    return out;
  }
}
