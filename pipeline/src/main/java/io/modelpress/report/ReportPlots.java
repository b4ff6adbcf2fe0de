package io.modelpress.report;

import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run's scatter plots (XChart): every successful trial as a point, coloured by its {@code method};
 * the run's frontier trials ({@code pareto_rank = 0}) as large outlined markers joined by the staircase of
 * the ones non-dominated in the plot's two axes, dominated trials faded, the base model as a black square
 * labelled "base". Sizes and fonts are fixed, so a plot of the same rows is the same image.
 */
public final class ReportPlots {

  public static final int WIDTH = 1100;
  public static final int HEIGHT = 640;

  /** Colours by method, in method-name order (Tableau 10, which stays distinguishable in greyscale-ish print). */
  private static final Color[] PALETTE = {
      new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
      new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22), new Color(0x7f7f7f)};
  private static final int FADED_ALPHA = 70;

  private ReportPlots() {}

  /** Accuracy (%) over encoded size (KB, log scale). */
  public static XYChart accuracyVsSize(RunReport r) {
    return chart(r, "Accuracy vs encoded size, run " + r.run().runId(), "encoded size (KB, log scale)",
        m -> m.encodedBytes() / 1024.0, true);
  }

  /** Accuracy (%) over measured batch-1 p50 latency (ms); trials without a measurement are left out. */
  public static XYChart accuracyVsLatency(RunReport r) {
    return chart(r, "Accuracy vs measured latency, run " + r.run().runId(),
        "latency, batch 1, p50 (ms, pure-Java runtime on the executors)", m -> m.metric("latency_b1_p50_ms"), false);
  }

  /**
   * One sensitivity curve per layer for one method: the accuracy drop on the full test set (percentage
   * points) at each level, with its 95 % bootstrap confidence interval as error bars (symmetric about the
   * drop: drop ± t · the spread of the paired drops over the run's resamples). x is the sparsity in % for prune methods and bits per weight for
   * quantize methods. Layers keep their colour across the methods of a run (layer-name order).
   */
  public static XYChart sensitivity(SensitivityReport r, String method) {
    List<io.modelpress.sweep.Sensitivity.Summary> rows = r.singles(method);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("run " + r.run().runId() + " has no single-layer rows for method '" + method
          + "'");
    }
    boolean bits = r.levelIsBits(method);
    int seeds = rows.stream().mapToInt(io.modelpress.sweep.Sensitivity.Summary::seeds).max().orElse(0);
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Sensitivity to " + method + (bits ? " quantization" : " pruning") + ", run " + r.run().runId())
        .xAxisTitle(bits ? "bits per weight (one layer quantized, the others unchanged)"
            : "sparsity of the layer (% of its weights pruned, the others unchanged)")
        .yAxisTitle("accuracy drop (percentage points, mean of " + seeds + " seeds, 95 % CI)").build();
    XYStyler st = c.getStyler();
    style(st, false);
    st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    st.setErrorBarsColorSeriesColor(true);
    st.setXAxisDecimalPattern(bits ? "0" : "0.#");
    st.setYAxisDecimalPattern("0.0#");
    st.setMarkerSize(8);
    List<String> layers = List.copyOf(new TreeSet<>(r.singles().stream().map(s -> s.cell().layer()).toList()));
    for (String layer : layers) {
      List<io.modelpress.sweep.Sensitivity.Summary> ps = rows.stream().filter(s -> s.cell().layer().equals(layer))
          .toList();
      if (ps.isEmpty()) {
        continue;
      }
      double[] x = ps.stream().mapToDouble(s -> bits ? s.cell().level() : 100 * s.cell().level()).toArray();
      double[] y = ps.stream().mapToDouble(s -> 100 * s.meanDrop()).toArray();
      double[] err = ps.stream().mapToDouble(s -> 100 * (s.ciHigh() - s.ciLow()) / 2).toArray();
      XYSeries s = c.addSeries(layer, x, y, err);
      Color col = PALETTE[layers.indexOf(layer) % PALETTE.length];
      s.setLineColor(col);
      s.setMarkerColor(col);
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setLineStyle(new BasicStroke(2.2f));
    }
    return c;
  }

  /**
   * A distillation sweep's result for one student: mean test accuracy (%) of the distilled students over
   * the temperature T (log scale), one line per α with the standard deviation over the replicas as error
   * bars, against the same student trained on hard labels alone (dashed, its mean; dotted, ± one
   * standard deviation) and the teacher (the base model, grey).
   */
  public static XYChart distillation(RunReport r, io.modelpress.sweep.DistillSummary.Student s) {
    if (s.distilled().isEmpty()) {
      throw new IllegalArgumentException("run " + r.run().runId() + " has no distilled " + s.label() + " to plot");
    }
    int replicas = s.distilled().stream().mapToInt(io.modelpress.sweep.DistillSummary.Cell::replicas).max().orElse(1);
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Distillation into " + s.label() + ", run " + r.run().runId())
        .xAxisTitle("temperature T of the soft targets (log scale)")
        .yAxisTitle("top-1 accuracy (%), mean of " + replicas + (replicas == 1 ? " seed" : " seeds, ± 1 std")).build();
    XYStyler st = c.getStyler();
    style(st, true);
    st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    st.setErrorBarsColorSeriesColor(true);
    st.setXAxisDecimalPattern("0.#");
    st.setYAxisDecimalPattern("0.0#");
    double lo = s.distilled().stream().mapToDouble(io.modelpress.sweep.DistillSummary.Cell::temperature).min()
        .orElse(1);
    double hi = s.distilled().stream().mapToDouble(io.modelpress.sweep.DistillSummary.Cell::temperature).max()
        .orElse(1);
    if (hi <= lo) { // one temperature: give the reference lines some width
      lo = lo / 1.5;
      hi = hi * 1.5;
    }
    double[] span = {lo, hi};
    List<Double> alphas = List.copyOf(new TreeSet<>(s.distilled().stream()
        .map(io.modelpress.sweep.DistillSummary.Cell::alpha).toList()));
    for (double a : alphas) {
      List<io.modelpress.sweep.DistillSummary.Cell> cells = s.distilled().stream().filter(x -> x.alpha() == a)
          .toList();
      XYSeries series = c.addSeries(String.format(Locale.ROOT, "distilled, α = %s (weight of the hard labels)",
              trim(a)),
          cells.stream().mapToDouble(io.modelpress.sweep.DistillSummary.Cell::temperature).toArray(),
          cells.stream().mapToDouble(x -> 100 * x.meanAccuracy()).toArray(),
          cells.stream().mapToDouble(x -> 100 * x.stdAccuracy()).toArray());
      Color col = PALETTE[alphas.indexOf(a) % PALETTE.length];
      series.setLineColor(col);
      series.setMarkerColor(col);
      series.setMarker(SeriesMarkers.CIRCLE);
      series.setLineStyle(new BasicStroke(2.2f));
    }
    if (s.baseline() != null) {
      double m = 100 * s.baseline().meanAccuracy();
      double sd = 100 * s.baseline().stdAccuracy();
      reference(c, "hard labels only (same student, epochs, seeds)", span, m, Color.BLACK, SeriesLines.DASH_DASH);
      if (sd > 0) {
        reference(c, "hard labels ± 1 std", span, m + sd, new Color(0x777777), SeriesLines.DOT_DOT);
        reference(c, " ", span, m - sd, new Color(0x777777), SeriesLines.DOT_DOT);
      }
    }
    TrialResult teacher = r.base();
    if (teacher != null && teacher.isOk()) {
      reference(c, "teacher (the run's model)", span, 100 * teacher.measurements().orElseThrow().accuracy(),
          new Color(0x999999), SeriesLines.SOLID);
    }
    return c;
  }

  private static void reference(XYChart c, String name, double[] span, double y, Color col, java.awt.BasicStroke line) {
    XYSeries s = c.addSeries(name, span, new double[] {y, y});
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(col);
    s.setLineStyle(line);
    if (name.isBlank()) {
      s.setShowInLegend(false);
    }
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /** The colour of a method in every plot of the run (and in the report's tables). */
  public static Color color(RunReport r, String method) {
    List<String> methods = new ArrayList<>(methods(r));
    int i = methods.indexOf(method);
    return i < 0 ? Color.BLACK : PALETTE[i % PALETTE.length];
  }

  private static TreeSet<String> methods(RunReport r) {
    TreeSet<String> m = new TreeSet<>();
    for (TrialResult t : r.trials()) {
      if (t.isOk() && !t.trial().spec().steps().isEmpty()) {
        m.add(t.trial().spec().method());
      }
    }
    return m;
  }

  private record Point(TrialResult trial, double x, double y) {}

  private static XYChart chart(RunReport r, String title, String xTitle, ToDoubleFunction<Measurements> xOf,
      boolean logX) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
        .yAxisTitle("top-1 accuracy (%)").build();
    style(c.getStyler(), logX);
    List<Point> points = new ArrayList<>();
    for (TrialResult t : r.trials()) {
      if (t.isOk()) {
        Measurements m = t.measurements().orElseThrow();
        double x = xOf.applyAsDouble(m);
        if (Double.isFinite(x) && x > 0) {
          points.add(new Point(t, x, 100 * m.accuracy()));
        }
      }
    }
    if (points.isEmpty()) {
      throw new IllegalArgumentException("run " + r.run().runId() + " has no successful trial to plot for " + xTitle);
    }
    // the staircase of the frontier in these two axes: smaller x, higher accuracy
    List<Point> front = points.stream().filter(p -> r.frontier().contains(p.trial().trial().trialId()))
        .sorted(Comparator.comparingDouble(Point::x).thenComparing(Comparator.comparingDouble(Point::y).reversed()))
        .toList();
    List<Point> stairs = new ArrayList<>();
    for (Point p : front) {
      if (stairs.isEmpty() || p.y() > stairs.get(stairs.size() - 1).y()) {
        stairs.add(p);
      }
    }
    if (stairs.size() >= 2) {
      XYSeries s = c.addSeries("frontier in this plane", xs(stairs), ys(stairs));
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineColor(new Color(0x444444));
      s.setLineStyle(new BasicStroke(1.6f));
    }
    for (boolean onFrontier : new boolean[] {false, true}) {
      for (String method : methods(r)) {
        List<Point> ps = points.stream().filter(p -> !p.trial().trial().spec().steps().isEmpty()
            && p.trial().trial().spec().method().equals(method)
            && r.frontier().contains(p.trial().trial().trialId()) == onFrontier).toList();
        if (ps.isEmpty()) {
          continue;
        }
        Color col = color(r, method);
        XYSeries s = c.addSeries(onFrontier ? method + ", frontier (all objectives)" : method, xs(ps), ys(ps));
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setLineStyle(SeriesLines.NONE);
        if (onFrontier) {
          s.setMarker(new Outlined(false, 1.5));
          s.setMarkerColor(col);
        } else {
          s.setMarker(SeriesMarkers.CIRCLE);
          s.setMarkerColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), FADED_ALPHA));
        }
      }
    }
    List<Point> base = points.stream().filter(p -> p.trial().trial().spec().steps().isEmpty()).toList();
    if (!base.isEmpty()) {
      XYSeries s = c.addSeries("base model (uncompressed)", xs(base), ys(base));
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      s.setLineStyle(SeriesLines.NONE);
      s.setMarker(new Outlined(true, 1.7));
      s.setMarkerColor(Color.BLACK);
      double lo = points.stream().mapToDouble(Point::y).min().orElse(0);
      double hi = points.stream().mapToDouble(Point::y).max().orElse(100);
      AnnotationText label = new AnnotationText("base", base.get(0).x(), base.get(0).y() + Math.max(0.04 * (hi - lo),
          0.05), false);
      c.addAnnotation(label);
    }
    return c;
  }

  private static void style(XYStyler st, boolean logX) {
    st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    st.setChartBackgroundColor(Color.WHITE);
    st.setPlotBackgroundColor(Color.WHITE);
    st.setPlotBorderColor(new Color(0x999999));
    st.setPlotGridLinesColor(new Color(0xdddddd));
    st.setChartTitleBoxVisible(false);
    st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
    st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
    st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    st.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    st.setAnnotationTextFontColor(Color.BLACK);
    st.setLegendPosition(Styler.LegendPosition.OutsideE);
    st.setLegendBorderColor(new Color(0xcccccc));
    st.setMarkerSize(9);
    st.setAntiAlias(true);
    st.setYAxisDecimalPattern("0.0");
    st.setXAxisDecimalPattern("0.###"); // 0.005 ms, not .005
    st.setXAxisLogarithmic(logX);
    st.setLocale(Locale.ROOT);
  }

  private static double[] xs(List<Point> ps) {
    return ps.stream().mapToDouble(Point::x).toArray();
  }

  private static double[] ys(List<Point> ps) {
    return ps.stream().mapToDouble(Point::y).toArray();
  }

  /** PNG bytes of a chart at its own size. */
  public static byte[] png(XYChart c) {
    try {
      return BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the plot as PNG: " + e.getMessage(), e);
    }
  }

  /** SVG bytes of a chart (VectorGraphics2D). */
  public static byte[] svg(XYChart c) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      VectorGraphicsEncoder.saveVectorGraphic(c, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the plot as SVG: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** A filled circle or square drawn larger than the other markers, with a black outline. */
  private static final class Outlined extends Marker {

    private final boolean square;
    private final double scale;

    Outlined(boolean square, double scale) {
      this.square = square;
      this.scale = scale;
    }

    @Override
    public void paint(Graphics2D g, double xOffset, double yOffset, int markerSize) {
      double s = markerSize * scale;
      Shape shape = square ? new Rectangle2D.Double(xOffset - s / 2, yOffset - s / 2, s, s)
          : new Ellipse2D.Double(xOffset - s / 2, yOffset - s / 2, s, s);
      g.fill(shape);
      Paint paint = g.getPaint();
      Stroke stroke = g.getStroke();
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(1.5f));
      g.draw(shape);
      g.setPaint(paint);
      g.setStroke(stroke);
    }
  }
}
