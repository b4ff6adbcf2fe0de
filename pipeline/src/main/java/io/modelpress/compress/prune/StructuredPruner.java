package io.modelpress.compress.prune;

import io.modelpress.compress.Calibration;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.PruneSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Structured pruning: removes whole output neurons of dense layers and whole filters of convolution
 * layers, {@code round(s·n)} of the n of each selected layer, lowest {@link Importance#ofNeurons score}
 * first, and returns the smaller weights: the layer loses the rows of its weights and biases, the next
 * weighted layer loses the matching inputs (one input per neuron after a dense layer, one input channel
 * after a convolution, and the channel's block of {@code H×W} flattened inputs when a dense layer follows
 * a convolution).
 *
 * <p>The smaller network computes exactly what the same network computes with the removed neurons'
 * incoming weights and biases set to zero ({@link Result#masked}), provided the activations map 0 to 0
 * (ReLU, identity, tanh) and pooling keeps a zero channel at zero: the removed neurons then output 0 and
 * their outgoing weights multiply 0.
 */
public final class StructuredPruner {

  private StructuredPruner() {}

  /**
   * @param smaller the rebuilt, smaller weights
   * @param masked the original shapes with the removed neurons' incoming weights and biases zeroed
   * @param kept per pruned layer, which output neurons stay
   * @param removedFraction removed neurons / neurons over the pruned layers
   */
  public record Result(ModelWeights smaller, ModelWeights masked, Map<String, boolean[]> kept, double removedFraction) {}

  /**
   * The layers a structured spec prunes: the selected ones, without output layers (their outputs are
   * the classes) unless the selector names one, which is an error. Checks that each keeps a neuron.
   */
  public static List<String> layers(ModelWeights model, PruneSpec spec) {
    List<String> out = new ArrayList<>();
    for (String n : spec.layers().resolve(model)) {
      LayerWeights l = model.layer(n);
      if (l.kind() == LayerKind.OUTPUT) {
        if (spec.layers().names().contains(n)) {
          throw new IllegalArgumentException("structured pruning cannot remove outputs of the output layer '" + n
              + "' (they are the classes); select dense or conv layers");
        }
        continue;
      }
      long remove = Masks.pruneCount(spec.levelFor(n), l.outChannels());
      if (remove >= l.outChannels()) {
        throw new IllegalArgumentException("structured sparsity " + spec.levelFor(n) + " would remove all "
            + l.outChannels() + " neurons of layer '" + n + "'; use a lower sparsity");
      }
      int next = model.layers().indexOf(l) + 1;
      if (next >= model.layers().size()) {
        throw new IllegalArgumentException("layer '" + n + "' has no following layer to shrink");
      }
      out.add(n);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("structured pruning selects only output layers; select dense or conv layers");
    }
    return out;
  }

  public static Result prune(ModelWeights model, PruneSpec spec, Calibration calibration) {
    if (!spec.structured()) {
      throw new IllegalArgumentException("unstructured pruning removes weights: use WeightPruner");
    }
    Map<String, boolean[]> kept = new LinkedHashMap<>();
    long removed = 0;
    long total = 0;
    for (String n : layers(model, spec)) {
      LayerWeights l = model.layer(n);
      boolean[] keep = Masks.topK(Importance.ofNeurons(l, spec.criterion(), calibration), spec.levelFor(n));
      kept.put(n, keep);
      removed += keep.length - Masks.kept(keep);
      total += keep.length;
    }
    return new Result(shrink(model, kept), zeroed(model, kept), kept, (double) removed / total);
  }

  /** Removes the neurons that {@code kept} marks false, and the matching inputs of the next layer. */
  public static ModelWeights shrink(ModelWeights model, Map<String, boolean[]> kept) {
    List<LayerWeights> layers = new ArrayList<>(model.layers());
    for (int k = 0; k < layers.size(); k++) {
      boolean[] keep = kept.get(layers.get(k).name());
      if (keep == null) {
        continue;
      }
      LayerWeights l = layers.get(k);
      layers.set(k, select(l, l.outAxis(), 1, keep));
      LayerWeights next = layers.get(k + 1);
      // the next layer's input axis: 0 for dense [nIn, nOut], 1 for convolution [out, in, kH, kW]
      int inAxis = next.kind() == LayerKind.CONV ? 1 : 0;
      int block = next.shape()[inAxis] / keep.length; // H×W inputs per channel when a dense layer follows a conv
      if (block * keep.length != next.shape()[inAxis]) {
        throw new IllegalArgumentException("layer '" + next.name() + "' has " + next.shape()[inAxis] + " inputs, not a "
            + "multiple of the " + keep.length + " outputs of '" + l.name() + "'");
      }
      layers.set(k + 1, select(next, inAxis, block, keep));
    }
    return new ModelWeights(layers);
  }

  /** The layer restricted, along {@code axis}, to the blocks of {@code block} indices whose keep flag is set. */
  private static LayerWeights select(LayerWeights l, int axis, int block, boolean[] keep) {
    int[] shape = l.shape().clone();
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= shape[d];
    }
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    int keptBlocks = Masks.kept(keep);
    shape[axis] = keptBlocks * block;
    float[] w = l.weights();
    float[] out = new float[outer * shape[axis] * inner];
    int o = 0;
    int span = block * inner;
    for (int a = 0; a < outer; a++) {
      for (int c = 0; c < keep.length; c++) {
        if (keep[c]) {
          int from = (a * keep.length + c) * span;
          System.arraycopy(w, from, out, o, span);
          o += span;
        }
      }
    }
    float[] bias = l.bias();
    if (axis == l.outAxis() && bias.length > 0) {
      bias = new float[keptBlocks];
      int b = 0;
      for (int c = 0; c < keep.length; c++) {
        if (keep[c]) {
          bias[b++] = l.bias()[c];
        }
      }
    }
    return new LayerWeights(l.name(), l.kind(), shape, l.outAxis(), l.positions(), out, bias);
  }

  /** The original shapes with the removed neurons' incoming weights and biases set to zero. */
  public static ModelWeights zeroed(ModelWeights model, Map<String, boolean[]> kept) {
    Map<String, LayerWeights> replaced = new LinkedHashMap<>();
    for (Map.Entry<String, boolean[]> e : kept.entrySet()) {
      LayerWeights l = model.layer(e.getKey());
      boolean[] keep = e.getValue();
      float[] w = l.weights().clone();
      int stride = l.channelStride();
      for (int i = 0; i < w.length; i++) {
        if (!keep[(i / stride) % keep.length]) {
          w[i] = 0f;
        }
      }
      float[] b = l.bias().clone();
      for (int c = 0; c < b.length; c++) {
        if (!keep[c]) {
          b[c] = 0f;
        }
      }
      replaced.put(l.name(), new LayerWeights(l.name(), l.kind(), l.shape(), l.outAxis(), l.positions(), w, b));
    }
    return model.with(replaced);
  }
}
