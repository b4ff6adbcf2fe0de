package io.modelpress.measure;

/**
 * Top-1 accuracy and macro-averaged precision, recall and F1 from labels and predictions. A class that
 * is never predicted has precision 0 (and a class absent from the labels recall 0), as scikit-learn
 * does with {@code zero_division=0}; the macro average is over all {@code classes}.
 */
public record ClassificationMetrics(
    long examples, long correct, double accuracy, double macroPrecision, double macroRecall, double macroF1) {

  public static ClassificationMetrics of(int[] labels, int[] predictions, int classes) {
    if (labels.length != predictions.length) {
      throw new IllegalArgumentException(labels.length + " labels but " + predictions.length + " predictions");
    }
    if (labels.length == 0) {
      throw new IllegalArgumentException("no examples to evaluate");
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
    return new ClassificationMetrics(labels.length, correct, (double) correct / labels.length,
        sp / classes, sr / classes, sf / classes);
  }
}
