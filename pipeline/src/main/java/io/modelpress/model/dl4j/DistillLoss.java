package io.modelpress.model.dl4j;

import io.modelpress.distill.SoftTargets;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The knowledge-distillation loss as a DL4J loss function:
 * {@code α · CE(y, softmax(z)) + (1 − α) · T² · KL(softmax(t/T) ‖ softmax(z/T))} (Hinton et al. 2015).
 *
 * <p>The student's output layer has identity activation (its pre-output z are the logits) and this loss;
 * after training, the same weights with a softmax output are the deployable model. The labels of a
 * mini-batch are {@code [one-hot hard label | teacher logits]}, 2k columns for k classes, so any
 * temperature can be applied to stored teacher logits. Gradients are per example, not averaged: DL4J's
 * updater divides by the mini-batch size, as for its own losses. A no-argument constructor and bean
 * accessors let the configuration round-trip through DL4J's JSON.
 */
public class DistillLoss implements ILossFunction {

  private static final long serialVersionUID = 1L;

  private double temperature = 1;
  private double alpha = 0.5;

  public DistillLoss() {}

  public DistillLoss(double temperature, double alpha) {
    if (!(temperature > 0 && temperature <= 1000)) {
      throw new IllegalArgumentException("'temperature' is set to " + temperature + " but must be in (0, 1000]");
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("'alpha' is set to " + alpha + " but must be in [0, 1]");
    }
    this.temperature = temperature;
    this.alpha = alpha;
  }

  public double getTemperature() {
    return temperature;
  }

  public void setTemperature(double temperature) {
    this.temperature = temperature;
  }

  public double getAlpha() {
    return alpha;
  }

  public void setAlpha(double alpha) {
    this.alpha = alpha;
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean average) {
    double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    Batch b = new Batch(labels, preOutput, activationFn, mask);
    double[] scores = new double[b.n];
    for (int i = 0; i < b.n; i++) {
      scores[i] = b.weight(i) * SoftTargets.loss(b.z, i * b.k, b.teacher, i * b.k, b.k, b.label[i], temperature, alpha);
    }
    return Nd4j.createFromArray(scores).reshape(b.n, 1).castTo(preOutput.dataType());
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    Batch b = new Batch(labels, preOutput, activationFn, mask);
    double[] g = new double[b.n * b.k];
    for (int i = 0; i < b.n; i++) {
      double[] gi = SoftTargets.gradient(b.z, i * b.k, b.teacher, i * b.k, b.k, b.label[i], temperature, alpha);
      for (int c = 0; c < b.k; c++) {
        g[i * b.k + c] = b.weight(i) * gi[c];
      }
    }
    return Nd4j.create(g, new long[] {b.n, b.k}, 'c').castTo(preOutput.dataType());
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask, boolean average) {
    return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
        computeGradient(labels, preOutput, activationFn, mask));
  }

  @Override
  public String name() {
    return "distill(T=" + temperature + ",alpha=" + alpha + ")";
  }

  @Override
  public String toString() {
    return "DistillLoss(temperature=" + temperature + ", alpha=" + alpha + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DistillLoss d && d.temperature == temperature && d.alpha == alpha;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(temperature) * 31 + Double.hashCode(alpha);
  }

  /** A mini-batch unpacked into plain arrays: logits, hard labels, teacher logits, per-example mask. */
  private static final class Batch {
    final int n;
    final int k;
    final double[] z;
    final double[] teacher;
    final int[] label;
    final double[] mask;

    Batch(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
      if (!(activationFn instanceof ActivationIdentity)) {
        throw new IllegalArgumentException("the distillation loss needs an output layer with identity activation "
            + "(it applies the softmax itself); got " + activationFn);
      }
      n = (int) preOutput.size(0);
      k = (int) preOutput.size(1);
      if (labels.size(0) != n || labels.size(1) != 2L * k) {
        throw new IllegalArgumentException("distillation labels must be [one-hot | teacher logits], " + n + " × "
            + 2 * k + ", for " + k + " outputs; got " + java.util.Arrays.toString(labels.shape()));
      }
      z = preOutput.dup('c').data().asDouble();
      double[] y = labels.dup('c').data().asDouble();
      teacher = new double[n * k];
      label = new int[n];
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < k; c++) {
          if (y[i * 2 * k + c] > y[i * 2 * k + best]) {
            best = c;
          }
        }
        label[i] = best;
        System.arraycopy(y, i * 2 * k + k, teacher, i * k, k);
      }
      this.mask = mask == null ? null : mask.dup('c').data().asDouble();
    }

    double weight(int i) {
      return mask == null ? 1 : mask[mask.length == n ? i : i * k];
    }
  }
}
