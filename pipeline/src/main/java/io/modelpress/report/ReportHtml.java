package io.modelpress.report;

import io.modelpress.runtime.Latency;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.TrialResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The report page: one HTML file with no external resources (plots as PNG {@code data:} URIs, styles
 * inline, no scripts). Every value taken from the tables is HTML-escaped. The page carries no time of its
 * own making, so the same rows give the same bytes.
 */
public final class ReportHtml {

  /** A plot to show: its caption and its PNG bytes. */
  public record Figure(String caption, String alt, byte[] png) {}

  private ReportHtml() {}

  /** Escapes text for HTML element content and quoted attribute values. */
  public static String esc(Object value) {
    String s = String.valueOf(value);
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static final String CSS = String.join("\n",
      "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;margin:24px 32px;color:#222;max-width:1400px}",
      "h1{font-size:26px;margin:0 0 6px}h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid #ccc}",
      "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;"
          + "vertical-align:top}",
      "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}",
      "h1 code{font-size:inherit}",
      "table.kv th{width:190px}code,.id{font-family:'DejaVu Sans Mono',monospace;font-size:12px}",
      ".badge{display:inline-block;border-radius:3px;padding:0 5px;margin-left:6px;font-size:11px;color:#fff}",
      ".base{background:#000}.knee{background:#555}.noisy{background:#b35900}",
      ".swatch{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:5px}",
      ".lead{font-size:15px;margin:4px 0}.muted{color:#666}.err{color:#a00}",
      "figure{margin:12px 0}figcaption{font-size:13px;color:#444;max-width:1100px}img{max-width:100%;height:auto}",
      ".gain{color:#060}.loss{color:#a00}");

  /** The page of a run, with its plots in the order given. */
  public static String render(RunReport r, List<Figure> figures) {
    RunInfo run = r.run();
    StringBuilder h = head(run, "Sweep run");
    TrialResult base = r.base();
    h.append("<p class=\"lead\">config <b>").append(esc(run.name())).append("</b>, model ").append(esc(run.inputs().model()))
        .append(" on ").append(esc(run.inputs().dataset())).append(": ").append(run.trials().total()).append(" trials, ")
        .append(run.trials().ok()).append(" ok, ").append(run.trials().failed()).append(" failed; frontier of ")
        .append(r.frontierTrials().size()).append(" trials over ").append(esc(run.objectives())).append(".</p>\n");
    h.append("<p class=\"lead\">base model").append(badge("base", "base")).append(": accuracy ")
        .append(pct(run.baseAccuracy()));
    if (base != null) {
      h.append(" (trial <span class=\"id\">").append(esc(base.trial().trialId())).append("</span>");
      base.measurements().ifPresent(m -> h.append(", ").append(m.encodedBytes()).append(" bytes encoded"));
      h.append(")");
    }
    h.append("; hypervolume ").append(num(run.hypervolume(), 4)).append(" (relative to the base).</p>\n");

    h.append("<h2>Plots</h2>\n<p class=\"muted\">Large outlined markers: the run's frontier (pareto_rank = 0 over ")
        .append(esc(run.objectives())).append("), joined by the staircase of those non-dominated in the plot's two ")
        .append("axes; faded markers: dominated trials; black square: the base model. Colours by method.</p>\n");
    figures(h, figures);
    if (figures.isEmpty()) {
      h.append("<p class=\"muted\">No plots: no trial of this run succeeded.</p>\n");
    } else if (!r.latencyMeasured()) {
      h.append("<p class=\"muted\">No accuracy-vs-latency plot: no trial of this run has a measured latency.</p>\n");
    }

    nightly(h, r);
    frontier(h, r);
    distillation(h, r);
    failed(h, r);
    devices(h, r);
    previous(h, r);
    provenance(h, run);
    h.append("<p class=\"muted\">Written by modelpress ").append(esc(run.provenance().codeVersion()))
        .append(" from the tables trials, frontier, runs and device_estimates of this run.</p>\n</body>\n</html>\n");
    return h.toString();
  }

  private static StringBuilder head(RunInfo run, String heading) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>modelpress report: run ").append(esc(run.runId())).append("</title>\n<style>\n").append(CSS)
        .append("\n</style>\n</head>\n<body>\n");
    h.append("<h1>").append(esc(heading)).append(" <code>").append(esc(run.runId())).append("</code></h1>\n");
    return h;
  }

  private static void figures(StringBuilder h, List<Figure> figures) {
    for (Figure f : figures) {
      h.append("<figure><img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(f.png()))
          .append("\" alt=\"").append(esc(f.alt())).append("\" width=\"").append(ReportPlots.WIDTH)
          .append("\" height=\"").append(ReportPlots.HEIGHT).append("\"><figcaption>").append(esc(f.caption()))
          .append("</figcaption></figure>\n");
    }
  }

  /**
   * The page of a sensitivity run: its curves, the most sensitive layer of each method at that method's
   * most aggressive level, the layer pairs' predicted (sum of the single drops) vs measured drop, and the
   * provenance.
   */
  public static String render(SensitivityReport r, List<Figure> figures) {
    RunInfo run = r.run();
    StringBuilder h = head(run, "Sensitivity run");
    h.append("<p class=\"lead\">config <b>").append(esc(run.name())).append("</b>, model ").append(esc(run.inputs().model()))
        .append(" on ").append(esc(run.inputs().dataset())).append(": ").append(run.trials().total()).append(" trials, ")
        .append(run.trials().ok()).append(" ok, ").append(run.trials().failed()).append(" failed; base accuracy ")
        .append(pct(run.baseAccuracy())).append(" (on the full test set).</p>\n");
    h.append("<h2>Sensitivity curves</h2>\n<p class=\"muted\">One layer changed at a time, the others as in the ")
        .append("base model. Drops in percentage points (pp) of top-1 accuracy against the base model on the same ")
        .append("test set; error bars: 95 % bootstrap confidence interval from the seeds' resamples.</p>\n");
    figures(h, figures);
    if (figures.isEmpty()) {
      h.append("<p class=\"muted\">No plots: this run has no single-layer rows.</p>\n");
    }

    h.append("<h2>Most sensitive layer per method</h2>\n<p class=\"muted\">At each method's most aggressive ")
        .append("level (highest sparsity, or fewest bits).</p>\n");
    h.append("<table class=\"sensitive\">\n<tr><th>method</th><th>level</th><th>layer</th><th>drop</th>")
        .append("<th>95 % CI</th><th>seeds</th><th>every layer, most to least sensitive</th></tr>\n");
    for (String method : r.methods()) {
      double level = r.harshestLevel(method);
      List<io.modelpress.sweep.Sensitivity.Summary> at = r.singles(method).stream()
          .filter(s -> s.cell().level() == level)
          .sorted(Comparator.comparingDouble(io.modelpress.sweep.Sensitivity.Summary::meanDrop).reversed()
              .thenComparing(s -> s.cell().layer())).toList();
      var most = at.get(0);
      h.append("<tr><td>").append(esc(method)).append("</td>").append(numCell(level(r, method, level)))
          .append("<td>").append(esc(most.cell().layer())).append("</td>").append(numCell(pp(most.meanDrop())))
          .append(numCell("[" + pp(most.ciLow()) + ", " + pp(most.ciHigh()) + "]"))
          .append(numCell(Integer.toString(most.seeds()))).append("<td>")
          .append(esc(at.stream().map(s -> s.cell().layer() + " " + pp(s.meanDrop())).collect(Collectors.joining(", "))))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");

    List<io.modelpress.sweep.Sensitivity.Summary> pairs = r.pairs();
    h.append("<h2>Layer pairs: predicted vs measured drop (").append(pairs.size()).append(")</h2>\n");
    if (pairs.isEmpty()) {
      h.append("<p>This run changed no layer pairs together.</p>\n");
    } else {
      double meanAbs = pairs.stream().mapToDouble(s -> Math.abs(s.additivityError())).average().orElse(Double.NaN);
      h.append("<p class=\"muted\">Predicted: the sum of the two layers' single drops; additivity error: measured ")
          .append("minus predicted (mean |error| ").append(esc(pp(meanAbs))).append(").</p>\n");
      h.append("<table class=\"pairs\">\n<tr><th>layers</th><th>method</th><th>level</th><th>predicted drop</th>")
          .append("<th>measured drop</th><th>95 % CI</th><th>additivity error</th></tr>\n");
      for (var p : pairs) {
        h.append("<tr><td>").append(esc(p.cell().layer())).append("</td><td>").append(esc(p.cell().method()))
            .append("</td>").append(numCell(level(r, p.cell().method(), p.cell().level())))
            .append(numCell(pp(p.predictedDrop()))).append(numCell(pp(p.meanDrop())))
            .append(numCell("[" + pp(p.ciLow()) + ", " + pp(p.ciHigh()) + "]"))
            .append(numCell(pp(p.additivityError()))).append("</tr>\n");
      }
      h.append("</table>\n");
    }
    provenance(h, run);
    h.append("<p class=\"muted\">Written by modelpress ").append(esc(run.provenance().codeVersion()))
        .append(" from the tables sensitivity_summary and runs of this run.</p>\n</body>\n</html>\n");
    return h.toString();
  }

  /** A level as the plots show it: a sparsity in %, or bits. */
  private static String level(SensitivityReport r, String method, double level) {
    boolean bits = r.singles(method).isEmpty() ? level >= 1 : r.levelIsBits(method);
    return bits ? String.format(Locale.ROOT, "%d bits", (long) level)
        : String.format(Locale.ROOT, "%s %% sparsity", num(100 * level, 1));
  }

  private static void frontier(StringBuilder h, RunReport r) {
    List<TrialResult> front = new ArrayList<>(r.frontierTrials());
    front.sort(Comparator.comparingLong((TrialResult t) -> t.measurements().orElseThrow().encodedBytes())
        .thenComparing(t -> t.trial().trialId()));
    h.append("<h2>Frontier (").append(front.size()).append(" trials, by encoded size)</h2>\n");
    if (front.isEmpty()) {
      h.append("<p>No trial is on the frontier.</p>\n");
      return;
    }
    h.append("<table class=\"frontier\">\n<tr><th>trial_id</th><th>method</th><th>prune</th><th>quantize</th>")
        .append("<th>accuracy</th><th>drop</th><th>encoded bytes</th><th>ratio</th><th>latency p50 (ms)</th>")
        .append("<th>latency p95 (ms)</th><th>noisy</th></tr>\n");
    for (TrialResult t : front) {
      Measurements m = t.measurements().orElseThrow();
      Latency l = m.latency();
      boolean steps = !t.trial().spec().steps().isEmpty();
      h.append("<tr><td><span class=\"id\">").append(esc(t.trial().trialId())).append("</span>");
      if (!steps) {
        h.append(badge("base", "base"));
      }
      if (t.trial().trialId().equals(r.knee())) {
        h.append(badge("knee", "knee"));
      }
      h.append("</td><td>").append(swatch(r, t)).append(esc(TrialText.method(t.trial().spec()))).append("</td><td>")
          .append(esc(TrialText.prune(t.trial().spec()))).append("</td><td>")
          .append(esc(TrialText.quant(t.trial().spec()))).append("</td>")
          .append(numCell(pct(m.accuracy()))).append(numCell(pp(m.accuracyDrop())))
          .append(numCell(Long.toString(m.encodedBytes())))
          .append(numCell(num(m.size().compressionRatio(), 1) + "x"))
          .append(numCell(num(m.metric("latency_b1_p50_ms"), 4))).append(numCell(num(m.metric("latency_b1_p95_ms"), 4)))
          .append("<td>").append(l == null ? "-" : !l.isOk() ? "<span class=\"err\">" + esc(l.error()) + "</span>"
              : l.noisy() ? "yes" + badge("noisy", "noisy") : "no").append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  /** A nightly run's diff against the previous night, as its text report; nothing for other runs. */
  private static void nightly(StringBuilder h, RunReport r) {
    if (r.nightly() == null) {
      return;
    }
    h.append("<h2>Nightly: changes since the previous night").append(r.nightly().regression()
        ? " <span class=\"err\">(regression)</span>" : "").append("</h2>\n<pre>").append(esc(r.nightly().text()))
        .append("</pre>\n");
  }

  /** A distillation sweep's students: hard-label baselines against the best (T, α); nothing for other runs. */
  private static void distillation(StringBuilder h, RunReport r) {
    List<io.modelpress.sweep.DistillSummary.Student> students = io.modelpress.sweep.DistillSummary.of(r.trials());
    if (students.isEmpty()) {
      return;
    }
    h.append("<h2>Distillation: hard labels vs the chosen distilled student</h2>\n<p class=\"muted\">Test errors of ")
        .append("students that only distil (no prune or quantize step), mean ± sample standard deviation over the ")
        .append("replicas (seeds); the baseline is the same student, epochs and seeds trained on hard labels alone ")
        .append("(α = 1). The (T, α) shown is chosen per student on the validation split (the highest mean accuracy ")
        .append("on the training examples held out of training), never on the test set; a run without a validation ")
        .append("split falls back to the fewest test errors and the table says \"test\". The test compares the chosen ")
        .append("cell with the baseline seed by seed: a paired t-test, two-sided, df = seeds − 1.</p>\n");
    h.append("<table class=\"frontier\">\n<tr><th>student</th><th>replicas</th><th>hard-label errors</th>")
        .append("<th>T</th><th>α</th><th>chosen on</th><th>validation accuracy</th><th>distilled errors</th>")
        .append("<th>errors saved</th><th>paired t (df)</th><th>p</th><th>cells</th></tr>\n");
    for (io.modelpress.sweep.DistillSummary.Student s : students) {
      var b = s.baseline();
      var c = s.chosen();
      var t = s.paired();
      h.append("<tr><td>").append(esc(s.label())).append("</td>")
          .append(numCell(b != null ? Integer.toString(b.replicas()) : c != null ? Integer.toString(c.replicas()) : "-"))
          .append(numCell(b == null ? "-" : num(b.meanErrors(), 1) + " ± " + num(b.stdErrors(), 1)))
          .append(numCell(c == null ? "-" : num(c.temperature(), 1)))
          .append(numCell(c == null ? "-" : num(c.alpha(), 2)))
          .append("<td>").append(c == null ? "-" : s.chosenOn().id()).append("</td>")
          .append(numCell(c == null || Double.isNaN(c.meanValidationAccuracy()) ? "-"
              : num(100 * c.meanValidationAccuracy(), 2) + " %"))
          .append(numCell(c == null ? "-" : num(c.meanErrors(), 1) + " ± " + num(c.stdErrors(), 1)))
          .append(numCell(num(s.errorsSaved(), 1)))
          .append(numCell(t == null ? "-" : num(t.t(), 2) + " (" + t.df() + ")"))
          .append(numCell(t == null ? "-" : num(t.p(), 3)))
          .append(numCell(Integer.toString(s.distilled().size()))).append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void failed(StringBuilder h, RunReport r) {
    List<TrialResult> failed = r.failedTrials();
    h.append("<h2>Failed trials (").append(failed.size()).append(")</h2>\n");
    if (failed.isEmpty()) {
      h.append("<p>None.</p>\n");
      return;
    }
    h.append("<table class=\"failed\">\n<tr><th>trial_id</th><th>method</th><th>prune</th><th>quantize</th>")
        .append("<th>error_class</th><th>error_message</th></tr>\n");
    for (TrialResult t : failed) {
      h.append("<tr><td><span class=\"id\">").append(esc(t.trial().trialId())).append("</span></td><td>")
          .append(esc(TrialText.method(t.trial().spec()))).append("</td><td>").append(esc(TrialText.prune(t.trial().spec())))
          .append("</td><td>").append(esc(TrialText.quant(t.trial().spec()))).append("</td><td>")
          .append(esc(t.errorClass())).append("</td><td class=\"err\">").append(esc(t.errorMessage()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static void devices(StringBuilder h, RunReport r) {
    h.append("<h2>Devices (roofline ESTIMATES, not measurements)</h2>\n");
    if (r.devices().isEmpty()) {
      h.append("<p>This run has no device_estimates rows.</p>\n");
      return;
    }
    Map<String, List<RunReport.DeviceRow>> byDevice = new LinkedHashMap<>();
    for (RunReport.DeviceRow d : r.devices()) {
      byDevice.computeIfAbsent(d.device(), k -> new ArrayList<>()).add(d);
    }
    h.append("<table class=\"devices\">\n<tr><th>device</th><th>trials that fit</th><th>device frontier trials</th>")
        .append("<th>best accuracy that fits</th><th>its trial</th><th>its est. latency (ms)</th>")
        .append("<th>its encoded bytes</th></tr>\n");
    for (var e : byDevice.entrySet()) {
      List<RunReport.DeviceRow> rows = e.getValue();
      long fits = rows.stream().filter(RunReport.DeviceRow::fits).count();
      long front = rows.stream().filter(RunReport.DeviceRow::onDeviceFrontier).count();
      Optional<RunReport.DeviceRow> best = rows.stream().filter(RunReport.DeviceRow::fits)
          .max(Comparator.comparingDouble(RunReport.DeviceRow::accuracy)
              .thenComparing(Comparator.comparingLong(RunReport.DeviceRow::encodedBytes).reversed()));
      h.append("<tr><td>").append(esc(e.getKey())).append("</td>").append(numCell(fits + " of " + rows.size()))
          .append(numCell(Long.toString(front)));
      if (best.isPresent()) {
        RunReport.DeviceRow b = best.get();
        h.append(numCell(pct(b.accuracy()))).append("<td><span class=\"id\">").append(esc(b.trialId()))
            .append("</span></td>").append(numCell(num(b.estLatencyMs(), 4)))
            .append(numCell(Long.toString(b.encodedBytes())));
      } else {
        h.append("<td colspan=\"4\">no trial fits this device's weight memory</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void previous(StringBuilder h, RunReport r) {
    h.append("<h2>Compared with the previous run</h2>\n");
    RunReport.Previous p = r.previous();
    if (p == null) {
      h.append("<p>No earlier run of config <b>").append(esc(r.run().name()))
          .append("</b> under this output root.</p>\n");
      return;
    }
    RunInfo a = p.run();
    RunInfo b = r.run();
    h.append("<p>Previous run of config <b>").append(esc(b.name())).append("</b>: <code>").append(esc(a.runId()))
        .append("</code>, started ").append(esc(time(a.startedAt()))).append(".</p>\n");
    h.append("<table class=\"diff\">\n<tr><th></th><th>").append(esc(a.runId())).append("</th><th>")
        .append(esc(b.runId())).append("</th></tr>\n")
        .append("<tr><th>hypervolume</th>").append(numCell(num(a.hypervolume(), 4)))
        .append(numCell(num(b.hypervolume(), 4))).append("</tr>\n")
        .append("<tr><th>base accuracy</th>").append(numCell(pct(a.baseAccuracy())))
        .append(numCell(pct(b.baseAccuracy()))).append("</tr>\n")
        .append("<tr><th>model sha256</th><td class=\"id\">").append(esc(a.inputs().modelFingerprint()))
        .append("</td><td class=\"id\">").append(esc(b.inputs().modelFingerprint())).append("</td></tr>\n")
        .append("<tr><th>trials ok / failed</th>").append(numCell(a.trials().ok() + " / " + a.trials().failed()))
        .append(numCell(b.trials().ok() + " / " + b.trials().failed())).append("</tr>\n")
        .append("<tr><th>frontier trials</th>").append(numCell(Integer.toString(p.frontier().size())))
        .append(numCell(Integer.toString(r.frontier().size()))).append("</tr>\n</table>\n");
    Set<String> gained = new TreeSet<>(r.frontier());
    gained.removeAll(p.frontier());
    Set<String> lost = new TreeSet<>(p.frontier());
    lost.removeAll(r.frontier());
    h.append("<p class=\"gain\">Gained on the frontier (").append(gained.size()).append("): ").append(ids(r, gained))
        .append("</p>\n<p class=\"loss\">Lost from the frontier (").append(lost.size()).append("): ")
        .append(ids(r, lost)).append("</p>\n");
  }

  /** Trial ids with their method when this run has the trial. */
  private static String ids(RunReport r, Set<String> ids) {
    if (ids.isEmpty()) {
      return "none";
    }
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      String method = r.trials().stream().filter(t -> t.trial().trialId().equals(id)).findFirst()
          .map(t -> " (" + esc(t.trial().spec().method()) + ")").orElse(" (not in this run)");
      out.add("<span class=\"id\">" + esc(id) + "</span>" + method);
    }
    return String.join(", ", out);
  }

  private static void provenance(StringBuilder h, RunInfo run) {
    h.append("<h2>Provenance</h2>\n<table class=\"kv\">\n");
    kv(h, "run_id", run.runId());
    kv(h, "name", run.name());
    kv(h, "model", run.inputs().model());
    kv(h, "model_fingerprint (sha256)", run.inputs().modelFingerprint());
    kv(h, "dataset", run.inputs().dataset());
    kv(h, "dataset_fingerprint (sha256)", run.inputs().datasetFingerprint());
    kv(h, "master", run.provenance().master());
    kv(h, "objectives", run.objectives());
    kv(h, "hypervolume", num(run.hypervolume(), 4));
    kv(h, "base_accuracy", pct(run.baseAccuracy()));
    kv(h, "trials", run.trials().total() + " total, " + run.trials().ok() + " ok, " + run.trials().failed() + " failed");
    kv(h, "started_at", time(run.startedAt()));
    kv(h, "finished_at", time(run.finishedAt()));
    kv(h, "wall_seconds", num(run.wallSeconds(), 1));
    kv(h, "code_version", run.provenance().codeVersion());
    kv(h, "spark_version", run.provenance().sparkVersion());
    kv(h, "dl4j_version", run.provenance().dl4jVersion());
    kv(h, "java_version", run.provenance().javaVersion());
    kv(h, "os_arch", run.provenance().osArch());
    h.append("</table>\n");
  }

  private static void kv(StringBuilder h, String key, String value) {
    h.append("<tr><th>").append(esc(key)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
  }

  private static String badge(String cls, String text) {
    return "<span class=\"badge " + cls + "\">" + text + "</span>";
  }

  private static String swatch(RunReport r, TrialResult t) {
    java.awt.Color c = t.trial().spec().steps().isEmpty() ? java.awt.Color.BLACK
        : ReportPlots.color(r, t.trial().spec().method());
    return String.format(Locale.ROOT, "<span class=\"swatch\" style=\"background:#%06x\"></span>", c.getRGB() & 0xffffff);
  }

  private static String numCell(String text) {
    return "<td class=\"n\">" + esc(text) + "</td>";
  }

  private static String time(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String pct(double fraction) {
    return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
  }

  private static String pp(double fraction) {
    return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f pp", 100 * fraction);
  }

  private static String num(double v, int digits) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }
}
