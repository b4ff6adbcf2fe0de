package io.modelpress.compress.prune;

/**
 * Automated gradual pruning (Zhu &amp; Gupta 2017, "To prune, or not to prune", eq. 1): over n pruning
 * steps Δt apart starting at t0, the sparsity is s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³, so it
 * rises fast while many redundant weights remain and slowly as the target nears. Pure arithmetic.
 */
public record AgpSchedule(double initial, double target, long start, long interval, int steps) {

  public AgpSchedule {
    if (!(initial >= 0 && initial <= target && target < 1)) {
      throw new IllegalArgumentException("AGP needs 0 <= initial <= target < 1, got " + initial + " → " + target);
    }
    if (start < 0 || interval < 1 || steps < 1) {
      throw new IllegalArgumentException("AGP needs start >= 0, interval >= 1, steps >= 1");
    }
  }

  /** The sparsity at training iteration {@code t}. */
  public double sparsityAt(long t) {
    if (t <= start) {
      return initial;
    }
    double progress = Math.min(1.0, (double) (t - start) / ((double) steps * interval));
    if (progress == 1.0) {
      return target;
    }
    return target + (initial - target) * Math.pow(1 - progress, 3);
  }

  /** Whether iteration {@code t} is one of the n + 1 pruning points start, start + Δt, ..., start + nΔt. */
  public boolean prunesAt(long t) {
    return t >= start && t <= start + (long) steps * interval && (t - start) % interval == 0;
  }
}
