package io.modelpress.report;

import io.modelpress.sweep.TrialResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * The files of a run's report, by name: {@code accuracy-vs-size.{png,svg}},
 * {@code accuracy-vs-latency.{png,svg}} (only when some trial has a measured latency),
 * {@code distill-<student>.{png,svg}} per student a distillation sweep distilled, {@code nightly-diff.txt}
 * for a nightly run, and
 * {@code report.html}, which shows the PNGs inline; for a sensitivity run {@code sensitivity-<method>.{png,svg}}
 * and {@code report.html}. A run without a successful trial gets the page alone. The caller writes them into
 * {@code <out>/reports/run_id=<R>/} ({@link #folder}).
 */
public final class ReportFiles {

  public static final String REPORTS = "reports";
  public static final String HTML = "report.html";
  public static final String SIZE = "accuracy-vs-size";
  public static final String LATENCY = "accuracy-vs-latency";
  public static final String NIGHTLY_DIFF = "nightly-diff.txt";

  private ReportFiles() {}

  /** The report folder of a run under an output root (a Hadoop path string). */
  public static String folder(String out, String runId) {
    return (out.endsWith("/") ? out : out + "/") + REPORTS + "/run_id=" + runId;
  }

  /** The plot of one method of a sensitivity run: {@code sensitivity-<method>}. */
  public static String sensitivity(String method) {
    return "sensitivity-" + method;
  }

  /**
   * Renders every file of a sensitivity run's report (in memory): {@code sensitivity-<method>.{png,svg}}
   * per method with single-layer rows, and {@code report.html}.
   */
  public static Map<String, byte[]> render(SensitivityReport r) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    List<ReportHtml.Figure> figures = new ArrayList<>();
    for (String method : r.methods()) {
      XYChart c = ReportPlots.sensitivity(r, method);
      byte[] png = ReportPlots.png(c);
      files.put(sensitivity(method) + ".png", png);
      files.put(sensitivity(method) + ".svg", ReportPlots.svg(c));
      figures.add(new ReportHtml.Figure("Accuracy drop of " + method + (r.levelIsBits(method)
          ? " quantization over bits per weight" : " pruning over the layer's sparsity")
          + ", one layer at a time; error bars: 95 % confidence interval over the seeds.",
          "sensitivity to " + method + " of run " + r.run().runId(), png));
    }
    files.put(HTML, ReportHtml.render(r, figures).getBytes(StandardCharsets.UTF_8));
    return Collections.unmodifiableMap(files);
  }

  /** Renders every file of the report (in memory). */
  public static Map<String, byte[]> render(RunReport r) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    List<ReportHtml.Figure> figures = new ArrayList<>();
    if (r.trials().stream().anyMatch(TrialResult::isOk)) { // a run whose every trial failed has nothing to plot
      XYChart size = ReportPlots.accuracyVsSize(r);
      byte[] sizePng = ReportPlots.png(size);
      files.put(SIZE + ".png", sizePng);
      files.put(SIZE + ".svg", ReportPlots.svg(size));
      figures.add(new ReportHtml.Figure("Accuracy vs encoded size (bytes of the real compressed artifact), every "
          + "successful trial.", "accuracy vs encoded size of run " + r.run().runId(), sizePng));
    }
    for (io.modelpress.sweep.DistillSummary.Student s : io.modelpress.sweep.DistillSummary.of(r.trials())) {
      if (s.distilled().isEmpty()) {
        continue;
      }
      XYChart kd = ReportPlots.distillation(r, s);
      byte[] png = ReportPlots.png(kd);
      files.put(s.file() + ".png", png);
      files.put(s.file() + ".svg", ReportPlots.svg(kd));
      figures.add(new ReportHtml.Figure("Distillation into " + s.label() + ": mean test accuracy over the "
          + "temperature, one line per α, against the same student trained on hard labels only and the teacher.",
          "distillation into " + s.label() + " of run " + r.run().runId(), png));
    }
    if (r.latencyMeasured()) {
      XYChart latency = ReportPlots.accuracyVsLatency(r);
      byte[] latencyPng = ReportPlots.png(latency);
      files.put(LATENCY + ".png", latencyPng);
      files.put(LATENCY + ".svg", ReportPlots.svg(latency));
      figures.add(new ReportHtml.Figure("Accuracy vs measured batch-1 latency (p50 of timed runs of the compressed "
          + "form in the pure-Java runtime, one model per executor at a time); trials without a measurement are "
          + "left out.", "accuracy vs measured latency of run " + r.run().runId(), latencyPng));
    }
    if (r.nightly() != null) {
      files.put(NIGHTLY_DIFF, r.nightly().text().getBytes(StandardCharsets.UTF_8));
    }
    files.put(HTML, ReportHtml.render(r, figures).getBytes(StandardCharsets.UTF_8));
    return Collections.unmodifiableMap(files);
  }
}
