package io.modelpress.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.TestData;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.dl4j.DistillLoss;
import io.modelpress.model.dl4j.Dl4jStudents;
import io.modelpress.spec.DistillSpec;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class DistillTest {

  private static final int K = 10;

  private static DistillSpec spec(String student, double t, double alpha) {
    return new DistillSpec(student, t, alpha, 1, 1e-3, 32, 0, DistillSpec.Parallelism.TASK);
  }

  @Test
  void theLossGradientMatchesCentralFiniteDifferences() {
    Random r = new Random(3);
    for (double t : new double[] {1, 2, 4, 8, 20}) {
      for (double alpha : new double[] {0, 0.1, 0.5, 0.9, 1}) {
        double[] z = new double[K];
        double[] teacher = new double[K];
        for (int c = 0; c < K; c++) {
          z[c] = 3 * r.nextGaussian();
          teacher[c] = 5 * r.nextGaussian();
        }
        int label = r.nextInt(K);
        double[] g = SoftTargets.gradient(z, 0, teacher, 0, K, label, t, alpha);
        for (int c = 0; c < K; c++) {
          double h = 1e-5;
          double keep = z[c];
          z[c] = keep + h;
          double up = SoftTargets.loss(z, 0, teacher, 0, K, label, t, alpha);
          z[c] = keep - h;
          double down = SoftTargets.loss(z, 0, teacher, 0, K, label, t, alpha);
          z[c] = keep;
          assertThat(g[c]).as("T=%s α=%s class %d", t, alpha, c).isCloseTo((up - down) / (2 * h), within(1e-6));
        }
      }
    }
  }

  /**
   * The loss's value against Hinton et al.'s formula written out here with plain exponentials, for the
   * array form and the DL4J loss: a loss and gradient that both dropped the T² factor or swapped α and
   * 1 − α would still agree with each other, but not with this.
   */
  @Test
  void theLossIsAlphaCrossEntropyPlusOneMinusAlphaTSquaredKlWrittenOutByHand() {
    double[] z = {1.0, 2.0, 0.5, -1.0};
    double[] teacher = {2.0, 0.0, 1.0, 3.0};
    int label = 1;
    for (double t : new double[] {1, 4, 20}) {
      for (double alpha : new double[] {0, 0.3, 1}) {
        double[] p = new double[4]; // student at T
        double[] q = new double[4]; // teacher at T
        double[] p1 = new double[4]; // student at 1
        double sp = 0;
        double sq = 0;
        double s1 = 0;
        for (int c = 0; c < 4; c++) {
          sp += Math.exp(z[c] / t);
          sq += Math.exp(teacher[c] / t);
          s1 += Math.exp(z[c]);
        }
        double kl = 0;
        for (int c = 0; c < 4; c++) {
          p[c] = Math.exp(z[c] / t) / sp;
          q[c] = Math.exp(teacher[c] / t) / sq;
          p1[c] = Math.exp(z[c]) / s1;
          kl += q[c] * Math.log(q[c] / p[c]);
        }
        double expected = alpha * -Math.log(p1[label]) + (1 - alpha) * t * t * kl;
        assertThat(SoftTargets.loss(z, 0, teacher, 0, 4, label, t, alpha)).as("T=%s α=%s", t, alpha)
            .isCloseTo(expected, within(1e-12));
        // the DL4J loss on one example: labels are [one-hot | teacher logits], the output is the identity
        double[] y = new double[8];
        y[label] = 1;
        System.arraycopy(teacher, 0, y, 4, 4);
        double dl4j = new DistillLoss(t, alpha).computeScore(Nd4j.create(y, new long[] {1, 8}, 'c').castTo(DataType.FLOAT),
            Nd4j.create(z, new long[] {1, 4}, 'c').castTo(DataType.FLOAT),
            Activation.IDENTITY.getActivationFunction(), null, true);
        assertThat(dl4j).as("DL4J loss T=%s α=%s", t, alpha).isCloseTo(expected, within(1e-4 * Math.max(1, expected)));
      }
    }
  }

  @Test
  void dl4jGradientCheckOfAStudentNetworkTrainedWithTheDistillationLoss() {
    DataType keep = Nd4j.dataType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      MultiLayerConfiguration conf = Dl4jStudents.config(spec("mlp-7-5", 4, 0.3), 12, K);
      conf.setDataType(DataType.DOUBLE);
      for (var c : conf.getConfs()) {
        ((BaseLayer) c.getLayer()).setIUpdater(new NoOp());
        if (!(c.getLayer() instanceof OutputLayer)) {
          // smooth hidden units: ReLU's kinks make finite differences fail spuriously
          ((BaseLayer) c.getLayer()).setActivationFn(Activation.TANH.getActivationFunction());
        }
      }
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      Random r = new Random(5);
      int n = 6;
      double[] x = new double[n * 12];
      double[] y = new double[n * 2 * K];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextDouble();
      }
      for (int i = 0; i < n; i++) {
        y[i * 2 * K + r.nextInt(K)] = 1;
        for (int c = 0; c < K; c++) {
          y[i * 2 * K + K + c] = 4 * r.nextGaussian();
        }
      }
      boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
          .input(Nd4j.create(x, new long[] {n, 12}, 'c')).labels(Nd4j.create(y, new long[] {n, 2 * K}, 'c'))
          .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
      assertThat(ok).as("DL4J gradient check of every parameter").isTrue();
    } finally {
      Nd4j.setDefaultDataTypes(keep, keep);
    }
  }

  @Test
  void atTemperatureOneAndAlphaZeroDistillationIsPlainTrainingOnTheTeachersProbabilities() {
    Random r = new Random(11);
    int n = 64;
    int features = 20;
    float[] x = new float[n * features];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    float[] teacher = new float[n * K];
    for (int i = 0; i < teacher.length; i++) {
      teacher[i] = (float) (3 * r.nextGaussian());
    }
    float[] distillLabels = new float[n * 2 * K];
    float[] softLabels = new float[n * K];
    for (int i = 0; i < n; i++) {
      distillLabels[i * 2 * K + r.nextInt(K)] = 1; // the hard label: weight α = 0, so it must not matter
      System.arraycopy(teacher, i * K, distillLabels, i * 2 * K + K, K);
      double[] p = SoftTargets.softmax(SoftTargets.widen(teacher), i * K, K, 1);
      for (int c = 0; c < K; c++) {
        softLabels[i * K + c] = (float) p[c];
      }
    }
    MultiLayerConfiguration kd = Dl4jStudents.config(spec("mlp-16", 1, 0), features, K);
    MultiLayerConfiguration plain = kd.clone();
    OutputLayer out = (OutputLayer) plain.getConf(plain.getConfs().size() - 1).getLayer();
    out.setLossFn(new LossMCXENT());
    out.setActivationFn(Activation.SOFTMAX.getActivationFunction());
    MultiLayerNetwork a = new MultiLayerNetwork(kd);
    a.init();
    MultiLayerNetwork b = new MultiLayerNetwork(plain);
    b.init();
    assertThat(a.params()).isEqualTo(b.params());
    INDArray input = Nd4j.create(x, new long[] {n, features}, 'c');
    for (int step = 0; step < 30; step++) {
      a.fit(new DataSet(input, Nd4j.create(distillLabels, new long[] {n, 2 * K}, 'c')));
      b.fit(new DataSet(input, Nd4j.create(softLabels, new long[] {n, K}, 'c')));
    }
    double moved = b.params().distance2(kd.getConfs().isEmpty() ? null : new MultiLayerNetwork(plain) {
      {
        init();
      }
    }.params());
    assertThat(moved).as("training changed the weights").isGreaterThan(1e-2);
    double[] pa = a.params().toDoubleVector();
    double[] pb = b.params().toDoubleVector();
    for (int i = 0; i < pa.length; i++) {
      assertThat(pa[i]).as("parameter %d", i).isCloseTo(pb[i], within(2e-5));
    }
  }

  /** A convolutional teacher (lenet5): its logits are the input of its output layer, whose softmax it outputs. */
  @Test
  void aLenet5TeachersLogitsAreThePreSoftmaxOfItsOutputs() {
    LabeledImages train = TestData.mnistTrain(1000);
    Network teacher = Backends.dl4j().trainer().train("lenet5", new io.modelpress.spec.TrainSpec(1, 64, 1e-3, 3), train, (e, x) -> { });
    LabeledImages head = train.head(40);
    float[] logits = teacher.logits(head, 0, head.count(), 16);
    float[] probs = teacher.outputs(teacher.inputs(head));
    assertThat(logits).hasSize(40 * K);
    double[] wide = SoftTargets.widen(logits);
    for (int i = 0; i < 40; i++) {
      double[] p = SoftTargets.softmax(wide, i * K, K, 1);
      for (int c = 0; c < K; c++) {
        assertThat(p[c]).as("example %d class %d", i, c).isCloseTo(probs[i * K + c], within(1e-5));
      }
    }
  }

  @Test
  void theLossRoundTripsThroughDl4jsJsonAndRejectsBadSettings() {
    MultiLayerConfiguration conf = Dl4jStudents.config(spec("mlp-8", 4, 0.3), 784, K);
    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
    OutputLayer out = (OutputLayer) back.getConf(back.getConfs().size() - 1).getLayer();
    assertThat(out.getLossFn()).isEqualTo(new DistillLoss(4, 0.3));
    assertThatThrownBy(() -> new DistillLoss(0, 0.5)).hasMessage("'temperature' is set to 0.0 but must be in (0, 1000]");
    assertThatThrownBy(() -> new DistillLoss(2, 1.5)).hasMessage("'alpha' is set to 1.5 but must be in [0, 1]");
    assertThatThrownBy(() -> spec("cnn-3", 2, 0.5)).hasMessageStartingWith("'students' has 'cnn-3' but a student is");
    assertThat(spec("mlp-8", 20, 1)).as("a hard-label baseline ignores T").isEqualTo(spec("mlp-8", 1, 1));
  }

  @Test
  void aStudentLearnsMnistFromTheTeachersLogits() throws Exception {
    LabeledImages train = TestData.mnistTrain(6000);
    LabeledImages test = TestData.mnistTest(2000);
    Network teacher = Backends.dl4j().restore(TestData.trainedMlp());
    float[] logits = teacher.logits(train, 0, train.count(), 1000);
    // softmax of the logits is the teacher's own output
    float[] probs = teacher.outputs(teacher.inputs(train.head(50)));
    double[] wide = SoftTargets.widen(logits);
    for (int i = 0; i < 50; i++) {
      double[] p = SoftTargets.softmax(wide, i * K, K, 1);
      for (int c = 0; c < K; c++) {
        assertThat(p[c]).isCloseTo(probs[i * K + c], within(1e-5));
      }
    }
    Network student = Backends.dl4j().trainer().student(new DistillSpec("mlp-32", 4, 0.5, 2, 1e-3, 64, 0,
        DistillSpec.Parallelism.TASK), train, logits, K, Trainer.EpochListener.NONE);
    assertThat(student.outputSize()).isEqualTo(K);
    assertThat(student.weights().names()).containsExactly("fc1", "out");
    // what is deployed is an ordinary softmax classifier: restored from its bytes without the distillation
    // loss, its outputs are probabilities, its output layer softmax with cross-entropy
    MultiLayerNetwork deployed = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
        new java.io.ByteArrayInputStream(student.save()), false);
    OutputLayer outLayer = (OutputLayer) deployed.getLayerWiseConfigurations()
        .getConf(deployed.getnLayers() - 1).getLayer();
    assertThat(outLayer.getActivationFn()).isInstanceOf(org.nd4j.linalg.activations.impl.ActivationSoftmax.class);
    assertThat(outLayer.getLossFn()).isInstanceOf(LossMCXENT.class);
    float[] studentProbs = student.outputs(student.inputs(test.head(20)));
    for (int i = 0; i < 20; i++) {
      double sum = 0;
      for (int c = 0; c < K; c++) {
        assertThat(studentProbs[i * K + c]).isBetween(0f, 1f);
        sum += studentProbs[i * K + c];
      }
      assertThat(sum).as("example %d", i).isCloseTo(1.0, within(1e-4));
    }
    double accuracy = ClassificationMetrics.of(test.labels(), student.predict(student.inputs(test), 1000), K).accuracy();
    assertThat(accuracy).as("a 784-32-10 student after 2 epochs on 6,000 images").isBetween(0.80, 1.0);
    Network again = Backends.dl4j().trainer().student(new DistillSpec("mlp-32", 4, 0.5, 2, 1e-3, 64, 0,
        DistillSpec.Parallelism.TASK), train, logits, K, Trainer.EpochListener.NONE);
    assertThat(again.save()).as("deterministic for a spec").isEqualTo(student.save());
    assertThatThrownBy(() -> Backends.dl4j().trainer().student(spec("mlp-8", 2, 0.5), train, new float[10], K, Trainer.EpochListener.NONE))
        .hasMessage("soft targets hold 1 examples × 10 classes but the training split has 6000 examples");
  }

}
