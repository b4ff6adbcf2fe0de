package io.modelpress.pareto;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A named objective and whether larger values are better.
 *
 * <p>{@code est_latency_ms} is the roofline estimate of batch-1 latency on a target device (a device profile's
 * estimate): written {@code est_latency_ms@DEVICE}, or plain {@code est_latency_ms} for the
 * first profile of the run's devices file. It is exact (a function of the trial's layer workloads), unlike
 * measured latency ({@link #measured}). Until {@link #bound} to the run's profiles it has no device and
 * cannot be computed.
 *
 * @param device the profile an {@code est_latency_ms} objective is estimated on; null for every other metric,
 *     and for an estimate not bound yet
 */
public record Objective(String metric, boolean maximize, Device device) implements Serializable {

  /** The estimated-latency metric's name. */
  public static final String ESTIMATED = "est_latency_ms";

  /** A device an estimate is made for: a device profile, known here only by its name. */
  public interface Device extends Serializable {
    String name();
  }

  public Objective(String metric, boolean maximize) {
    this(metric, maximize, null);
  }

  public Objective {
    Objects.requireNonNull(metric, "metric");
    if (device != null && !metric.equals(ESTIMATED + "@" + device.name())) {
      throw new IllegalArgumentException("objective '" + metric + "' cannot be bound to device " + device.name());
    }
  }

  public String direction() {
    return maximize ? "maximize" : "minimize";
  }

  /** Whether this is a measured latency ({@code latency_*}): noisy, unlike every other objective. */
  public boolean measured() {
    return metric.startsWith("latency_");
  }

  /** Whether this is an estimated latency on a device ({@code est_latency_ms[@DEVICE]}). */
  public boolean estimated() {
    return metric.equals(ESTIMATED) || metric.startsWith(ESTIMATED + "@");
  }

  /**
   * This objective with its device profile: an estimate names one of {@code profiles}, or takes the first;
   * every other objective is returned as it is.
   *
   * @throws IllegalArgumentException naming the device and the profiles when the device is not among them
   */
  public Objective bound(List<? extends Device> profiles) {
    if (!estimated()) {
      return this;
    }
    if (profiles.isEmpty()) {
      throw new IllegalArgumentException("objective '" + metric + "' needs a device profile, and none is given");
    }
    String name = metric.equals(ESTIMATED) ? profiles.get(0).name() : metric.substring(ESTIMATED.length() + 1);
    Device p = profiles.stream().filter(d -> d.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("objective '" + metric + "' names device '" + name
            + "', which is not among the device profiles " + profiles.stream().map(Device::name).toList()));
    return new Objective(ESTIMATED + "@" + p.name(), maximize, p);
  }

  /** {@link #bound} of each. */
  public static List<Objective> bound(List<Objective> objectives, List<? extends Device> profiles) {
    return objectives.stream().map(o -> o.bound(profiles)).toList();
  }

  /** The objectives as a run records them ({@code "accuracy maximize, encoded_bytes minimize"}). */
  public static java.util.List<Objective> parseList(String text) {
    java.util.List<Objective> out = new java.util.ArrayList<>();
    for (String part : text.split(",")) {
      String[] w = part.trim().split("\\s+");
      if (w.length != 2 || !(w[1].equals("maximize") || w[1].equals("minimize"))) {
        throw new IllegalArgumentException("objectives '" + text + "': expected 'metric maximize|minimize, ...'");
      }
      out.add(new Objective(w[0], w[1].equals("maximize")));
    }
    return out;
  }
}
