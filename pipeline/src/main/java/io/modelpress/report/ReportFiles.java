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
 * {@code accuracy-vs-latency.{png,svg}} (only when some trial has a measured latency) and
 * {@code report.html}, which shows the PNGs inline. A run without a successful trial gets the page alone. The caller writes them into
 * {@code <out>/reports/run_id=<R>/} ({@link #folder}).
 */
public final class ReportFiles {

  public static final String REPORTS = "reports";
  public static final String HTML = "report.html";
  public static final String SIZE = "accuracy-vs-size";
  public static final String LATENCY = "accuracy-vs-latency";

  private ReportFiles() {}

  /** The report folder of a run under an output root (a Hadoop path string). */
  public static String folder(String out, String runId) {
    return (out.endsWith("/") ? out : out + "/") + REPORTS + "/run_id=" + runId;
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
    if (r.latencyMeasured()) {
      XYChart latency = ReportPlots.accuracyVsLatency(r);
      byte[] latencyPng = ReportPlots.png(latency);
      files.put(LATENCY + ".png", latencyPng);
      files.put(LATENCY + ".svg", ReportPlots.svg(latency));
      figures.add(new ReportHtml.Figure("Accuracy vs measured batch-1 latency (p50 of timed runs of the compressed "
          + "form in the pure-Java runtime, one model per executor at a time); trials without a measurement are "
          + "left out.", "accuracy vs measured latency of run " + r.run().runId(), latencyPng));
    }
    files.put(HTML, ReportHtml.render(r, figures).getBytes(StandardCharsets.UTF_8));
    return Collections.unmodifiableMap(files);
  }
}
