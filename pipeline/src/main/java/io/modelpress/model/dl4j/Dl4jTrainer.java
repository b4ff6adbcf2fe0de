package io.modelpress.model.dl4j;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.compress.Calibration;
import io.modelpress.compress.GradientStep;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.TrainSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training on DL4J: zoo models and students with Adam on shuffled mini-batches, fine-tuning with masks
 * re-applied after every update, gradient-driven steps computed outside DL4J, calibration statistics.
 */
final class Dl4jTrainer implements Trainer {

  static final Dl4jTrainer INSTANCE = new Dl4jTrainer();

  private Dl4jTrainer() {}

  @Override
  public Network train(String zoo, TrainSpec spec, LabeledImages train, EpochListener listener) {
    MultiLayerNetwork net = new MultiLayerNetwork(
        Dl4jZoo.config(zoo, spec.seed(), spec.learningRate(), train.channels(), train.height(), train.width(), train.classes()));
    net.init();
    Random rnd = new Random(spec.seed());
    int[] order = Batches.identity(train.count());
    for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
      long t0 = System.nanoTime();
      List<DataSet> batches = Batches.epoch(train, spec.batchSize(), rnd, order);
      // batch size 1 per list element: the batches are already formed
      net.fit(new ListDataSetIterator<>(batches, 1));
      listener.epochDone(epoch, (System.nanoTime() - t0) / 1e9);
    }
    return new Dl4jNetwork(net);
  }

  @Override
  public Network student(DistillSpec d, TrainingSplit train, float[] teacherLogits, int classes,
      EpochListener listener) {
    return Dl4jStudents.train(d, train, teacherLogits, classes, listener);
  }

  @Override
  public Tuned fineTune(Network network, ModelWeights start, MaskSchedule schedule, TrainingSplit train, int epochs,
      double learningRate, int batchSize, long seed) {
    Dl4jNetwork from = (Dl4jNetwork) network;
    MultiLayerConfiguration conf = from.net().getLayerWiseConfigurations().clone();
    // a saved model remembers its iteration count; Adam's bias correction must start again at step 1
    conf.setIterationCount(0);
    conf.setEpochCount(0);
    MultiLayerNetwork ft = new MultiLayerNetwork(conf);
    ft.init();
    Dl4jNetwork tuned = new Dl4jNetwork(ft);
    tuned.load(start);
    ft.setLearningRate(learningRate);
    Map<String, boolean[]> masks = schedule.masksAt(0, tuned);
    masks = masks == null ? Map.of() : masks;
    Map<Integer, INDArray> maskArrays = maskArrays(tuned, masks);
    applyMasks(tuned, maskArrays);
    Batches.Epochs batches = new Batches.Epochs(train, batchSize, new Random(seed));
    long t = 0;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      for (DataSet batch : batches.next()) {
        ft.fit(batch);
        t++;
        Map<String, boolean[]> next = schedule.masksAt(t, tuned);
        if (next != null) {
          masks = next;
          maskArrays = maskArrays(tuned, masks);
        }
        applyMasks(tuned, maskArrays);
      }
    }
    // w × 0 is −0.0 for negative w: store the zeros of masked weights as +0.0
    List<LayerWeights> out = new ArrayList<>();
    for (LayerWeights l : tuned.weights().layers()) {
      float[] w = l.weights();
      for (int i = 0; i < w.length; i++) {
        w[i] += 0.0f;
      }
      out.add(l);
    }
    return new Tuned(new ModelWeights(out), masks);
  }

  private static Map<Integer, INDArray> maskArrays(Dl4jNetwork n, Map<String, boolean[]> masks) {
    Map<Integer, INDArray> out = new HashMap<>();
    for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
      int k = n.names().indexOf(e.getKey());
      if (k < 0) {
        throw new IllegalArgumentException("mask for unknown layer '" + e.getKey() + "'");
      }
      int layer = n.weightedLayers().get(k);
      INDArray w = n.net().getLayer(layer).getParam("W");
      boolean[] m = e.getValue();
      float[] f = new float[m.length];
      for (int i = 0; i < m.length; i++) {
        f[i] = m[i] ? 1f : 0f;
      }
      out.put(layer, Nd4j.create(f, w.shape(), 'c'));
    }
    return out;
  }

  private static void applyMasks(Dl4jNetwork n, Map<Integer, INDArray> maskArrays) {
    for (Map.Entry<Integer, INDArray> e : maskArrays.entrySet()) {
      n.net().getLayer(e.getKey()).getParam("W").muli(e.getValue());
    }
  }

  /**
   * The gradient of the batch-mean loss for every weighted layer's W at the loaded weights (flat, "c"
   * order). DL4J's computeGradientAndScore gives the gradient summed over the batch (its updater divides
   * inside fit), so it is divided by the batch size here.
   */
  private static float[][] gradients(Dl4jNetwork n, DataSet batch) {
    MultiLayerNetwork net = n.net();
    net.setInput(batch.getFeatures());
    net.setLabels(batch.getLabels());
    net.computeGradientAndScore();
    Gradient g = net.gradient();
    float[][] out = new float[n.weightedLayers().size()][];
    float count = batch.numExamples();
    for (int k = 0; k < out.length; k++) {
      out[k] = g.getGradientFor(n.weightedLayers().get(k) + "_W").dup('c').data().asFloat();
      for (int i = 0; i < out[k].length; i++) {
        out[k][i] /= count;
      }
    }
    net.clear();
    return out;
  }

  @Override
  public Calibration calibrate(Network network, ModelWeights at, LabeledImages data, int batches, int batchSize) {
    Dl4jNetwork n = (Dl4jNetwork) network;
    n.load(at);
    int count = Math.min(data.count(), batches * batchSize);
    int[] order = Batches.identity(data.count());
    List<Integer> weighted = n.weightedLayers();
    int layers = weighted.size();
    double[][] grad = new double[layers][];
    double[][] taylor = new double[layers][];
    double[][] act = new double[layers][];
    double[][] zeros = new double[layers][];
    // [layer][batch][output channel]: the signed sum of w·∂L/∂w over each neuron's / filter's weights
    float[][][] groups = new float[layers][(count + batchSize - 1) / batchSize][];
    long[] perChannel = new long[layers];
    int used = 0;
    for (int from = 0; from < count; from += batchSize, used++) {
      DataSet b = Batches.slice(data, order, from, Math.min(count, from + batchSize));
      float[][] g = gradients(n, b);
      for (int k = 0; k < layers; k++) {
        LayerWeights lw = at.layers().get(k);
        float[] w = lw.weights();
        if (grad[k] == null) {
          grad[k] = new double[g[k].length];
          taylor[k] = new double[g[k].length];
        }
        int stride = lw.channelStride();
        int channels = lw.outChannels();
        double[] group = new double[channels];
        for (int i = 0; i < w.length; i++) {
          grad[k][i] += Math.abs(g[k][i]);
          taylor[k][i] += Math.abs(w[i] * g[k][i]);
          group[(i / stride) % channels] += (double) w[i] * g[k][i];
        }
        groups[k][used] = scaled(group, 1.0);
      }
      List<INDArray> acts = n.net().feedForward(b.getFeatures(), false);
      for (int k = 0; k < layers; k++) {
        INDArray a = acts.get(weighted.get(k) + 1);
        int channels = (int) a.size(1);
        int positions = a.rank() == 4 ? (int) (a.size(2) * a.size(3)) : 1;
        float[] v = a.dup('c').data().asFloat(); // [mb, c] or [mb, c, h, w]
        if (act[k] == null) {
          act[k] = new double[channels];
          zeros[k] = new double[channels];
        }
        for (int i = 0; i < v.length; i++) {
          int c = (i / positions) % channels;
          act[k][c] += Math.abs(v[i]);
          if (v[i] == 0f) {
            zeros[k][c]++;
          }
        }
        perChannel[k] += v.length / channels;
      }
    }
    if (used == 0) {
      throw new IllegalArgumentException("calibration needs training examples; the training split is empty");
    }
    Map<String, float[]> gradOut = new HashMap<>();
    Map<String, float[]> taylorOut = new HashMap<>();
    Map<String, float[]> actOut = new HashMap<>();
    Map<String, float[]> zeroOut = new HashMap<>();
    Map<String, float[][]> groupOut = new HashMap<>();
    Map<String, String> activationOut = new HashMap<>();
    List<String> activation = n.activations();
    for (int k = 0; k < layers; k++) {
      String name = n.names().get(k);
      groupOut.put(name, Arrays.copyOf(groups[k], used));
      activationOut.put(name, activation.get(k));
      gradOut.put(name, scaled(grad[k], 1.0 / used));
      taylorOut.put(name, scaled(taylor[k], 1.0 / used));
      actOut.put(name, scaled(act[k], 1.0 / perChannel[k]));
      zeroOut.put(name, scaled(zeros[k], 1.0 / perChannel[k]));
    }
    return new Calibration(gradOut, taylorOut, groupOut, actOut, zeroOut, activationOut, used);
  }

  private static float[] scaled(double[] v, double factor) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] * factor);
    }
    return out;
  }

  @Override
  public ModelWeights descend(Network network, ModelWeights start, GradientStep step, TrainingSplit train, int epochs,
      int batchSize, long seed) {
    Dl4jNetwork n = (Dl4jNetwork) network;
    ModelWeights current = start;
    Batches.Epochs batches = new Batches.Epochs(train, batchSize, new Random(seed));
    for (int epoch = 1; epoch <= epochs; epoch++) {
      for (DataSet batch : batches.next()) {
        n.load(current);
        float[][] g = gradients(n, batch);
        Map<String, float[]> byName = new HashMap<>();
        for (int k = 0; k < g.length; k++) {
          byName.put(n.names().get(k), g[k]);
        }
        current = step.next(current, byName);
      }
    }
    return current;
  }
}
