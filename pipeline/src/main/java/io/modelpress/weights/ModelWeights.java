package io.modelpress.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** All weighted layers of a model, in forward order, as plain arrays. Never holds DL4J types. */
public record ModelWeights(List<LayerWeights> layers) implements java.io.Serializable {

  public ModelWeights {
    layers = List.copyOf(layers);
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (LayerWeights l : layers) {
      if (seen.put(l.name(), Boolean.TRUE) != null) {
        throw new IllegalArgumentException("duplicate layer name '" + l.name() + "'");
      }
    }
  }

  public List<String> names() {
    return layers.stream().map(LayerWeights::name).toList();
  }

  public LayerWeights layer(String name) {
    for (LayerWeights l : layers) {
      if (l.name().equals(name)) {
        return l;
      }
    }
    throw new IllegalArgumentException("unknown layer '" + name + "'; layers: " + names());
  }

  /** A copy in which the layers named in {@code replaced} are swapped for the given ones. */
  public ModelWeights with(Map<String, LayerWeights> replaced) {
    List<LayerWeights> out = new ArrayList<>(layers.size());
    for (LayerWeights l : layers) {
      out.add(replaced.getOrDefault(l.name(), l));
    }
    return new ModelWeights(out);
  }

  /** Weights plus biases. */
  public long params() {
    long p = 0;
    for (LayerWeights l : layers) {
      p += l.size() + l.bias().length;
    }
    return p;
  }

  /** Non-zero weights plus biases (biases are never pruned). */
  public long nonZeroParams() {
    long p = 0;
    for (LayerWeights l : layers) {
      p += l.nonZeros() + l.bias().length;
    }
    return p;
  }

  /** Multiply-accumulates per example of the dense computation. */
  public long macs() {
    long m = 0;
    for (LayerWeights l : layers) {
      m += (long) l.size() * l.positions();
    }
    return m;
  }

  /** Multiply-accumulates per example that touch a non-zero weight (what a sparse kernel executes). */
  public long effectiveMacs() {
    long m = 0;
    for (LayerWeights l : layers) {
      m += (long) l.nonZeros() * l.positions();
    }
    return m;
  }
}
