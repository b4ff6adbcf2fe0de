package io.modelpress.model;

import io.modelpress.data.LabeledImages;

import io.modelpress.spec.DistillSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Teachers' logits and students' training for knowledge distillation, on DL4J.
 *
 * <p>A student {@code mlp-H1-...-Hn} is dense ReLU layers {@code fc1..fcn} and an output layer
 * {@code out}. While training, the output layer has identity activation and {@link DistillLoss}, and
 * each mini-batch's labels are {@code [one-hot | teacher logits]}; the trained weights with a softmax
 * output and cross-entropy are the deployable student ({@link #deployable}), an ordinary model for the
 * rest of the pipeline.
 */
public final class Students {

  private Students() {}

  /** The training configuration of {@code d}'s student: Adam, the distillation loss on an identity output. */
  public static MultiLayerConfiguration config(DistillSpec d, int features, int classes) {
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
        .seed(d.trainingSeed())
        .updater(new Adam(d.learningRate()))
        .weightInit(WeightInit.RELU)
        .list();
    int in = features;
    int[] hidden = d.hidden();
    for (int i = 0; i < hidden.length; i++) {
      b.layer(new DenseLayer.Builder().name("fc" + (i + 1)).nIn(in).nOut(hidden[i]).activation(Activation.RELU).build());
      in = hidden[i];
    }
    b.layer(new OutputLayer.Builder(new DistillLoss(d.temperature(), d.alpha())).name("out").nIn(in).nOut(classes)
        .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build());
    return b.build();
  }

  /** {@code d}'s student as initialised for training ({@link #config}): what data-parallel training starts from. */
  public static MultiLayerNetwork network(DistillSpec d, int features, int classes) {
    MultiLayerNetwork net = new MultiLayerNetwork(config(d, features, classes));
    net.init();
    return net;
  }

  /**
   * Trains {@code d}'s student on one JVM: {@code d.epochs()} epochs of shuffled mini-batches (the order
   * depends on the replica seed only), with the teacher's logits of every training example
   * ({@code teacherLogits}, row-major [examples × classes]). Deterministic for a spec.
   */
  public static Dl4jModel train(DistillSpec d, LabeledImages train, float[] teacherLogits, int classes,
      Dl4jModel.EpochListener listener) {
    check(train, teacherLogits, classes);
    MultiLayerNetwork net = network(d, train.features(), classes);
    Random rnd = new Random(d.trainingSeed());
    int[] order = identity(train.count());
    for (int epoch = 1; epoch <= d.epochs(); epoch++) {
      long t0 = System.nanoTime();
      shuffle(order, rnd);
      for (int from = 0; from < train.count(); from += d.batchSize()) {
        net.fit(batch(train, teacherLogits, classes, order, from, Math.min(train.count(), from + d.batchSize())));
      }
      listener.epochDone(epoch, (System.nanoTime() - t0) / 1e9);
    }
    return deployable(net);
  }

  /** {@link #train} that reports nothing. */
  public static Dl4jModel train(DistillSpec d, LabeledImages train, float[] teacherLogits, int classes) {
    return train(d, train, teacherLogits, classes, (e, s) -> { });
  }

  /**
   * One epoch's mini-batches as example indices, shuffled by {@code seed} (a fresh shuffle of the
   * examples in order, where single-JVM training reshuffles the previous epoch's order): for
   * data-parallel training, whose executors build each batch ({@link #batch}) from the training split
   * and soft targets they already hold, so tasks carry indices, not pixels.
   */
  public static List<int[]> epochOrder(int examples, int batchSize, long seed) {
    int[] order = identity(examples);
    shuffle(order, new Random(seed));
    List<int[]> out = new ArrayList<>();
    for (int from = 0; from < examples; from += batchSize) {
      out.add(java.util.Arrays.copyOfRange(order, from, Math.min(examples, from + batchSize)));
    }
    return out;
  }

  /** The mini-batch of {@code examples}: pixels scaled to [0, 1], labels {@code [one-hot | teacher logits]}. */
  public static DataSet batch(LabeledImages train, float[] teacherLogits, int classes, int[] examples) {
    check(train, teacherLogits, classes);
    return batch(train, teacherLogits, classes, examples, 0, examples.length);
  }

  /** The trained weights with a softmax output and cross-entropy loss: the student as deployed. */
  public static Dl4jModel deployable(MultiLayerNetwork trained) {
    MultiLayerConfiguration conf = trained.getLayerWiseConfigurations().clone();
    OutputLayer out = (OutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer();
    out.setLossFn(new LossMCXENT());
    out.setActivationFn(Activation.SOFTMAX.getActivationFunction());
    conf.setIterationCount(0);
    conf.setEpochCount(0);
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init(trained.params().dup(), false);
    return new Dl4jModel(net);
  }

  /**
   * The pre-softmax outputs (logits) of {@code teacher} for examples {@code [from, to)} of {@code data},
   * row-major [examples × classes], in batches of {@code batch}: the input of the output layer times its
   * weights plus its bias, so any temperature can be applied later without loss.
   */
  public static float[] logits(Dl4jModel teacher, LabeledImages data, int from, int to, int batch) {
    MultiLayerNetwork net = teacher.net();
    int last = net.getnLayers() - 1;
    INDArray w = net.getLayer(last).getParam("W");
    INDArray b = net.getLayer(last).getParam("b");
    int classes = teacher.outputSize();
    if (data.features() != teacher.inputSize()) {
      throw new IllegalArgumentException("the teacher takes " + teacher.inputSize() + " input features but the "
          + "dataset has " + data.features());
    }
    float[] out = new float[(to - from) * classes];
    for (int s = from; s < to; s += batch) {
      int e = Math.min(to, s + batch);
      INDArray x = Nd4j.create(data.features(s, e), new long[] {e - s, data.features()}, 'c');
      List<INDArray> acts = net.feedForwardToLayer(last - 1, x, false);
      INDArray a = acts.get(acts.size() - 1);
      if (a.rank() != 2) {
        a = a.reshape('c', a.size(0), a.length() / a.size(0));
      }
      float[] z = a.mmul(w).addiRowVector(b).dup('c').data().asFloat();
      System.arraycopy(z, 0, out, (s - from) * classes, z.length);
    }
    return out;
  }

  private static void check(LabeledImages train, float[] teacherLogits, int classes) {
    if (teacherLogits.length != (long) train.count() * classes) {
      throw new IllegalArgumentException("soft targets hold " + teacherLogits.length / Math.max(1, classes)
          + " examples × " + classes + " classes but the training split has " + train.count() + " examples");
    }
  }

  private static DataSet batch(LabeledImages data, float[] logits, int classes, int[] order, int from, int to) {
    int f = data.features();
    int n = to - from;
    float[] x = new float[n * f];
    float[] y = new float[n * 2 * classes];
    byte[] pixels = data.pixels();
    for (int r = 0; r < n; r++) {
      int e = order[from + r];
      for (int c = 0; c < f; c++) {
        x[r * f + c] = (pixels[e * f + c] & 0xff) / 255f;
      }
      y[r * 2 * classes + data.labels()[e]] = 1f;
      System.arraycopy(logits, e * classes, y, r * 2 * classes + classes, classes);
    }
    return new DataSet(Nd4j.create(x, new long[] {n, f}, 'c'), Nd4j.create(y, new long[] {n, 2L * classes}, 'c'));
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  private static void shuffle(int[] order, Random rnd) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
