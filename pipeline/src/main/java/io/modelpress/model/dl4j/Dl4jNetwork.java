package io.modelpress.model.dl4j;

import io.modelpress.data.LabeledImages;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.model.Network;
import io.modelpress.runtime.Architecture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A DL4J {@link MultiLayerNetwork} as a {@link Network}: restore and save (ModelSerializer zips with fixed
 * entry times), weights as plain arrays in and out, predictions and logits, rebuilding with smaller layers.
 * Its layer sequence for the runtime is {@link Dl4jArchitecture}'s; training is {@link Dl4jTrainer}'s.
 */
public final class Dl4jNetwork implements Network {

  private final MultiLayerNetwork net;
  private final List<Integer> weightedLayers = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private int[] positions;

  Dl4jNetwork(MultiLayerNetwork net) {
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

  /** Restores a model saved with DL4J's ModelSerializer. */
  static Dl4jNetwork restore(byte[] zip) {
    MultiLayerNetwork net;
    try {
      net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a DL4J MultiLayerNetwork model file ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    }
    return new Dl4jNetwork(net);
  }

  /**
   * Saved bytes: a ModelSerializer zip without updater state, rewritten with fixed entry times so that
   * equal models give equal bytes (and so equal fingerprints and trial ids).
   */
  @Override
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

  /** The DL4J network (for the trainer and the students, which train networks of their own). */
  MultiLayerNetwork net() {
    return net;
  }

  /** Indices of the weighted layers in the network, in order. */
  List<Integer> weightedLayers() {
    return weightedLayers;
  }

  /** Names of the weighted layers, in order. */
  List<String> names() {
    return names;
  }

  /** Number of input features the model expects per example. */
  @Override
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
  @Override
  public int outputSize() {
    Layer last = net.getLayerWiseConfigurations().getConf(net.getnLayers() - 1).getLayer();
    if (!(last instanceof OutputLayer o)) {
      throw new IllegalArgumentException("the last layer is " + last.getClass().getSimpleName() + ", not an output layer");
    }
    return (int) o.getNOut();
  }

  @Override
  public long numParams() {
    return net.numParams();
  }

  /** The weights of every weighted layer as plain arrays (copies). */
  @Override
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
  @Override
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

  @Override
  public Inputs inputs(LabeledImages data) {
    if (data.features() != inputSize()) {
      throw new IllegalArgumentException("model input size " + inputSize() + " does not match the dataset's "
          + data.features() + " features per example");
    }
    return new Matrix(Nd4j.create(data.features(0, data.count()), new long[] {data.count(), data.features()}, 'c'));
  }

  /** The input matrix of {@link #inputs}. */
  private record Matrix(INDArray features) implements Inputs {
    @Override
    public int count() {
      return (int) features.rows();
    }
  }

  @Override
  public int[] predict(Inputs inputs, int batch) {
    Matrix in = (Matrix) inputs;
    int n = in.count();
    int[] out = new int[n];
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      INDArray x = from == 0 && to == n ? in.features : in.features.get(
          NDArrayIndex.interval(from, to), NDArrayIndex.all());
      INDArray probs = net.output(x, false);
      int[] p = Nd4j.argMax(probs, 1).toIntVector();
      System.arraycopy(p, 0, out, from, p.length);
    }
    return out;
  }

  /** The activation of every weighted layer: relu, identity, tanh, sigmoid, softmax, ... (lower case). */
  @Override
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

  @Override
  public Architecture architecture() {
    return Dl4jArchitecture.of(net, weightedLayers, activations(), inputSize());
  }

  /** A layer's name, or layer<i> when it has none. */
  static String nameOf(Layer l, int i) {
    String n = l.getLayerName();
    return n == null || n.isEmpty() || n.equals(String.valueOf(i)) ? "layer" + i : n;
  }

  @Override
  public float[] outputs(Inputs inputs, int batch) {
    Matrix in = (Matrix) inputs;
    int n = in.count();
    int classes = outputSize();
    float[] out = new float[n * classes];
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      INDArray x = from == 0 && to == n ? in.features : in.features.get(
          NDArrayIndex.interval(from, to), NDArrayIndex.all());
      float[] p = net.output(x, false).dup('c').data().asFloat();
      System.arraycopy(p, 0, out, from * classes, p.length);
    }
    return out;
  }

  /**
   * A new network of this architecture with the layer sizes of {@code w} (fewer neurons or filters after
   * structured pruning), holding {@code w}. Layer names and order must match; the input preprocessor
   * that flattens a convolution output follows the new channel count.
   */
  @Override
  public Dl4jNetwork rebuilt(ModelWeights w) {
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
      if (conf.getInputPreProcess(i) instanceof CnnToFeedForwardPreProcessor p) {
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
    Dl4jNetwork out = new Dl4jNetwork(smaller);
    out.load(w);
    return out;
  }

  /**
   * The input of the output layer times its weights plus its bias, so any temperature can be applied
   * later without loss.
   */
  @Override
  public float[] logits(LabeledImages data, int from, int to, int batch) {
    int last = net.getnLayers() - 1;
    INDArray w = net.getLayer(last).getParam("W");
    INDArray b = net.getLayer(last).getParam("b");
    int classes = outputSize();
    if (data.features() != inputSize()) {
      throw new IllegalArgumentException("the teacher takes " + inputSize() + " input features but the "
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
