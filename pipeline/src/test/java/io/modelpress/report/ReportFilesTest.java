package io.modelpress.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.plan.PlannedTrial;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.runtime.Latency;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.RunInfo;
import io.modelpress.sweep.Sensitivity;
import io.modelpress.sweep.TrialResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/** The report's files from synthetic rows: images that decode, SVG that parses, a page that escapes the tables. */
class ReportFilesTest {

  static final String HOSTILE = "<script>alert('x')</script> & \"quotes\"";

  static RunInfo run(String id, String name, Instant started, double hypervolume, double base) {
    return new RunInfo(id, name, started, started.plusSeconds(30), new RunInfo.Trials(5, 4, 1), base,
        "accuracy maximize, encoded_bytes minimize, latency_b1_p50_ms minimize", hypervolume,
        new RunInfo.Inputs("{}", "zoo:" + HOSTILE, "ab".repeat(32), "mnist", "cd".repeat(32)),
        new RunInfo.Provenance("local[2]", "0.1.0-SNAPSHOT (test)", "3.5.9", "1.0.0-M2", "17", "amd64"));
  }

  static TrialResult ok(String id, int index, List<CompressionStep> steps, double accuracy, long bytes, double ms,
      boolean noisy) {
    PlannedTrial t = new PlannedTrial(id, index, "b", index, new TrialSpec(steps));
    Latency l = Double.isNaN(ms) ? null : new Latency("dense-fp32", new Latency.Stats(ms, 1.2 * ms, 0.1 * ms, 40),
        new Latency.Stats(20 * ms, 24 * ms, 2 * ms, 40), 2, noisy, "h/1", null);
    Measurements m = new Measurements(new Measurements.Quality(accuracy, 0.98 - accuracy, 0, 0, 0, 1000), new Measurements.Size(50_000, 50_000, 0, Double.NaN, 200_000, bytes, 200_000.0 / bytes, 50_000, 50_000), 1, new Measurements.Timings(0, 0, 0, Double.NaN), List.of(), l);
    return TrialResult.ok(t, m, "h/1");
  }

  static final PruneSpec PRUNE = new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9, LayerSelector.ALL);
  static final QuantSpec Q4 = new QuantSpec(4, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_CHANNEL,
      LayerSelector.ALL);

  static RunReport report(boolean latency, RunReport.Previous previous) {
    double nan = Double.NaN;
    List<TrialResult> trials = List.of(
        ok("000000000000base", 0, List.of(), 0.98, 190_000, latency ? 0.050 : nan, false),
        ok("00000000000prune", 1, List.of(PRUNE), 0.97, 40_000, latency ? 0.020 : nan, true),
        ok("0000000000000q4a", 2, List.of(Q4), 0.975, 25_000, latency ? 0.060 : nan, false),
        ok("00000000dominatd", 3, List.of(PRUNE, Q4), 0.90, 30_000, latency ? 0.070 : nan, false),
        TrialResult.failed(new PlannedTrial("000000000failing", 4, "b", 4, new TrialSpec(List.of(Q4))),
            new IllegalStateException(HOSTILE), "h/1"));
    return new RunReport(run("r2", "cfg", Instant.parse("2026-11-28T10:00:00Z"), 0.1, 0.98), trials,
        Set.of("000000000000base", "00000000000prune", "0000000000000q4a"), "0000000000000q4a",
        List.of(new RunReport.DeviceRow("mcu-" + HOSTILE, "00000000000prune", 1.5, true, true, 0.97, 40_000),
            new RunReport.DeviceRow("mcu-" + HOSTILE, "000000000000base", 7.5, false, false, 0.98, 190_000)),
        previous);
  }

  @Test
  void aDistillationRunGetsOnePlotPerStudentAndTheBaselineTable() throws Exception {
    List<TrialResult> trials = new java.util.ArrayList<>();
    trials.add(ok("000000000000base", 0, List.of(), 0.985, 190_000, Double.NaN, false));
    int i = 1;
    for (String student : List.of("mlp-32", "mlp-300-100")) {
      for (int seed = 0; seed < 2; seed++) {
        for (double[] ta : new double[][] {{1, 1}, {2, 0.5}, {8, 0.5}, {8, 0.9}}) {
          var d = new io.modelpress.spec.DistillSpec(student, ta[0], ta[1], 2, 1e-3, 128, seed,
              io.modelpress.spec.DistillSpec.Parallelism.TASK);
          trials.add(ok(String.format("%016d", i), i++, List.of(d), 0.95 + 0.001 * i + (ta[1] == 1 ? 0 : 0.004), 20_000,
              Double.NaN, false));
        }
      }
    }
    RunReport r = new RunReport(run("kd", "cfg", Instant.parse("2026-12-02T10:00:00Z"), 0.5, 0.985), trials,
        Set.of("000000000000base"), null, List.of(), null);
    Map<String, byte[]> files = ReportFiles.render(r);
    assertThat(files.keySet()).contains("distill-mlp-32.png", "distill-mlp-32.svg", "distill-mlp-300-100.png",
        "distill-mlp-300-100.svg");
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(files.get("distill-mlp-32.png")));
    assertThat(png.getWidth()).isEqualTo(ReportPlots.WIDTH);
    xml().parse(new ByteArrayInputStream(files.get("distill-mlp-300-100.svg")));
    String html = new String(files.get(ReportFiles.HTML), StandardCharsets.UTF_8);
    assertThat(html).contains("Distillation: hard labels vs the chosen distilled student", "<td>mlp-32</td>",
        "<td>mlp-300-100</td>");

    // the plot of one student: a line per α over the temperatures it was distilled at, above the hard-label line
    var s32 = io.modelpress.sweep.DistillSummary.of(trials).stream().filter(x -> x.label().equals("mlp-32"))
        .findFirst().orElseThrow();
    var series = ReportPlots.distillation(r, s32).getSeriesMap();
    String a05 = "distilled, α = 0.5 (weight of the hard labels)";
    String a09 = "distilled, α = 0.9 (weight of the hard labels)";
    String hard = "hard labels only (same student, epochs, seeds)";
    assertThat(series).containsKeys(a05, a09, hard, "teacher (the run's model)");
    assertThat(series.get(a05).getXData()).containsExactly(2.0, 8.0);
    assertThat(series.get(a09).getXData()).containsExactly(8.0);
    double hardLine = series.get(hard).getYData()[0];
    assertThat(series.get("teacher (the run's model)").getYData()[0]).isCloseTo(98.5, within(1e-9));
    for (String a : List.of(a05, a09)) {
      for (double y : series.get(a).getYData()) {
        assertThat(y).as(a).isGreaterThan(hardLine).isLessThan(100);
      }
    }
  }

  @Test
  void filesAreImagesThatDecodeSvgThatParsesAndAPageWithEveryFrontierTrial() throws Exception {
    RunReport r = report(true, new RunReport.Previous(run("r1", "cfg", Instant.parse("2026-11-27T10:00:00Z"), 0.08,
        0.979), Set.of("000000000000base", "0000000000gone00")));
    Map<String, byte[]> files = ReportFiles.render(r);
    assertThat(files.keySet()).containsExactly("accuracy-vs-size.png", "accuracy-vs-size.svg",
        "accuracy-vs-latency.png", "accuracy-vs-latency.svg", "report.html");
    for (String plot : List.of("accuracy-vs-size", "accuracy-vs-latency")) {
      BufferedImage png = ImageIO.read(new ByteArrayInputStream(files.get(plot + ".png")));
      assertThat(png.getWidth()).isEqualTo(ReportPlots.WIDTH);
      assertThat(png.getHeight()).isEqualTo(ReportPlots.HEIGHT);
      var svg = xml()
          .parse(new ByteArrayInputStream(files.get(plot + ".svg"))).getDocumentElement();
      assertThat(svg.getTagName()).isEqualTo("svg");
    }
    String html = new String(files.get("report.html"), StandardCharsets.UTF_8);
    assertThat(html).contains("000000000000base", "00000000000prune", "0000000000000q4a",
        "<span class=\"badge base\">base</span>", "<span class=\"badge knee\">knee</span>",
        "<span class=\"badge noisy\">noisy</span>", "data:image/png;base64,");
    // the failed trial's error, the model and the device name come from the tables: escaped, never markup
    assertThat(html).doesNotContain("<script", HOSTILE)
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;");
    // no external resources
    assertThat(html).doesNotContain("http://", "https://", "<link", "url(");
    // the diff: gained the q4 and prune trials, lost one that is not in this run
    assertThat(html).contains("Gained on the frontier (2)", "Lost from the frontier (1)", "0000000000gone00",
        "0.0800", "0.1000", "97.90 %");
    // per device: one fits, best accuracy that fits is the pruned trial's
    assertThat(html).contains("1 of 2", "97.00 %");
    // the same rows give the same bytes
    Map<String, byte[]> again = ReportFiles.render(r);
    for (var e : files.entrySet()) {
      assertThat(again.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void withoutMeasuredLatencyThereIsNoLatencyPlotAndWithoutSuccessesNoPlotAtAll() {
    Map<String, byte[]> files = ReportFiles.render(report(false, null));
    assertThat(files.keySet()).containsExactly("accuracy-vs-size.png", "accuracy-vs-size.svg", "report.html");
    assertThat(new String(files.get("report.html"), StandardCharsets.UTF_8))
        .contains("no trial of this run has a measured latency", "No earlier run of config <b>cfg</b>");

    RunReport failedOnly = new RunReport(run("r3", "cfg", Instant.parse("2026-11-28T11:00:00Z"), Double.NaN,
        Double.NaN), List.of(TrialResult.failed(new PlannedTrial("000000000failing", 0, "b", 0,
            new TrialSpec(List.of())), new IllegalStateException("boom"), "h/1")), Set.of(), null, List.of(), null);
    Map<String, byte[]> only = ReportFiles.render(failedOnly);
    assertThat(only.keySet()).containsExactly("report.html");
    assertThat(new String(only.get("report.html"), StandardCharsets.UTF_8)).contains("No plots", "boom");
  }

  static Sensitivity.Summary summary(String kind, String layer, String method, double level, double drop,
      double half, double predicted) {
    return new Sensitivity.Summary(new Sensitivity.Cell(kind, layer, method, level), 3, 0.97 - drop, 0.1, drop,
        drop - half, drop + half, 10_000, predicted, Double.isNaN(predicted) ? Double.NaN : drop - predicted);
  }

  @Test
  void aSensitivityRunGetsOneCurvePlotPerMethodAndAPageWithTheMostSensitiveLayerAndThePairs() throws Exception {
    double nan = Double.NaN;
    List<Sensitivity.Summary> rows = List.of(
        summary("single", "fc2", "magnitude", 0.5, 0.001, 0.002, nan),
        summary("single", "fc2", "magnitude", 0.9, 0.02, 0.005, nan),
        summary("single", "fc1", "magnitude", 0.9, 0.15, 0.02, nan),
        summary("single", "fc1", "magnitude", 0.5, 0.01, 0.003, nan),
        summary("single", HOSTILE, "magnitude", 0.5, 0.0, 0.001, nan),
        summary("single", HOSTILE, "magnitude", 0.9, 0.004, 0.001, nan),
        summary("single", "fc1", "uniform", 2, 0.30, 0.04, nan),
        summary("single", "fc1", "uniform", 4, 0.002, 0.001, nan),
        summary("single", "fc2", "uniform", 2, 0.05, 0.01, nan),
        summary("single", "fc2", "uniform", 4, 0.0, 0.001, nan),
        summary("pair", "fc1+fc2", "magnitude", 0.9, 0.21, 0.02, 0.17));
    SensitivityReport r = new SensitivityReport(run("s1", "sens", Instant.parse("2026-11-28T10:00:00Z"), nan, 0.97),
        rows);
    assertThat(r.levelIsBits("uniform")).isTrue();
    assertThat(r.levelIsBits("magnitude")).isFalse();
    assertThat(r.harshestLevel("uniform")).isEqualTo(2);
    assertThat(r.harshestLevel("magnitude")).isEqualTo(0.9);
    Map<String, byte[]> files = ReportFiles.render(r);
    assertThat(files.keySet()).containsExactly("sensitivity-magnitude.png", "sensitivity-magnitude.svg",
        "sensitivity-uniform.png", "sensitivity-uniform.svg", "report.html");
    for (String plot : List.of("sensitivity-magnitude", "sensitivity-uniform")) {
      BufferedImage png = ImageIO.read(new ByteArrayInputStream(files.get(plot + ".png")));
      assertThat(png.getWidth()).isEqualTo(ReportPlots.WIDTH);
      assertThat(xml().parse(new ByteArrayInputStream(files.get(plot + ".svg"))).getDocumentElement().getTagName())
          .isEqualTo("svg");
    }
    String html = new String(files.get("report.html"), StandardCharsets.UTF_8);
    // the most sensitive layer at the harshest level: fc1 for both; every layer ranked after it
    assertThat(html).contains("<tr><td>magnitude</td><td class=\"n\">90.0 % sparsity</td><td>fc1</td>"
        + "<td class=\"n\">15.00 pp</td><td class=\"n\">[13.00 pp, 17.00 pp]</td><td class=\"n\">3</td>"
        + "<td>fc1 15.00 pp, fc2 2.00 pp, &lt;script&gt;");
    assertThat(html).contains("<tr><td>uniform</td><td class=\"n\">2 bits</td><td>fc1</td>");
    assertThat(html).contains("<tr><td>fc1+fc2</td><td>magnitude</td><td class=\"n\">90.0 % sparsity</td>"
        + "<td class=\"n\">17.00 pp</td><td class=\"n\">21.00 pp</td>");
    assertThat(html).contains("<td class=\"n\">4.00 pp</td></tr>", "data:image/png;base64,", "<h2>Provenance</h2>");
    assertThat(html).doesNotContain("<script", HOSTILE, "http://", "https://", "<link");
    // the same rows in another order give the same bytes
    List<Sensitivity.Summary> reversed = new java.util.ArrayList<>(rows);
    java.util.Collections.reverse(reversed);
    Map<String, byte[]> again = ReportFiles.render(new SensitivityReport(r.run(), reversed));
    for (var e : files.entrySet()) {
      assertThat(again.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  /** An XML parser that never fetches the SVG DTD (no network here, and none needed to check well-formedness). */
  static javax.xml.parsers.DocumentBuilder xml() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f.newDocumentBuilder();
  }
}
