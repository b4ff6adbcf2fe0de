package io.modelpress.spec;

/**
 * The {@code nightly:} block of a config, read by {@code modelpress nightly} only: how much worse than the
 * previous night a run may be before the job exits with the regression code. Accuracies are fractions
 * (0.005 = half a point); the hypervolume drop is relative to the previous night's.
 *
 * @param maxBestAccuracyDrop the most accurate successful trial of the night
 * @param maxHypervolumeDrop the run's hypervolume (relative to its base), as a fraction of last night's
 * @param maxTrialAccuracyDrop any trial spec evaluated on both nights
 */
public record NightlySpec(double maxBestAccuracyDrop, double maxHypervolumeDrop, double maxTrialAccuracyDrop) {


  public NightlySpec {
    check("max-best-accuracy-drop", maxBestAccuracyDrop);
    check("max-hypervolume-drop", maxHypervolumeDrop);
    check("max-trial-accuracy-drop", maxTrialAccuracyDrop);
  }

  private static void check(String key, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw new SpecException(key, "is set to " + v + " but must be in [0, 1] (a fraction: 0.005 is half a point of "
          + "accuracy)");
    }
  }
}
