package io.modelpress.compress.quant;

import io.modelpress.weights.LayerWeights;
import java.util.Arrays;

/**
 * Weight sharing by one-dimensional k-means per layer (Han et al. 2016, "Deep Compression", §3):
 * centroids initialised linearly over [min, max] of the layer's non-zero weights (the initialisation the
 * paper found best), then Lloyd iterations until no assignment changes. With {@code bits} b a layer
 * holds at most 2^b distinct values: when it has zero (pruned) weights, one entry is the exact 0 (it is
 * never moved, so pruned weights stay pruned) and 2^b − 1 centroids share the non-zero weights;
 * otherwise all 2^b entries are centroids.
 */
public final class KMeansQuantizer {

  /** Lloyd iterations at most; 1-D k-means on a sorted array converges in far fewer. */
  public static final int MAX_ITERATIONS = 100;

  private KMeansQuantizer() {}

  public static ValueCoding.Codebook quantize(LayerWeights layer, int bits) {
    if (bits < 1 || bits > 8) {
      throw new IllegalArgumentException("k-means bits must be in 1..8, got " + bits);
    }
    float[] w = layer.weights();
    int zeros = 0;
    for (float v : w) {
      if (v == 0f) {
        zeros++;
      }
    }
    int nonZero = w.length - zeros;
    if (w.length < (1 << bits)) {
      throw new IllegalArgumentException("layer '" + layer.name() + "' has " + w.length + " weights, fewer than the "
          + (1 << bits) + " centroids of " + bits + "-bit k-means; use fewer bits");
    }
    float[] values = new float[nonZero];
    int j = 0;
    for (float v : w) {
      if (v != 0f) {
        values[j++] = v;
      }
    }
    Arrays.sort(values);
    int distinct = 0;
    for (int i = 0; i < values.length; i++) {
      if (i == 0 || values[i] != values[i - 1]) {
        distinct++;
      }
    }
    // after heavy pruning a layer may keep fewer distinct values than centroids: then each keeps its own
    int k = Math.min((1 << bits) - (zeros > 0 ? 1 : 0), distinct);
    float[] centroids;
    if (distinct <= k) { // every distinct value is its own centroid: lossless
      centroids = new float[distinct];
      int c = 0;
      for (int i = 0; i < values.length; i++) {
        if (i == 0 || values[i] != values[i - 1]) {
          centroids[c++] = values[i];
        }
      }
    } else {
      centroids = lloyd(values, k);
    }
    // the codebook: [0 (if the layer has zeros), centroids ascending]
    int offset = zeros > 0 ? 1 : 0;
    float[] book = new float[centroids.length + offset];
    System.arraycopy(centroids, 0, book, offset, centroids.length);
    int[] codes = new int[w.length];
    for (int i = 0; i < w.length; i++) {
      codes[i] = w[i] == 0f ? 0 : offset + nearest(centroids, w[i]);
    }
    return new ValueCoding.Codebook(bits, book, codes);
  }

  /** Centroids (ascending) of sorted {@code values}, linear initialisation. */
  static float[] lloyd(float[] values, int k) {
    double min = values[0];
    double max = values[values.length - 1];
    double[] c = new double[k];
    for (int i = 0; i < k; i++) {
      c[i] = k == 1 ? (min + max) / 2 : min + (max - min) * i / (k - 1);
    }
    // prefix sums make each cluster's mean O(1) once its boundaries are known (values are sorted)
    double[] prefix = new double[values.length + 1];
    for (int i = 0; i < values.length; i++) {
      prefix[i + 1] = prefix[i] + values[i];
    }
    int[] bounds = new int[k + 1];
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      // cluster i holds values[bounds[i] .. bounds[i+1]) : boundaries at the midpoints between centroids
      bounds[0] = 0;
      bounds[k] = values.length;
      for (int i = 1; i < k; i++) {
        float mid = (float) ((c[i - 1] + c[i]) / 2);
        bounds[i] = Math.max(bounds[i - 1], lowerBound(values, mid));
      }
      boolean moved = false;
      for (int i = 0; i < k; i++) {
        int n = bounds[i + 1] - bounds[i];
        if (n > 0) {
          double mean = (prefix[bounds[i + 1]] - prefix[bounds[i]]) / n;
          if (mean != c[i]) {
            c[i] = mean;
            moved = true;
          }
        }
      }
      Arrays.sort(c);
      if (!moved) {
        break;
      }
    }
    float[] out = new float[k];
    for (int i = 0; i < k; i++) {
      out[i] = (float) c[i];
    }
    return out;
  }

  /** Index of the centroid nearest to {@code v} (ties to the lower one). */
  static int nearest(float[] centroids, float v) {
    int lo = 0;
    int hi = centroids.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (v > (centroids[mid] + centroids[mid + 1]) / 2) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int lowerBound(float[] sorted, float key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The shared weights of a codebook coding. */
  public static float[] dequantize(ValueCoding.Codebook q) {
    float[] out = new float[q.codes().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = q.codebook()[q.codes()[i]];
    }
    return out;
  }
}
