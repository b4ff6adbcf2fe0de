package io.modelpress.pareto;

import java.io.Serializable;
import java.util.Objects;

/** A named objective and whether larger values are better. */
public record Objective(String metric, boolean maximize) implements Serializable {

  public Objective {
    Objects.requireNonNull(metric, "metric");
  }

  public String direction() {
    return maximize ? "maximize" : "minimize";
  }

  /** Whether this is a measured latency ({@code latency_*}): noisy, unlike every other objective. */
  public boolean measured() {
    return metric.startsWith("latency_");
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
