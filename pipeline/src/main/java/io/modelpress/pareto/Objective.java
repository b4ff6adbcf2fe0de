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
}
