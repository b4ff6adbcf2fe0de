package io.modelpress.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.report.ReportPlots;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.TrainSpec;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of real sweeps on MNIST: two runs of one config name under one output root (the second is
 * compared with the first), the files the sweep writes, {@code modelpress report} rewriting them byte for
 * byte, and the page as headless Chromium renders it (when Chromium is installed).
 */
class ReportTest {

  @TempDir
  static Path dir;

  static Path out;

  static String config(Path model, String sparsities) {
    return """
        version: 1
        name: report-test
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 1000}
        search:
          - name: single
            prune: {scope: single-layer, sparsities: %s}
          - name: quant
            quantize: {bits: [4, 8], granularity: [per-tensor, per-channel]}
          - name: global
            prune: {scope: global, sparsities: 0.9}
        latency: {warmup: 5, runs: 20, min-runs: 10, budget-ms: 20}
        """.formatted(model, sparsities);
  }

  @BeforeAll
  static void twoSweeps() throws Exception {
    Path mnist = Path.of(Datasets.cacheDir(), "data", "mnist");
    if (!Files.exists(mnist.resolve("train-images-idx3-ubyte"))) {
      throw new IllegalStateException("MNIST is not in " + mnist + "; run bin/fetch-data mnist first");
    }
    LabeledImages train = Datasets.train(new DatasetSpec("mnist", "", 4000, 0), new Configuration());
    Path model = dir.resolve("mlp.zip");
    Files.write(model, Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(1, 64, 1e-3, 1), train, (e, s) -> { }).save());
    out = dir.resolve("out");
    Files.writeString(dir.resolve("a.yaml"), config(model, "[0.5]"));
    Files.writeString(dir.resolve("b.yaml"), config(model, "[0.5, 0.9]"));
    CliTestBase.Run a = CliTestBase.cli("sweep", "--config", dir.resolve("a.yaml").toString(), "--out", out.toString(),
        "--run-id", "first", "--master", "local[2]");
    assertThat(a.code()).as(a.err()).isEqualTo(0);
    CliTestBase.Run b = CliTestBase.cli("sweep", "--config", dir.resolve("b.yaml").toString(), "--out", out.toString(),
        "--run-id", "second", "--master", "local[2]");
    assertThat(b.code()).as(b.err()).isEqualTo(0);
    assertThat(b.out()).contains("  report    " + out + "/reports/run_id=second/report.html "
        + "(plots: accuracy-vs-size.png, accuracy-vs-latency.png)");
  }

  static Path report(String runId) {
    return out.resolve("reports/run_id=" + runId);
  }

  static String html(String runId) throws Exception {
    return Files.readString(report(runId).resolve("report.html"), StandardCharsets.UTF_8);
  }

  @Test
  void theSweepWritesPlotsThatDecodeAndAPageWithTheFrontierTheFailuresAndTheDiff() throws Exception {
    Path folder = report("second");
    for (String plot : List.of("accuracy-vs-size", "accuracy-vs-latency")) {
      BufferedImage png = ImageIO.read(folder.resolve(plot + ".png").toFile());
      assertThat(png).as(plot).isNotNull();
      assertThat(png.getWidth()).isEqualTo(ReportPlots.WIDTH);
      assertThat(png.getHeight()).isEqualTo(ReportPlots.HEIGHT);
      var root = xml().parse(folder.resolve(plot + ".svg").toFile())
          .getDocumentElement();
      assertThat(root.getTagName()).isEqualTo("svg");
    }
    String html = html("second");
    SparkSession spark = CliTestBase.reader();
    List<String> frontier;
    String base;
    try {
      frontier = spark.read().parquet(out + "/frontier").where("run_id = 'second'").select("trial_id").as(
          org.apache.spark.sql.Encoders.STRING()).collectAsList();
      base = spark.read().parquet(out + "/trials").where("run_id = 'second' and method = 'base'").first()
          .getAs("trial_id");
    } finally {
      spark.stop();
    }
    assertThat(frontier).isNotEmpty();
    assertThat(html).contains(frontier.toArray(String[]::new));
    assertThat(html).contains("<h2>Frontier (" + frontier.size() + " trials, by encoded size)</h2>");
    assertThat(html).contains("base model<span class=\"badge base\">base</span>: accuracy ", base);
    assertThat(html).contains("Previous run of config <b>report-test</b>: <code>first</code>",
        "Gained on the frontier (", "Lost from the frontier (", "phone-big-core", "mcu-cortex-m4");
    assertThat(html).doesNotContain("http://", "https://", "<script", "<link");
    assertThat(html("first")).contains("No earlier run of config <b>report-test</b>");
  }

  @Test
  void reportRewritesTheSameFilesFromTheTablesAndRefusesAnUnknownRun() throws Exception {
    Map<String, byte[]> before = files(report("second"));
    deleteTree(report("second"));
    CliTestBase.Run r = CliTestBase.cli("report", "--run-id", "second", "--results", out.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertThat(r.out()).isEqualTo("report of run second: " + out + "/reports/run_id=second/report.html "
        + "(accuracy-vs-size.png, accuracy-vs-size.svg, accuracy-vs-latency.png, accuracy-vs-latency.svg, report.html)"
        + System.lineSeparator());
    Map<String, byte[]> after = files(report("second"));
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (var e : before.entrySet()) {
      assertThat(after.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }

    CliTestBase.Run unknown = CliTestBase.cli("report", "--run-id", "nope", "--results", out.toString());
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).isEqualTo("modelpress: error: run 'nope' has no row in " + out + "/runs (unknown or "
        + "unfinished); list runs with modelpress results runs --out DIR" + System.lineSeparator());
    assertThat(report("nope")).doesNotExist();
    CliTestBase.Run noId = CliTestBase.cli("report", "--results", out.toString());
    assertThat(noId.code()).isEqualTo(2);
    assertThat(noId.err().lines().toList()).hasSize(1);
  }

  @Test
  void headlessChromiumRendersThePageWithItsPlots() throws Exception {
    String chromium = onPath("chromium", "chromium-browser");
    if (chromium == null) {
      // CI (.ci/run) installs chromium and sets MODELPRESS_STRICT=1: there a missing browser is a failure
      assertThat(System.getenv("MODELPRESS_STRICT")).as("MODELPRESS_STRICT=1 but no chromium on PATH").isNotEqualTo("1");
      System.err.println("ReportTest: skipped the Chromium check: no 'chromium' on PATH (apt-get install chromium)");
    }
    Assumptions.assumeTrue(chromium != null, "no 'chromium' on PATH (apt-get install chromium)");
    Path shot = dir.resolve("shot.png");
    Process p = new ProcessBuilder(chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
        "--user-data-dir=" + dir.resolve("chromium-profile"), "--window-size=1280,1000", "--screenshot=" + shot,
        report("second").resolve("report.html").toUri().toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("chromium.log"))).isZero();
    BufferedImage img = ImageIO.read(shot.toFile());
    assertThat(img.getWidth()).isEqualTo(1280);
    // the text of the page is black and grey: coloured pixels are the plot's markers, so the image was drawn
    int coloured = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80) {
          coloured++;
        }
      }
    }
    assertThat(coloured).as("coloured pixels in the screenshot").isGreaterThan(500);

    // and in the DOM Chromium built: every <img> decoded at the plots' size, no script error. The page has no
    // script of its own, so a copy gets one at its end that records what the browser made of the images.
    String page = Files.readString(report("second").resolve("report.html"), StandardCharsets.UTF_8);
    int images = page.split("<img ", -1).length - 1;
    assertThat(images).as("plots inlined in the page").isGreaterThanOrEqualTo(2);
    Path probe = dir.resolve("probe.html");
    Files.writeString(probe, page.replace("</body>", """
        <script>
        window.addEventListener('error', e => document.body.setAttribute('data-error', String(e.message)));
        window.addEventListener('load', () => {
          const all = Array.from(document.images);
          const drawn = all.filter(i => i.complete && i.naturalWidth === %d && i.naturalHeight === %d);
          document.body.setAttribute('data-images', all.length + ' images, ' + drawn.length + ' drawn');
        });
        </script>
        </body>""".formatted(ReportPlots.WIDTH, ReportPlots.HEIGHT)), StandardCharsets.UTF_8);
    Process dom = new ProcessBuilder(chromium, "--headless", "--disable-gpu", "--no-sandbox",
        "--user-data-dir=" + dir.resolve("chromium-profile-dom"), "--virtual-time-budget=10000", "--dump-dom",
        probe.toUri().toString())
        .redirectOutput(dir.resolve("dom.html").toFile()).redirectError(dir.resolve("chromium-dom.log").toFile()).start();
    assertThat(dom.waitFor(90, TimeUnit.SECONDS)).as("chromium --dump-dom finished").isTrue();
    String built = Files.readString(dir.resolve("dom.html"), StandardCharsets.UTF_8);
    assertThat(dom.exitValue()).as(Files.readString(dir.resolve("chromium-dom.log"))).isZero();
    assertThat(built).contains("data-images=\"" + images + " images, " + images + " drawn\"").doesNotContain("data-error=\"");
  }

  @Test
  void aReportThatCannotBeWrittenFailsTheSweepWithOneLineAndKeepsTheTables() throws Exception {
    Path blocked = dir.resolve("out-blocked");
    Files.createDirectories(blocked);
    Files.writeString(blocked.resolve("reports"), "a file where the reports folder would go");
    Files.writeString(dir.resolve("c.yaml"), """
        version: 1
        name: report-blocked
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        search:
          - name: quant
            quantize: {bits: 8}
        latency: {enabled: false}
        """.formatted(dir.resolve("mlp.zip")));
    CliTestBase.Run r = CliTestBase.cli("sweep", "--config", dir.resolve("c.yaml").toString(), "--out", blocked.toString(),
        "--run-id", "blocked", "--master", "local[1]");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).startsWith("modelpress: failed: the tables of run blocked are written under " + blocked
        + " but its report could not be: ").endsWith("; write it again with modelpress report --run-id blocked "
        + "--out " + blocked + System.lineSeparator());
    assertThat(blocked.resolve("runs/run_id=blocked")).isDirectory();
    assertThat(blocked.resolve("trials/run_id=blocked")).isDirectory();
  }

  @Test
  void aSensitivityRunWritesCurvesPerMethodAndReportRewritesThem() throws Exception {
    Files.writeString(dir.resolve("sens.yaml"), """
        version: 1
        name: report-sens
        model: {path: "%s"}
        dataset: {name: mnist, test-limit: 500}
        prune: {methods: [magnitude], sparsities: [0.5, 0.8, 0.95]}
        quantize: {methods: [uniform], bits: [2, 4]}
        seeds: 3
        interactions: {pairs: 1}
        """.formatted(dir.resolve("mlp.zip")));
    CliTestBase.Run r = CliTestBase.cli("sensitivity", "--config", dir.resolve("sens.yaml").toString(), "--out", out.toString(),
        "--run-id", "sens", "--master", "local[2]");
    assertThat(r.code()).as(r.err()).isEqualTo(0);
    assertThat(r.out()).contains("  report    " + out + "/reports/run_id=sens/report.html "
        + "(plots: sensitivity-magnitude.png, sensitivity-uniform.png)");
    Path folder = report("sens");
    Map<String, byte[]> before = files(folder);
    assertThat(before.keySet()).containsExactly("report.html", "sensitivity-magnitude.png",
        "sensitivity-magnitude.svg", "sensitivity-uniform.png", "sensitivity-uniform.svg");
    for (String plot : List.of("sensitivity-magnitude", "sensitivity-uniform")) {
      BufferedImage png = ImageIO.read(folder.resolve(plot + ".png").toFile());
      assertThat(png).as(plot).isNotNull();
      assertThat(png.getWidth()).isEqualTo(ReportPlots.WIDTH);
      assertThat(png.getHeight()).isEqualTo(ReportPlots.HEIGHT);
      assertThat(xml().parse(folder.resolve(plot + ".svg").toFile()).getDocumentElement().getTagName())
          .isEqualTo("svg");
    }
    String html = html("sens");
    assertThat(html).contains("<h1>Sensitivity run <code>sens</code></h1>", "fc1", "fc2", "out",
        "<h2>Most sensitive layer per method</h2>", "<h2>Layer pairs: predicted vs measured drop (",
        "<td class=\"n\">95.0 % sparsity</td>", "<td class=\"n\">2 bits</td>", "<h2>Provenance</h2>");
    assertThat(html).doesNotContain("http://", "https://", "<script", "<link");
    // every layer of the run is named on the page
    SparkSession spark = CliTestBase.reader();
    List<String> layers;
    try {
      layers = spark.read().parquet(out + "/sensitivity_summary").where("run_id = 'sens' and kind = 'single'")
          .select("layer").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    } finally {
      spark.stop();
    }
    assertThat(layers).hasSizeGreaterThanOrEqualTo(2);
    for (String layer : layers) {
      assertThat(html).containsPattern("(<td>|, )" + layer + " -?[0-9]+\\.[0-9]{2} pp");
    }

    deleteTree(folder);
    CliTestBase.Run again = CliTestBase.cli("report", "--run-id", "sens", "--results", out.toString());
    assertThat(again.code()).as(again.err()).isEqualTo(0);
    assertThat(again.out()).isEqualTo("report of run sens: " + out + "/reports/run_id=sens/report.html "
        + "(sensitivity-magnitude.png, sensitivity-magnitude.svg, sensitivity-uniform.png, sensitivity-uniform.svg, "
        + "report.html)" + System.lineSeparator());
    Map<String, byte[]> after = files(folder);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (var e : before.entrySet()) {
      assertThat(after.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  static String onPath(String... names) {
    for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String n : names) {
        File f = new File(dirName, n);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }

  static Map<String, byte[]> files(Path folder) throws Exception {
    Map<String, byte[]> m = new TreeMap<>();
    try (var s = Files.list(folder)) {
      for (Path p : s.toList()) {
        m.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  static void deleteTree(Path p) throws Exception {
    CliTestBase.deleteTree(p);
  }

  /** An XML parser that never fetches the SVG DTD (no network here, and none needed to check well-formedness). */
  static javax.xml.parsers.DocumentBuilder xml() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f.newDocumentBuilder();
  }
}
