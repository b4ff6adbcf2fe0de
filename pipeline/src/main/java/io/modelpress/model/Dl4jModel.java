package io.modelpress.model;

import io.modelpress.data.LabeledImages;
import io.modelpress.runtime.Architecture;
import io.modelpress.spec.TrainSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one door to DeepLearning4J: restore and save models, read and write their weights as
 * {@link ModelWeights}, predict, train. Nothing outside {@code io.modelpress.model} sees a DL4J type.
 * An instance is not thread-safe: use one per task.
 */
public final class Dl4jModel {

  private final MultiLayerNetwork net;
  private final List<Integer> weightedLayers = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private int[] positions;

  Dl4jModel(MultiLayerNetwork net) {
    this.net = net;
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    for (int i = 0; i < net.getnLayers(); i++) {
      Layer l = conf.getConf(i).getLayer();
      if (net.getLayer(i).numParams() == 0) {
        continue;
      }
      boolean supported = l instanceof org.deeplearning4j.nn.conf.layers.DenseLayer || l instanceof ConvolutionLayer
          || l instanceof OutputLayer;
      if (!supported || net.getLayer(i).getParam("W") == null) {
        throw new IllegalArgumentException("layer " + i + " (" + l.getClass().getSimpleName() + ") is not supported: "
            + "modelpress compresses models made of dense, convolution, subsampling and output layers");
      }
      weightedLayers.add(i);
      names.add(nameOf(l, i));
    }
    if (weightedLayers.isEmpty()) {
      throw new IllegalArgumentException("model has no dense, convolution or output layer");
    }
  }

  /**
   * Threads for ND4J's own loops and for OpenBLAS in this JVM: launchers start jobs with
   * OMP_NUM_THREADS=1 (one per Spark task), which OpenBLAS reads once at start, so code that wants every
   * core in one thread (a single-JVM baseline) must raise both.
   */
  public static void threads(int n) {
    org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(n);
    org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(n);
  }

  /** Restores a model saved with DL4J's ModelSerializer. */
  public static Dl4jModel restore(byte[] zip) {
    MultiLayerNetwork net;
    try {
      net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a DL4J MultiLayerNetwork model file ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    }
    return new Dl4jModel(net);
  }

  /**
   * Saved bytes: a ModelSerializer zip without updater state, rewritten with fixed entry times so that
   * equal models give equal bytes (and so equal fingerprints and trial ids).
   */
  public byte[] save() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(net, out, false);
      return normalizeZip(out.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] normalizeZip(byte[] zip) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(zip.length);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
        ZipOutputStream z = new ZipOutputStream(out)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(0L);
        z.putNextEntry(copy);
        in.transferTo(z);
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** The DL4J network (for {@link Students}, which trains networks of its own). */
  MultiLayerNetwork net() {
    return net;
  }

  /** Number of input features the model expects per example. */
  public int inputSize() {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    InputPreProcessor pre = conf.getInputPreProcess(0);
    if (pre instanceof FeedForwardToCnnPreProcessor p) {
      return (int) (p.getInputHeight() * p.getInputWidth() * p.getNumChannels());
    }
    if (!(conf.getConf(0).getLayer() instanceof FeedForwardLayer first)) {
      throw new IllegalArgumentException("the first layer is " + conf.getConf(0).getLayer().getClass().getSimpleName()
          + "; modelpress needs a dense or convolution input layer");
    }
    return (int) first.getNIn();
  }

  /** Number of classes of the output layer. */
  public int outputSize() {
    Layer last = net.getLayerWiseConfigurations().getConf(net.getnLayers() - 1).getLayer();
    if (!(last instanceof OutputLayer o)) {
      throw new IllegalArgumentException("the last layer is " + last.getClass().getSimpleName() + ", not an output layer");
    }
    return (int) o.getNOut();
  }

  public long numParams() {
    return net.numParams();
  }

  /** The weights of every weighted layer as plain arrays (copies). */
  public ModelWeights weights() {
    int[] pos = positions();
    List<LayerWeights> out = new ArrayList<>();
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    for (int k = 0; k < weightedLayers.size(); k++) {
      int i = weightedLayers.get(k);
      Layer l = conf.getConf(i).getLayer();
      INDArray w = net.getLayer(i).getParam("W");
      INDArray b = net.getLayer(i).getParam("b");
      long[] shape = w.shape();
      int[] s = new int[shape.length];
      for (int d = 0; d < s.length; d++) {
        s[d] = Math.toIntExact(shape[d]);
      }
      LayerKind kind = l instanceof ConvolutionLayer ? LayerKind.CONV
          : l instanceof OutputLayer ? LayerKind.OUTPUT : LayerKind.DENSE;
      int outAxis = kind == LayerKind.CONV ? 0 : 1;
      float[] weights = w.dup('c').data().asFloat();
      float[] bias = b == null ? new float[0] : b.dup('c').data().asFloat();
      for (float v : weights) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("layer '" + names.get(k) + "' has a non-finite weight (" + v
              + "); the model file is damaged or training diverged");
        }
      }
      out.add(new LayerWeights(names.get(k), kind, s, outAxis, pos[k], weights, bias));
    }
    return new ModelWeights(out);
  }

  /** Writes {@code w} into this model's parameters (shapes must match). */
  public void load(ModelWeights w) {
    if (w.layers().size() != weightedLayers.size()) {
      throw new IllegalArgumentException("weights for " + w.layers().size() + " layers, model has " + weightedLayers.size());
    }
    for (int k = 0; k < weightedLayers.size(); k++) {
      LayerWeights lw = w.layers().get(k);
      int i = weightedLayers.get(k);
      long[] shape = new long[lw.shape().length];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = lw.shape()[d];
      }
      net.getLayer(i).setParam("W", Nd4j.create(lw.weights(), shape, 'c'));
      if (lw.bias().length > 0) {
        net.getLayer(i).setParam("b", Nd4j.create(lw.bias(), new long[] {1, lw.bias().length}, 'c'));
      }
    }
  }

  /** A reusable input matrix for predictions on {@code data} (build once, predict many times). */
  public Inputs inputs(LabeledImages data) {
    if (data.features() != inputSize()) {
      throw new IllegalArgumentException("model input size " + inputSize() + " does not match the dataset's "
          + data.features() + " features per example");
    }
    return new Inputs(Nd4j.create(data.features(0, data.count()), new long[] {data.count(), data.features()}, 'c'));
  }

  /** Predictions prepared by {@link #inputs}: an opaque holder of the input matrix. */
  public static final class Inputs {
    private final INDArray features;

    private Inputs(INDArray features) {
      this.features = features;
    }

    public int count() {
      return (int) features.rows();
    }
  }

  /** Top-1 class of every example, evaluated in batches of {@code batch}. */
  public int[] predict(Inputs in, int batch) {
    int n = in.count();
    int[] out = new int[n];
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      INDArray x = from == 0 && to == n ? in.features : in.features.get(
          org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all());
      INDArray probs = net.output(x, false);
      int[] p = Nd4j.argMax(probs, 1).toIntVector();
      System.arraycopy(p, 0, out, from, p.length);
    }
    return out;
  }

  /** The activation of every weighted layer: relu, identity, tanh, sigmoid, softmax, ... (lower case). */
  public List<String> activations() {
    List<String> out = new ArrayList<>();
    for (int i : weightedLayers) {
      Layer l = net.getLayerWiseConfigurations().getConf(i).getLayer();
      String a = l instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b && b.getActivationFn() != null
          ? b.getActivationFn().getClass().getSimpleName().replaceFirst("^Activation", "").toLowerCase(java.util.Locale.ROOT)
          : "identity";
      out.add(a);
    }
    return out;
  }

  /**
   * The layer sequence for the pure-Java runtime: input shape, weighted layers with their activation and
   * convolution geometry, pooling layers. Refuses, in one line naming the layer and the setting, what the
   * runtime cannot execute: layer types other than dense, output, 2-D convolution and max/average
   * subsampling; dilation; channels-last (NHWC) data; causal convolution; preprocessors other than the
   * input reshape and the NCHW flatten before a dense layer.
   */
  public Architecture architecture() {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    List<Architecture.Op> ops = new ArrayList<>();
    List<String> act = activations();
    int k = 0;
    for (int i = 0; i < net.getnLayers(); i++) {
      Layer l = conf.getConf(i).getLayer();
      String layer = "layer '" + nameOf(l, i) + "'";
      InputPreProcessor pre = conf.getInputPreProcess(i);
      if (pre instanceof CnnToFeedForwardPreProcessor p && p.getFormat() != CNN2DFormat.NCHW) {
        throw new IllegalArgumentException(layer + " flattens " + p.getFormat() + " activations; the runtime "
            + "executes channels-first (NCHW) models only");
      }
      if (pre != null && !(pre instanceof CnnToFeedForwardPreProcessor) && !(i == 0
          && pre instanceof FeedForwardToCnnPreProcessor)) {
        throw new IllegalArgumentException(layer + " has the input preprocessor " + pre.getClass().getSimpleName()
            + ", which the runtime does not execute");
      }
      if (l.getClass() == ConvolutionLayer.class) {
        ConvolutionLayer c = (ConvolutionLayer) l;
        imageLayer(layer, c.getDilation(), c.getCnn2dDataFormat(), c.getConvolutionMode());
        ops.add(new Architecture.Conv(act.get(k++), c.getStride()[0], c.getStride()[1], c.getPadding()[0],
            c.getPadding()[1], c.getConvolutionMode() == ConvolutionMode.Same));
      } else if (l.getClass() == SubsamplingLayer.class) {
        SubsamplingLayer s = (SubsamplingLayer) l;
        imageLayer(layer, s.getDilation(), s.getCnn2dDataFormat(), s.getConvolutionMode());
        boolean max = s.getPoolingType() == PoolingType.MAX;
        if (!max && s.getPoolingType() != PoolingType.AVG) {
          throw new IllegalArgumentException(layer + " pools with " + s.getPoolingType() + "; the runtime executes max "
              + "and average pooling only");
        }
        // the flag picks avgpool2d's divisor (SubsamplingLayer.activate): true counts the padding cells, false
        // only the cells inside the image (RuntimeAgreementTest checks both against DL4J)
        ops.add(new Architecture.Pool(max, s.getKernelSize()[0], s.getKernelSize()[1], s.getStride()[0],
            s.getStride()[1], s.getPadding()[0], s.getPadding()[1], s.getConvolutionMode() == ConvolutionMode.Same,
            s.isAvgPoolIncludePadInDivisor()));
      } else if (weightedLayers.contains(i) && !(l instanceof ConvolutionLayer)) {
        if (l instanceof org.deeplearning4j.nn.conf.layers.DenseLayer d && d.hasLayerNorm()) {
          throw new IllegalArgumentException(layer + " has layer normalisation, which the runtime does not execute");
        }
        ops.add(new Architecture.Dense(act.get(k++)));
      } else {
        throw new IllegalArgumentException(layer + " is a " + l.getClass().getSimpleName() + ", which the runtime "
            + "does not execute");
      }
    }
    if (conf.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor p) {
      return new Architecture((int) p.getNumChannels(), (int) p.getInputHeight(), (int) p.getInputWidth(), ops);
    }
    return new Architecture(1, 1, inputSize(), ops);
  }

  /** Refuses the settings of a convolution or subsampling layer that the runtime does not execute. */
  private static void imageLayer(String layer, int[] dilation, CNN2DFormat format, ConvolutionMode mode) {
    if (dilation[0] != 1 || dilation[1] != 1) {
      throw new IllegalArgumentException(layer + " has dilation " + dilation[0] + "×" + dilation[1] + "; the runtime "
          + "executes undilated windows only");
    }
    if (format != CNN2DFormat.NCHW) {
      throw new IllegalArgumentException(layer + " has data format " + format + "; the runtime executes "
          + "channels-first (NCHW) models only");
    }
    if (mode == ConvolutionMode.Causal) {
      throw new IllegalArgumentException(layer + " has convolution mode Causal; the runtime executes Truncate, Strict "
          + "and Same");
    }
  }

  /** A layer's name, or layer<i> when it has none. */
  private static String nameOf(Layer l, int i) {
    String n = l.getLayerName();
    return n == null || n.isEmpty() || n.equals(String.valueOf(i)) ? "layer" + i : n;
  }

  /** Class probabilities of every example, row-major [examples × classes]. */
  public float[] outputs(Inputs in) {
    return outputs(in, in.count());
  }

  /** Class probabilities of every example, row-major [examples × classes], in batches of {@code batch}. */
  public float[] outputs(Inputs in, int batch) {
    int n = in.count();
    int classes = outputSize();
    float[] out = new float[n * classes];
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      INDArray x = from == 0 && to == n ? in.features : in.features.get(
          org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all());
      float[] p = net.output(x, false).dup('c').data().asFloat();
      System.arraycopy(p, 0, out, from * classes, p.length);
    }
    return out;
  }

  /** A zoo architecture with freshly initialised (untrained) weights for 28×28 inputs and 10 classes. */
  public static Dl4jModel initialised(String zoo, long seed) {
    MultiLayerNetwork net = new MultiLayerNetwork(Zoo.config(zoo, seed, 1e-3, 28, 28, 10));
    net.init();
    return new Dl4jModel(net);
  }

  /**
   * Trains a zoo architecture with Adam on {@code train}, shuffling with the spec's seed every epoch.
   *
   * @param listener called after each epoch with (epoch, seconds)
   */
  public static Dl4jModel train(String zoo, TrainSpec spec, LabeledImages train, EpochListener listener) {
    MultiLayerNetwork net = new MultiLayerNetwork(
        Zoo.config(zoo, spec.seed(), spec.learningRate(), train.rows(), train.cols(), 10));
    net.init();
    Random rnd = new Random(spec.seed());
    int[] order = identity(train.count());
    for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
      long t0 = System.nanoTime();
      List<DataSet> batches = batches(train, spec.batchSize(), rnd, order);
      // batch size 1 per list element: the batches are already formed
      net.fit(new ListDataSetIterator<>(batches, 1));
      listener.epochDone(epoch, (System.nanoTime() - t0) / 1e9);
    }
    return new Dl4jModel(net);
  }

  /** Decides the masks while fine-tuning. */
  @FunctionalInterface
  public interface MaskSchedule {
    /**
     * Called before the first update (iteration 0) and after every update; returns the masks to enforce
     * from now on, or null to keep the current ones. {@code current} is the network being trained (read
     * its weights, or calibrate it); it must not be trained by the schedule.
     */
    Map<String, boolean[]> masksAt(long iteration, Dl4jModel current);
  }

  /** Fine-tuned weights and the masks in force at the end. */
  public record Tuned(ModelWeights weights, Map<String, boolean[]> masks) {}

  /**
   * Trains a copy of this network, starting from {@code start}, with Adam at {@code learningRate}, and
   * multiplies every masked layer's weights by its mask after each update, so masked weights are exactly
   * zero whenever the weights are read. This model is not changed. Deterministic for a seed.
   */
  public Tuned fineTune(ModelWeights start, MaskSchedule schedule, LabeledImages train, int epochs, double learningRate,
      int batchSize, long seed) {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
    // a saved model remembers its iteration count; Adam's bias correction must start again at step 1
    conf.setIterationCount(0);
    conf.setEpochCount(0);
    MultiLayerNetwork ft = new MultiLayerNetwork(conf);
    ft.init();
    Dl4jModel tuned = new Dl4jModel(ft);
    tuned.load(start);
    ft.setLearningRate(learningRate);
    Map<String, boolean[]> masks = schedule.masksAt(0, tuned);
    masks = masks == null ? Map.of() : masks;
    Map<Integer, INDArray> maskArrays = tuned.maskArrays(masks);
    tuned.applyMasks(maskArrays);
    Random rnd = new Random(seed);
    int[] order = identity(train.count());
    long t = 0;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      for (DataSet batch : batches(train, batchSize, rnd, order)) {
        ft.fit(batch);
        t++;
        Map<String, boolean[]> next = schedule.masksAt(t, tuned);
        if (next != null) {
          masks = next;
          maskArrays = tuned.maskArrays(masks);
        }
        tuned.applyMasks(maskArrays);
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

  private Map<Integer, INDArray> maskArrays(Map<String, boolean[]> masks) {
    Map<Integer, INDArray> out = new java.util.HashMap<>();
    for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
      int k = names.indexOf(e.getKey());
      if (k < 0) {
        throw new IllegalArgumentException("mask for unknown layer '" + e.getKey() + "'");
      }
      INDArray w = net.getLayer(weightedLayers.get(k)).getParam("W");
      boolean[] m = e.getValue();
      float[] f = new float[m.length];
      for (int i = 0; i < m.length; i++) {
        f[i] = m[i] ? 1f : 0f;
      }
      out.put(weightedLayers.get(k), Nd4j.create(f, w.shape(), 'c'));
    }
    return out;
  }

  private void applyMasks(Map<Integer, INDArray> maskArrays) {
    for (Map.Entry<Integer, INDArray> e : maskArrays.entrySet()) {
      net.getLayer(e.getKey()).getParam("W").muli(e.getValue());
    }
  }

  /** The identity order 0..n−1, shuffled in place by {@link #batches} epoch after epoch. */
  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  /** One epoch of shuffled mini-batches of {@code data} (one-hot labels, pixels scaled to [0, 1]). */
  private static List<DataSet> batches(LabeledImages data, int batchSize, Random rnd, int[] order) {
    int n = data.count();
    // Fisher–Yates on the previous epoch's order (so every epoch continues the same random sequence)
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    List<DataSet> batches = new ArrayList<>();
    for (int from = 0; from < n; from += batchSize) {
      batches.add(slice(data, order, from, Math.min(n, from + batchSize)));
    }
    return batches;
  }

  /** Examples {@code order[from..to)} as one DataSet (one-hot labels, pixels scaled to [0, 1]). */
  private static DataSet slice(LabeledImages data, int[] order, int from, int to) {
    int f = data.features();
    float[] x = new float[(to - from) * f];
    float[] y = new float[(to - from) * 10];
    for (int r = 0; r < to - from; r++) {
      int e = order[from + r];
      for (int c = 0; c < f; c++) {
        x[r * f + c] = (data.pixels()[e * f + c] & 0xff) / 255f;
      }
      y[r * 10 + data.labels()[e]] = 1f;
    }
    return new DataSet(Nd4j.create(x, new long[] {to - from, f}, 'c'), Nd4j.create(y, new long[] {to - from, 10}, 'c'));
  }

  /**
   * The gradient of the batch-mean loss for every weighted layer's W at the loaded weights (flat, "c"
   * order). DL4J's computeGradientAndScore gives the gradient summed over the batch (its updater divides
   * inside fit), so it is divided by the batch size here.
   */
  private float[][] gradients(DataSet batch) {
    net.setInput(batch.getFeatures());
    net.setLabels(batch.getLabels());
    net.computeGradientAndScore();
    org.deeplearning4j.nn.gradient.Gradient g = net.gradient();
    float[][] out = new float[weightedLayers.size()][];
    float n = batch.numExamples();
    for (int k = 0; k < out.length; k++) {
      out[k] = g.getGradientFor(weightedLayers.get(k) + "_W").dup('c').data().asFloat();
      for (int i = 0; i < out[k].length; i++) {
        out[k][i] /= n;
      }
    }
    net.clear();
    return out;
  }

  /**
   * Importance statistics at weights {@code at} over the first {@code batches × batchSize} examples of
   * {@code data}, in file order (so every trial of a sweep calibrates on the same examples). Loads
   * {@code at} into this model.
   */
  public Calibration calibrate(ModelWeights at, LabeledImages data, int batches, int batchSize) {
    load(at);
    int n = Math.min(data.count(), batches * batchSize);
    int[] order = identity(data.count());
    int layers = weightedLayers.size();
    double[][] grad = new double[layers][];
    double[][] taylor = new double[layers][];
    double[][] act = new double[layers][];
    double[][] zeros = new double[layers][];
    long[] perChannel = new long[layers];
    int used = 0;
    for (int from = 0; from < n; from += batchSize, used++) {
      DataSet b = slice(data, order, from, Math.min(n, from + batchSize));
      float[][] g = gradients(b);
      for (int k = 0; k < layers; k++) {
        float[] w = at.layers().get(k).weights();
        if (grad[k] == null) {
          grad[k] = new double[g[k].length];
          taylor[k] = new double[g[k].length];
        }
        for (int i = 0; i < w.length; i++) {
          grad[k][i] += Math.abs(g[k][i]);
          taylor[k][i] += Math.abs(w[i] * g[k][i]);
        }
      }
      List<INDArray> acts = net.feedForward(b.getFeatures(), false);
      for (int k = 0; k < layers; k++) {
        INDArray a = acts.get(weightedLayers.get(k) + 1);
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
    Map<String, float[]> gradOut = new java.util.HashMap<>();
    Map<String, float[]> taylorOut = new java.util.HashMap<>();
    Map<String, float[]> actOut = new java.util.HashMap<>();
    Map<String, float[]> zeroOut = new java.util.HashMap<>();
    for (int k = 0; k < layers; k++) {
      gradOut.put(names.get(k), scaled(grad[k], 1.0 / used));
      taylorOut.put(names.get(k), scaled(taylor[k], 1.0 / used));
      actOut.put(names.get(k), scaled(act[k], 1.0 / perChannel[k]));
      zeroOut.put(names.get(k), scaled(zeros[k], 1.0 / perChannel[k]));
    }
    return new Calibration(gradOut, taylorOut, actOut, zeroOut, used);
  }

  private static float[] scaled(double[] v, double factor) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] * factor);
    }
    return out;
  }

  /**
   * Gradient descent driven by {@code step}: for each shuffled mini-batch, load the current weights,
   * compute ∂L/∂W, let {@code step} produce the next weights. Used for quantization-aware training and
   * codebook fine-tuning, whose updates are not plain weight updates. Loads weights into this model.
   * Deterministic for a seed.
   */
  public ModelWeights descend(ModelWeights start, GradientStep step, LabeledImages train, int epochs, int batchSize,
      long seed) {
    ModelWeights current = start;
    Random rnd = new Random(seed);
    int[] order = identity(train.count());
    for (int epoch = 1; epoch <= epochs; epoch++) {
      for (DataSet batch : batches(train, batchSize, rnd, order)) {
        load(current);
        float[][] g = gradients(batch);
        Map<String, float[]> byName = new java.util.HashMap<>();
        for (int k = 0; k < g.length; k++) {
          byName.put(names.get(k), g[k]);
        }
        current = step.next(current, byName);
      }
    }
    return current;
  }

  /**
   * A new network of this architecture with the layer sizes of {@code w} (fewer neurons or filters after
   * structured pruning), holding {@code w}. Layer names and order must match; the input preprocessor
   * that flattens a convolution output follows the new channel count.
   */
  public Dl4jModel rebuilt(ModelWeights w) {
    if (!w.names().equals(names)) {
      throw new IllegalArgumentException("weights for layers " + w.names() + " but the model has " + names);
    }
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
    conf.setIterationCount(0);
    conf.setEpochCount(0);
    long channels = -1;
    for (int i = 0; i < net.getnLayers(); i++) {
      Layer l = conf.getConf(i).getLayer();
      int k = weightedLayers.indexOf(i);
      if (conf.getInputPreProcess(i) instanceof org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor p) {
        if (p.getFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW) {
          throw new IllegalArgumentException("layer " + i + " flattens " + p.getFormat() + " activations; structured "
              + "pruning supports channels-first (NCHW) models only");
        }
        if (channels > 0) {
          p.setNumChannels(channels);
        }
      }
      if (k < 0) {
        continue;
      }
      int[] shape = w.layers().get(k).shape();
      FeedForwardLayer f = (FeedForwardLayer) l;
      if (l instanceof ConvolutionLayer) {
        f.setNOut(shape[0]);
        f.setNIn(shape[1]);
        channels = shape[0];
      } else {
        f.setNIn(shape[0]);
        f.setNOut(shape[1]);
      }
    }
    MultiLayerNetwork smaller = new MultiLayerNetwork(conf);
    smaller.init();
    Dl4jModel out = new Dl4jModel(smaller);
    out.load(w);
    return out;
  }

  /** Progress of {@link #train}. */
  @FunctionalInterface
  public interface EpochListener {
    void epochDone(int epoch, double seconds);
  }

  /** Output positions per weight of each weighted layer: 1 for dense, H×W of the output for convolution. */
  private int[] positions() {
    if (positions != null) {
      return positions;
    }
    int[] pos = new int[weightedLayers.size()];
    INDArray probe = Nd4j.zeros(1, inputSize());
    List<INDArray> acts = net.feedForward(probe, false);
    for (int k = 0; k < weightedLayers.size(); k++) {
      INDArray a = acts.get(weightedLayers.get(k) + 1);
      pos[k] = a.rank() == 4 ? (int) (a.size(2) * a.size(3)) : 1;
    }
    positions = pos;
    return pos;
  }
}
