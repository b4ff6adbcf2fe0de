package io.modelpress.sweep;

import io.modelpress.runtime.Latency;
import io.modelpress.measure.DeviceProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Picks the trial to deploy on a device: among the successful trials that fit the device and meet every
 * constraint, the most accurate (then the fastest, the smallest, the lowest trial id). Latency is the
 * device profile's estimate, or on {@code measured} the batch-1 p50 measured on the executors. When no
 * trial qualifies it says which constraint no trial meets, and which trial comes closest.
 */
public final class Selection {

  /** The device name that selects on measured latency instead of a profile's estimate. */
  public static final String MEASURED = "measured";

  /**
   * Slack in accuracy-drop comparisons: accuracies are ratios of counts, so a drop of exactly one point
   * can come out as 0.010000000000000009.
   */
  static final double DROP_SLACK = 1e-9;

  private Selection() {}

  /**
   * Limits; NaN (or a negative byte count) means no limit.
   *
   * @param maxAccuracyDrop in accuracy units (0.01 = one point)
   */
  public record Constraints(double maxLatencyMs, long maxEncodedBytes, double maxAccuracyDrop) {}

  /** A trial as it would run on the device. {@code latencyMs} is NaN when it could not be measured. */
  public record Candidate(TrialResult result, double latencyMs, boolean estimated, double energyUj, long weightBytes,
      boolean fits) {

    Measurements m() {
      return result.measurements().orElseThrow();
    }
  }

  /** What {@link #select} found: the choice, or why there is none and the closest trial. */
  public record Outcome(Candidate chosen, List<String> unmet, Candidate closest, int feasible) {}

  /** The successful trials on {@code device} (null: measured latency). */
  public static List<Candidate> candidates(List<TrialResult> results, DeviceProfile device) {
    List<Candidate> out = new ArrayList<>();
    for (TrialResult r : results) {
      Measurements m = r.measurements().orElse(null);
      if (m == null) {
        continue;
      }
      if (device == null) {
        out.add(new Candidate(r, m.metric("latency_b1_p50_ms"), false, m.energyEstimateUj(), m.encodedBytes(), true));
      } else if (m.workloads() != null && !m.workloads().isEmpty()) {
        DeviceProfile.Estimate e = device.estimate(m.workloads());
        out.add(new Candidate(r, e.latencyMs(), true, e.energyUj(), e.weightBytes(), e.fits()));
      }
    }
    return out;
  }

  public static Outcome select(List<Candidate> all, Constraints c, String deviceName, long deviceMemory) {
    List<Candidate> feasible = all.stream().filter(x -> violation(x, c) == 0).toList();
    if (!feasible.isEmpty()) {
      Candidate best = feasible.stream().min(Comparator.<Candidate>comparingDouble(x -> -x.m().accuracy())
          .thenComparingDouble(Candidate::latencyMs).thenComparingLong(x -> x.m().encodedBytes())
          .thenComparing(x -> x.result().trial().trialId())).orElseThrow();
      return new Outcome(best, List.of(), null, feasible.size());
    }
    List<String> unmet = new ArrayList<>();
    if (all.isEmpty()) {
      unmet.add("the run has no successful sweep trial" + (deviceName.equals(MEASURED) ? "" : " with layer "
          + "workloads (a sensitivity run, or rows written before device estimates existed)"));
      return new Outcome(null, unmet, null, 0);
    }
    if (all.stream().noneMatch(Candidate::fits)) {
      Candidate s = all.stream().min(Comparator.comparingLong(Candidate::weightBytes)).orElseThrow();
      unmet.add(String.format(Locale.ROOT, "no trial fits %s's %d bytes of weight memory (smallest: %d bytes, "
          + "trial %s)", deviceName, deviceMemory, s.weightBytes(), s.result().trial().trialId()));
    }
    if (!Double.isNaN(c.maxLatencyMs()) && all.stream().noneMatch(x -> x.latencyMs() <= c.maxLatencyMs())) {
      Candidate s = all.stream().filter(x -> !Double.isNaN(x.latencyMs()))
          .min(Comparator.comparingDouble(Candidate::latencyMs)).orElse(null);
      unmet.add(String.format(Locale.ROOT, "no trial meets --max-latency-ms %s on %s (%s)", num(c.maxLatencyMs()),
          deviceName, s == null ? "no latency was measured" : String.format(Locale.ROOT, "fastest: %.4f ms, trial %s",
              s.latencyMs(), s.result().trial().trialId())));
    }
    if (c.maxEncodedBytes() >= 0 && all.stream().noneMatch(x -> x.m().encodedBytes() <= c.maxEncodedBytes())) {
      Candidate s = all.stream().min(Comparator.comparingLong(x -> x.m().encodedBytes())).orElseThrow();
      unmet.add(String.format(Locale.ROOT, "no trial meets --max-size-kb %s (smallest: %.1f KB, trial %s)",
          num(c.maxEncodedBytes() / 1024.0), s.m().encodedBytes() / 1024.0, s.result().trial().trialId()));
    }
    if (!Double.isNaN(c.maxAccuracyDrop()) && all.stream().noneMatch(x -> x.m().accuracyDrop() <= c.maxAccuracyDrop() + DROP_SLACK)) {
      Candidate s = all.stream().min(Comparator.comparingDouble(x -> x.m().accuracyDrop())).orElseThrow();
      unmet.add(String.format(Locale.ROOT, "no trial meets --max-accuracy-drop %s (least drop: %.2f points, trial %s)",
          num(100 * c.maxAccuracyDrop()), 100 * s.m().accuracyDrop(), s.result().trial().trialId()));
    }
    if (unmet.isEmpty()) {
      unmet.add("each constraint is met by some trial, but no trial meets them all together");
    }
    Candidate closest = all.stream().min(Comparator.<Candidate>comparingDouble(x -> violation(x, c))
        .thenComparing(x -> x.result().trial().trialId())).orElseThrow();
    return new Outcome(null, unmet, closest, 0);
  }

  /**
   * How far a candidate is from meeting the constraints: the sum of its relative overshoots (0 when it
   * meets them all). An unmeasured latency under a latency limit counts as infinitely far.
   */
  static double violation(Candidate x, Constraints c) {
    double v = 0;
    if (!x.fits()) {
      v += 1;
    }
    if (!Double.isNaN(c.maxLatencyMs())) {
      v += Double.isNaN(x.latencyMs()) ? Double.POSITIVE_INFINITY : over(x.latencyMs(), c.maxLatencyMs());
    }
    if (c.maxEncodedBytes() >= 0) {
      v += over(x.m().encodedBytes(), c.maxEncodedBytes());
    }
    if (!Double.isNaN(c.maxAccuracyDrop())) {
      double drop = x.m().accuracyDrop();
      v += Double.isNaN(drop) ? Double.POSITIVE_INFINITY : Math.max(0, drop - c.maxAccuracyDrop() - DROP_SLACK) / 0.01;
    }
    return v;
  }

  private static double over(double value, double limit) {
    return value <= limit ? 0 : limit <= 0 ? Double.POSITIVE_INFINITY : value / limit - 1;
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
