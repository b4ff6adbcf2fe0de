package io.modelpress.report;

import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.Sensitivity;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Everything the report of one sensitivity run shows, as read from its tables: the runs row and every
 * sensitivity_summary row (kind single or pair), sorted by kind, method, layer and level so that the same
 * rows give the same files in any read order.
 */
public record SensitivityReport(RunInfo run, List<Sensitivity.Summary> summaries) {

  public SensitivityReport {
    Objects.requireNonNull(run, "run");
    summaries = summaries.stream().sorted(Comparator.comparing((Sensitivity.Summary s) -> s.cell().kind())
        .thenComparing(s -> s.cell().method()).thenComparing(s -> s.cell().layer())
        .thenComparingDouble(s -> s.cell().level())).toList();
  }

  /** The methods with single-layer rows, in name order. */
  public List<String> methods() {
    return List.copyOf(new TreeSet<>(singles().stream().map(s -> s.cell().method()).toList()));
  }

  /** The single-layer rows (one layer changed at a time). */
  public List<Sensitivity.Summary> singles() {
    return summaries.stream().filter(s -> s.cell().kind().equals("single")).toList();
  }

  /** The single-layer rows of one method. */
  public List<Sensitivity.Summary> singles(String method) {
    return singles().stream().filter(s -> s.cell().method().equals(method)).toList();
  }

  /** The pair rows (two layers changed together) that have a predicted drop. */
  public List<Sensitivity.Summary> pairs() {
    return summaries.stream().filter(s -> s.cell().kind().equals("pair") && !Double.isNaN(s.predictedDrop())).toList();
  }

  /**
   * Whether a method's level is a bit width (quantize methods) rather than a sparsity (prune methods):
   * sparsities lie in [0, 1) and bit widths are at least 1.
   */
  public boolean levelIsBits(String method) {
    return singles(method).stream().allMatch(s -> s.cell().level() >= 1);
  }

  /** A method's most aggressive level: the highest sparsity, or the fewest bits. */
  public double harshestLevel(String method) {
    var levels = singles(method).stream().mapToDouble(s -> s.cell().level());
    return levelIsBits(method) ? levels.min().orElse(Double.NaN) : levels.max().orElse(Double.NaN);
  }
}
