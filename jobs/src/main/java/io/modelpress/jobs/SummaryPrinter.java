package io.modelpress.jobs;

import io.modelpress.sweep.DistillSummary;
import io.modelpress.report.TrialText;
import io.modelpress.runtime.Latency;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.RunOutcome;
import io.modelpress.sweep.TrialResult;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The summary a sweep prints when it finishes: the run, its frontier, failures and distillation, from its outcome. */
final class SummaryPrinter {

  private SummaryPrinter() {}

  static void print(PrintStream out, String name, RunOutcome o, boolean latency, String outDir) {
    RunInfo run = o.run();
    List<TrialResult> results = o.results();
    List<TrialResult> frontier = o.frontier();
    double seconds = o.evalSeconds();
    out.printf(Locale.ROOT, "%nmodelpress sweep '%s' finished: run %s%n", name, run.runId());
    out.printf(Locale.ROOT, "  model     %s (sha256 %s…)%n", run.inputs().model(), run.inputs().modelFingerprint().substring(0, 12));
    out.printf(Locale.ROOT, "  base      accuracy %.2f %% on %d %s test images%n", 100 * run.baseAccuracy(),
        results.get(0).measurements().map(m -> m.quality().examples()).orElse(0L), run.inputs().dataset());
    out.printf(Locale.ROOT, "  trials    %d ok, %d failed, evaluated in %.1f s (%.1f trials/s) on %s%n", run.trials().ok(),
        run.trials().failed(), seconds, results.size() / seconds, run.provenance().master());
    out.printf(Locale.ROOT, "  frontier  %d trials, objectives: %s; hypervolume %.4f (relative to the base), knee %s%n%n",
        frontier.size(), run.objectives(), run.hypervolume(), o.knee());
    if (latency) {
      long measured = results.stream().filter(r -> r.measurements().map(m -> m.latency() != null && m.latency().isOk())
          .orElse(false)).count();
      long noisy = results.stream().filter(r -> r.measurements().map(m -> m.latency() != null && m.latency().noisy())
          .orElse(false)).count();
      out.printf(Locale.ROOT, "  latency   measured for %d of %d successful trials by the pure-Java runtime (batch 1 "
          + "and 32), %d flagged noisy%n", measured, run.trials().ok(), noisy);
      long ort = results.stream().filter(r -> ort(r) != null && ort(r).isOk()).count();
      if (results.stream().anyMatch(r -> ort(r) != null)) {
        out.printf(Locale.ROOT, "  latency   measured for %d of %d successful trials by ONNX Runtime on their ONNX form "
            + "(batch 1 and 32)%n", ort, run.trials().ok());
      }
      results.stream().flatMap(r -> r.measurements().stream()).map(Measurements::latency)
          .filter(l -> l != null && !l.isOk()).map(Latency::error).distinct().limit(3)
          .forEach(e -> out.printf(Locale.ROOT, "  latency   not measured: %s%n", e));
      results.stream().map(SummaryPrinter::ort).filter(x -> x != null && !x.isOk()).map(Latency.Ort::error).distinct()
          .limit(3).forEach(e -> out.printf(Locale.ROOT, "  latency   not measured by ONNX Runtime: %s%n", e));
      out.println();
    }
    // the estimated latency of the objectives, when one is (on its device), beside the measured figure
    var est = o.objectives().stream().filter(io.modelpress.pareto.Objective::estimated).findFirst();
    boolean ortShown = frontier.stream().anyMatch(r -> ort(r) != null && ort(r).isOk());
    out.printf(Locale.ROOT, "  %-16s %-30s %-26s %-24s %9s %8s %11s %7s %9s%s%s%n", "trial_id", "method", "prune", "quantize",
        "accuracy", "drop", "encoded_B", "ratio", "b1_p50_ms", est.map(e -> String.format(Locale.ROOT, " %9s", "est_ms"))
        .orElse(""), ortShown ? String.format(Locale.ROOT, " %10s %11s", "ort_b1_ms", "onnx_B") : "");
    for (TrialResult r : frontier) {
      Measurements m = r.measurements().orElseThrow();
      String prune = TrialText.prune(r.trial().spec());
      String quant = TrialText.quant(r.trial().spec());
      double lat = m.metric("latency_b1_p50_ms");
      String estimated = est.map(e -> String.format(Locale.ROOT, " %9.4f",
          io.modelpress.sweep.Frontier.objectiveValues(r, List.of(e))[0])).orElse("");
      Latency.Ort t = ort(r);
      String onnx = !ortShown ? "" : t == null || !t.isOk() ? String.format(Locale.ROOT, " %10s %11s", "-", "-")
          : String.format(Locale.ROOT, " %10.4f %11d", t.batch1().p50Ms(), t.onnxBytes());
      out.printf(Locale.ROOT, "  %-16s %-30s %-26s %-24s %8.2f%% %7.2f%% %11d %6.1fx %9s%s%s%n", r.trial().trialId(),
          truncate(TrialText.method(r.trial().spec()), 30), truncate(prune, 26), truncate(quant, 24), 100 * m.accuracy(), 100 * m.accuracyDrop(),
          m.encodedBytes(), m.size().compressionRatio(), Double.isNaN(lat) ? "-" : String.format(Locale.ROOT, "%.4f", lat),
          estimated, onnx);
    }
    for (TrialResult r : results) {
      if (!r.isOk()) {
        out.printf(Locale.ROOT, "  failed: %s %s: %s%n", r.trial().trialId(), r.errorClass(), r.errorMessage());
      }
    }
    printDistillation(out, DistillSummary.of(results));
    out.printf(Locale.ROOT, "%n  tables    %s/{trials,frontier,device_estimates,runs}/run_id=%s (Parquet)%n", outDir,
        run.runId());
  }

  /** A trial's ONNX Runtime timing, or null when it has none. */
  private static Latency.Ort ort(TrialResult r) {
    return r.measurements().map(Measurements::latency).map(Latency::ort).orElse(null);
  }

  /**
   * Per student of a distillation sweep: test errors of the hard-label baseline vs the (T, α) chosen on the
   * validation split, mean ± std over seeds, and the paired t-test between them.
   */
  private static void printDistillation(PrintStream out, List<DistillSummary.Student> students) {
    if (students.isEmpty()) {
      return;
    }
    out.printf(Locale.ROOT, "%n  distillation: test errors, mean ± std over seeds; T, α chosen on the validation "
        + "split (held-out training examples); paired t-test over seeds, two-sided%n");
    out.printf(Locale.ROOT, "  %-20s %5s %17s %17s %6s %5s %10s %8s %12s %7s%n", "student", "seeds", "hard labels",
        "chosen", "T", "α", "chosen on", "saved", "t (df)", "p");
    for (DistillSummary.Student s : students) {
      var b = s.baseline();
      var c = s.chosen();
      var t = s.paired();
      out.printf(Locale.ROOT, "  %-20s %5s %17s %17s %6s %5s %10s %8s %12s %7s%n", s.label(),
          b != null ? b.replicas() : c != null ? c.replicas() : "-",
          b == null ? "-" : String.format(Locale.ROOT, "%.1f ± %.1f", b.meanErrors(), b.stdErrors()),
          c == null ? "-" : String.format(Locale.ROOT, "%.1f ± %.1f", c.meanErrors(), c.stdErrors()),
          c == null ? "-" : String.format(Locale.ROOT, "%.3g", c.temperature()),
          c == null ? "-" : String.format(Locale.ROOT, "%.2g", c.alpha()),
          c == null ? "-" : s.chosenOn().id(),
          Double.isNaN(s.errorsSaved()) ? "-" : String.format(Locale.ROOT, "%.1f", s.errorsSaved()),
          t == null ? "-" : String.format(Locale.ROOT, "%.2f (%d)", t.t(), t.df()),
          t == null ? "-" : String.format(Locale.ROOT, "%.3f", t.p()));
    }
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
