package io.modelpress.measure;

/**
 * Top-1 accuracy and macro-averaged precision, recall and F1 from labels and predictions. A class that
 * is never predicted has precision 0 (and a class absent from the labels recall 0), as scikit-learn
 * does with {@code zero_division=0}; the macro average is over all {@code classes}. The metrics are a
 * function of per-class {@link Counts}, which add up over disjoint shards of the examples: metrics of
 * summed counts are exactly those of the whole set.
 */
public record ClassificationMetrics(
    long examples, long correct, double accuracy, double macroPrecision, double macroRecall, double macroF1) {

  /** Per class: true positives, predictions and labels; with the examples and correct predictions. */
  public record Counts(long[] tp, long[] predicted, long[] actual, long correct, long examples)
      implements java.io.Serializable {

    public static Counts of(int[] labels, int[] predictions, int classes) {
      if (labels.length != predictions.length) {
        throw new IllegalArgumentException(labels.length + " labels but " + predictions.length + " predictions");
      }
      long[] tp = new long[classes];
      long[] predicted = new long[classes];
      long[] actual = new long[classes];
      long correct = 0;
      for (int i = 0; i < labels.length; i++) {
        int y = labels[i];
        int p = predictions[i];
        if (y < 0 || y >= classes || p < 0 || p >= classes) {
          throw new IllegalArgumentException("class index out of [0, " + classes + "): label " + y + ", prediction " + p);
        }
        actual[y]++;
        predicted[p]++;
        if (y == p) {
          tp[y]++;
          correct++;
        }
      }
      return new Counts(tp, predicted, actual, correct, labels.length);
    }

    /** The counts of both sets of examples together. */
    public Counts plus(Counts o) {
      if (o.tp.length != tp.length) {
        throw new IllegalArgumentException(tp.length + " classes and " + o.tp.length);
      }
      long[] t = tp.clone();
      long[] p = predicted.clone();
      long[] a = actual.clone();
      for (int c = 0; c < t.length; c++) {
        t[c] += o.tp[c];
        p[c] += o.predicted[c];
        a[c] += o.actual[c];
      }
      return new Counts(t, p, a, correct + o.correct, examples + o.examples);
    }

    public ClassificationMetrics metrics() {
      if (examples == 0) {
        throw new IllegalArgumentException("no examples to evaluate");
      }
      int classes = tp.length;
      double sp = 0;
      double sr = 0;
      double sf = 0;
      for (int c = 0; c < classes; c++) {
        double prec = predicted[c] == 0 ? 0 : (double) tp[c] / predicted[c];
        double rec = actual[c] == 0 ? 0 : (double) tp[c] / actual[c];
        sp += prec;
        sr += rec;
        sf += prec + rec == 0 ? 0 : 2 * prec * rec / (prec + rec);
      }
      return new ClassificationMetrics(examples, correct, (double) correct / examples, sp / classes, sr / classes,
          sf / classes);
    }
  }

  public static ClassificationMetrics of(int[] labels, int[] predictions, int classes) {
    return Counts.of(labels, predictions, classes).metrics();
  }
}
