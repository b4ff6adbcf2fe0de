package io.modelpress.report;

import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;

/** Short descriptions of a trial's steps, as the sweep summary and the report print them. */
public final class TrialText {

  private TrialText() {}

  /**
   * The trial's method and, for one that trains a student, the student and its T and α, e.g.
   * {@code distill mlp-32 T4 α0.5} or {@code student mlp-32} (a hard-label baseline).
   */
  public static String method(TrialSpec spec) {
    return spec.method() + spec.distill().map(d -> " " + d.student() + (d.baseline() ? ""
        : " T" + num(d.temperature()) + " α" + num(d.alpha()))).orElse("");
  }

  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** The prune step, e.g. {@code global 0.9 all 1ep}; "-" when there is none. */
  public static String prune(TrialSpec spec) {
    return spec.prune().map(p -> p.perLayerLevels() ? p.layerLevels().toString()
        : p.scope().id() + " " + p.level() + " " + p.layers().label()).orElse("-")
        + spec.fineTune().map(f -> " " + f.epochs() + "ep").orElse("");
  }

  /** The quantize step, e.g. {@code 4b symmetric per-channel}; "-" when there is none. */
  public static String quant(TrialSpec spec) {
    return spec.quant().map(TrialText::quant).orElse("-");
  }

  public static String quant(QuantSpec q) {
    if (!q.isInteger()) {
      return "fp" + q.bits();
    }
    if (!q.layerBits().isEmpty()) {
      return q.layerBits() + " " + q.algorithm().id();
    }
    if (q.algorithm() != QuantSpec.Algorithm.UNIFORM) {
      return q.bits() + "b " + q.algorithm().id();
    }
    return q.bits() + "b " + q.scheme().id() + " " + q.granularity().id();
  }
}
