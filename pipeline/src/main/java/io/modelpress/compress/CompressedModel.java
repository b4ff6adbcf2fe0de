package io.modelpress.compress;

import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.ModelWeights;
import java.util.Map;
import java.util.Objects;

/**
 * The result of applying a trial to a model: the weights that are evaluated, how each layer's values
 * are coded in the artifact (layers without an entry are fp32), and the sparsity the pruning step
 * reached over the layers it selected (NaN when the trial does not prune).
 */
public record CompressedModel(ModelWeights weights, Map<String, ValueCoding> codings, double prunedSparsity)
    implements java.io.Serializable {

  public CompressedModel {
    Objects.requireNonNull(weights, "weights");
    codings = Map.copyOf(codings);
  }

  public ValueCoding coding(String layer) {
    return codings.getOrDefault(layer, new ValueCoding.Fp32());
  }
}
