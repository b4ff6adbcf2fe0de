package io.modelpress.compress.prune;

import java.util.Arrays;
import java.util.List;

/**
 * Masks from importance scores. A mask is a {@code boolean[]} over a layer's flat weights, {@code true}
 * where the weight is kept. Scores must be finite and non-negative.
 *
 * <p>Sparsity targets are exact: pruning {@code s} of {@code n} weights removes exactly
 * {@link #pruneCount(double, long) round(s·n)} weights, lowest scores first, ties broken by position
 * (layer order, then flat index), so a mask depends only on the scores.
 */
public final class Masks {

  private Masks() {}

  /** Number of weights to remove for sparsity {@code s} of {@code n}: round half up of s·n. */
  public static long pruneCount(double sparsity, long n) {
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException("'sparsity' is set to " + sparsity + " but must be in [0, 1)");
    }
    // decimal arithmetic: 0.35 × 90 is 31.5 exactly and rounds to 32 (binary floating point gives 31)
    return java.math.BigDecimal.valueOf(sparsity).multiply(java.math.BigDecimal.valueOf(n))
        .setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
  }

  /** Keeps all but the {@code round(s·n)} lowest-scoring weights of one layer. */
  public static boolean[] topK(float[] scores, double sparsity) {
    return global(List.of(scores), sparsity).get(0);
  }

  /**
   * One ranking over the concatenation of several layers' scores: exactly {@code round(s·N)} weights are
   * removed in total, N being the number of all weights.
   */
  public static List<boolean[]> global(List<float[]> scores, double sparsity) {
    long total = 0;
    for (float[] s : scores) {
      total += s.length;
    }
    long prune = pruneCount(sparsity, total);
    long[] keys = new long[Math.toIntExact(total)];
    int k = 0;
    for (float[] s : scores) {
      for (float raw : s) {
        float v = raw + 0.0f; // -0.0 → +0.0, so ties among zeros still break by position
        if (!(v >= 0) || Float.isInfinite(v)) {
          throw new IllegalArgumentException("importance score " + v + " at position " + k + " is not a finite number >= 0");
        }
        // Non-negative floats order like their bit patterns: sort by (score, position) in one long.
        keys[k] = ((long) Float.floatToIntBits(v) << 32) | k;
        k++;
      }
    }
    Arrays.sort(keys);
    boolean[] flat = new boolean[keys.length];
    Arrays.fill(flat, true);
    for (int i = 0; i < prune; i++) {
      flat[(int) (keys[i] & 0xffffffffL)] = false;
    }
    return split(flat, scores);
  }

  /** Keeps the weights whose score is strictly greater than θ. */
  public static boolean[] threshold(float[] scores, double theta) {
    boolean[] keep = new boolean[scores.length];
    for (int i = 0; i < scores.length; i++) {
      keep[i] = scores[i] > theta;
    }
    return keep;
  }

  public static int kept(boolean[] mask) {
    int n = 0;
    for (boolean b : mask) {
      if (b) {
        n++;
      }
    }
    return n;
  }

  /** Sets masked-out weights to zero; returns new weights, the input is not changed. */
  public static float[] apply(float[] weights, boolean[] keep) {
    if (weights.length != keep.length) {
      throw new IllegalArgumentException("mask of " + keep.length + " for " + weights.length + " weights");
    }
    float[] out = new float[weights.length];
    for (int i = 0; i < weights.length; i++) {
      out[i] = keep[i] ? weights[i] : 0f;
    }
    return out;
  }

  private static List<boolean[]> split(boolean[] flat, List<float[]> like) {
    boolean[][] out = new boolean[like.size()][];
    int off = 0;
    for (int i = 0; i < like.size(); i++) {
      out[i] = Arrays.copyOfRange(flat, off, off + like.get(i).length);
      off += like.get(i).length;
    }
    return List.of(out);
  }
}
