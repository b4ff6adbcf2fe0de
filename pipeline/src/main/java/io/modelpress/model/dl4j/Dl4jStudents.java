package io.modelpress.model.dl4j;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.model.Trainer;

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
public final class Dl4jStudents {

  private Dl4jStudents() {}

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
  static Dl4jNetwork train(DistillSpec d, TrainingSplit train, float[] teacherLogits, int classes,
      Trainer.EpochListener listener) {
    check(train.count(), teacherLogits, classes);
    MultiLayerNetwork net = network(d, train.features(), classes);
    // a split held whole: one order reshuffled each epoch; in pieces: as fine-tuning reads them
    Batches.Epochs epochs = new Batches.Epochs(train, d.batchSize(), new Random(d.trainingSeed()),
        (piece, offset, order, from, to) -> batch(piece, teacherLogits, offset, classes, order, from, to));
    for (int epoch = 1; epoch <= d.epochs(); epoch++) {
      long t0 = System.nanoTime();
      for (DataSet b : epochs.next()) {
        net.fit(b);
      }
      listener.epochDone(epoch, (System.nanoTime() - t0) / 1e9);
    }
    return deployable(net);
  }

  /**
   * Piece {@code piece} of a stored split as one data-parallel task's mini-batches: its examples shuffled by
   * {@code seed}, with their rows of the teacher's logits (indexed over the whole split).
   */
  public static List<DataSet> pieceBatches(TrainingSplit train, int piece, float[] teacherLogits, int classes,
      int batchSize, long seed) {
    LabeledImages data = train.piece(piece);
    long offset = train.offset(piece);
    int[] order = Batches.identity(data.count());
    Batches.shuffle(order, new Random(seed));
    List<DataSet> out = new ArrayList<>();
    for (int from = 0; from < data.count(); from += batchSize) {
      out.add(batch(data, teacherLogits, offset, classes, order, from, Math.min(data.count(), from + batchSize)));
    }
    return out;
  }

  /**
   * One epoch's mini-batches as example indices, shuffled by {@code seed} (a fresh shuffle of the
   * examples in order, where single-JVM training reshuffles the previous epoch's order): for
   * data-parallel training, whose executors build each batch ({@link #batch}) from the training split
   * and soft targets they already hold, so tasks carry indices, not pixels.
   */
  public static List<int[]> epochOrder(int examples, int batchSize, long seed) {
    int[] order = Batches.identity(examples);
    Batches.shuffle(order, new Random(seed));
    List<int[]> out = new ArrayList<>();
    for (int from = 0; from < examples; from += batchSize) {
      out.add(java.util.Arrays.copyOfRange(order, from, Math.min(examples, from + batchSize)));
    }
    return out;
  }

  /** The mini-batch of {@code examples}: pixels scaled to [0, 1], labels {@code [one-hot | teacher logits]}. */
  public static DataSet batch(LabeledImages train, float[] teacherLogits, int classes, int[] examples) {
    check(train.count(), teacherLogits, classes);
    return batch(train, teacherLogits, 0, classes, examples, 0, examples.length);
  }

  /** The trained weights with a softmax output and cross-entropy loss: the student as deployed. */
  public static Dl4jNetwork deployable(MultiLayerNetwork trained) {
    MultiLayerConfiguration conf = trained.getLayerWiseConfigurations().clone();
    OutputLayer out = (OutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer();
    out.setLossFn(new LossMCXENT());
    out.setActivationFn(Activation.SOFTMAX.getActivationFunction());
    conf.setIterationCount(0);
    conf.setEpochCount(0);
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init(trained.params().dup(), false);
    return new Dl4jNetwork(net);
  }

  private static void check(long examples, float[] teacherLogits, int classes) {
    if (teacherLogits.length != examples * classes) {
      throw new IllegalArgumentException("soft targets hold " + teacherLogits.length / Math.max(1, classes)
          + " examples × " + classes + " classes but the training split has " + examples + " examples");
    }
  }

  /** Examples {@code order[from..to)} of {@code data}, whose example 0 is example {@code offset} of the logits' split. */
  private static DataSet batch(LabeledImages data, float[] logits, long offset, int classes, int[] order, int from,
      int to) {
    int f = data.features();
    int n = to - from;
    float[] x = new float[n * f];
    float[] y = new float[n * 2 * classes];
    for (int r = 0; r < n; r++) {
      int e = order[from + r];
      data.example(e, x, r * f);
      y[r * 2 * classes + data.labels()[e]] = 1f;
      System.arraycopy(logits, (int) ((offset + e) * classes), y, r * 2 * classes + classes, classes);
    }
    return new DataSet(Nd4j.create(x, new long[] {n, f}, 'c'), Nd4j.create(y, new long[] {n, 2L * classes}, 'c'));
  }
}
