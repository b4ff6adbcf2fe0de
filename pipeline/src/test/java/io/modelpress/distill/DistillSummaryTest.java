package io.modelpress.distill;

import io.modelpress.sweep.DistillSummary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.plan.PlannedTrial;
import io.modelpress.spec.DistillSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistillSummaryTest {

  static int index;

  static TrialResult student(String student, double t, double alpha, int seed, int errors) {
    DistillSpec d = new DistillSpec(student, t, alpha, 2, 1e-3, 128, seed, DistillSpec.Parallelism.TASK);
    return result(new TrialSpec(List.of(d)), errors);
  }

  /** A student trained without its last 1,000 training examples, {@code validationErrors} of them wrong. */
  static TrialResult validated(double t, double alpha, int seed, int errors, int validationErrors) {
    DistillSpec d = new DistillSpec("mlp-32", t, alpha, 2, 1e-3, 128, seed, DistillSpec.Parallelism.TASK, 0, 1_000);
    return result(new TrialSpec(List.of(d)), errors, 1 - validationErrors / 1_000.0);
  }

  static TrialResult result(TrialSpec spec, int errors) {
    return result(spec, errors, Double.NaN);
  }

  static TrialResult result(TrialSpec spec, int errors, double validationAccuracy) {
    Measurements m = new Measurements(new Measurements.Quality(1 - errors / 10_000.0, 0, 0, 0, 0, 10_000,
        validationAccuracy, Double.isNaN(validationAccuracy) ? 0 : 1_000), new Measurements.Size(1, 1, 0, Double.NaN, 4, 4, 1, 1, 1), 0, new Measurements.Timings(0, 0, 0, Double.NaN), List.of(), null);
    return TrialResult.ok(new PlannedTrial("t" + index++, index, "b", 1, spec), m, "h");
  }

  @Test
  void baselinesAndCellsAreMeanAndSampleStdOfErrorsOverSeedsAndTheBestCellIsTheFewestErrors() {
    List<TrialResult> rs = new ArrayList<>();
    rs.add(result(TrialSpec.BASE, 150)); // the teacher
    int[] base = {200, 210, 190};
    int[] t4 = {180, 185, 175};
    int[] t8 = {195, 260, 130};
    for (int s = 0; s < 3; s++) {
      rs.add(student("mlp-32", 1, 1, s, base[s]));
      rs.add(student("mlp-32", 4, 0.5, s, t4[s]));
      rs.add(student("mlp-32", 8, 0.5, s, t8[s]));
    }
    // neither a chain on a student nor a failed student counts
    rs.add(result(new TrialSpec(List.of(new DistillSpec("mlp-32", 4, 0.5, 2, 1e-3, 128, 0,
        DistillSpec.Parallelism.TASK), new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9, LayerSelector.ALL))), 10));
    rs.add(TrialResult.failed(new PlannedTrial("f", 99, "b", 1, new TrialSpec(List.of(new DistillSpec("mlp-32", 2, 0.5,
        2, 1e-3, 128, 0, DistillSpec.Parallelism.TASK)))), new IllegalStateException("x"), "h"));
    rs.add(student("mlp-16", 4, 0.5, 0, 300)); // a student without baseline

    List<DistillSummary.Student> out = DistillSummary.of(rs);
    assertThat(out).extracting(DistillSummary.Student::student).containsExactly("mlp-32", "mlp-16");
    DistillSummary.Student s = out.get(0);
    // by hand, over the 3 seeds of each cell (10,000 examples; accuracy = 1 − errors / 10,000):
    // baseline 200, 210, 190: mean 200, deviations 0, +10, −10, sample variance (0 + 100 + 100) / 2 = 100;
    // accuracy 0.98, sd 0.001
    assertCell(s.baseline(), 3, 200, 10, 0.98, 0.001);
    assertThat(s.distilled()).extracting(DistillSummary.Cell::temperature).containsExactly(4.0, 8.0);
    // T = 4: 180, 185, 175: mean 180, variance (0 + 25 + 25) / 2 = 25; accuracy 0.982, sd 0.0005
    assertCell(s.distilled().get(0), 3, 180, 5, 0.982, 0.0005);
    // T = 8: 195, 260, 130: mean 195, variance (0 + 4,225 + 4,225) / 2 = 4,225; accuracy 0.9805, sd 0.0065
    assertCell(s.distilled().get(1), 3, 195, 65, 0.9805, 0.0065);
    // no validation split in these trials: the fewest mean test errors, and the summary says so; 200 − 180 saved
    assertThat(s.chosen()).isSameAs(s.distilled().get(0));
    assertThat(s.chosenOn()).isEqualTo(DistillSummary.ChosenOn.TEST);
    assertThat(s.errorsSaved()).isEqualTo(20);
    // one replica: mean 300, no spread (0, not NaN); accuracy 0.97
    DistillSummary.Student lone = out.get(1);
    assertThat(lone.baseline()).isNull();
    assertCell(lone.chosen(), 1, 300, 0, 0.97, 0);
    assertThat(lone.errorsSaved()).isNaN();
    assertThat(lone.paired()).isNull();
  }

  static void assertCell(DistillSummary.Cell c, int replicas, double meanErrors, double stdErrors, double meanAccuracy,
      double stdAccuracy) {
    assertThat(c.replicas()).isEqualTo(replicas);
    assertThat(c.examples()).isEqualTo(10_000);
    assertThat(c.meanErrors()).isCloseTo(meanErrors, within(1e-9));
    assertThat(c.stdErrors()).isCloseTo(stdErrors, within(1e-9));
    assertThat(c.meanAccuracy()).isCloseTo(meanAccuracy, within(1e-12));
    assertThat(c.stdAccuracy()).isCloseTo(stdAccuracy, within(1e-12));
  }

  @Test
  void theSameArchitectureTrainedLongerIsAnotherStudentWithItsOwnBaseline() {
    List<TrialResult> rs = new ArrayList<>();
    for (int epochs : new int[] {2, 6}) {
      for (int s = 0; s < 2; s++) {
        rs.add(result(new TrialSpec(List.of(new DistillSpec("mlp-32", 1, 1, epochs, 1e-3, 128, s,
            DistillSpec.Parallelism.TASK))), 400 - 10 * epochs));
        rs.add(result(new TrialSpec(List.of(new DistillSpec("mlp-32", 4, 0.5, epochs, 1e-3, 128, s,
            DistillSpec.Parallelism.TASK))), 390 - 10 * epochs));
      }
    }
    List<DistillSummary.Student> out = DistillSummary.of(rs);
    assertThat(out).hasSize(2);
    assertThat(out).extracting(DistillSummary.Student::label).containsExactly(
        "mlp-32 (2 epochs, lr 0.001, batch 128, task)", "mlp-32 (6 epochs, lr 0.001, batch 128, task)");
    assertThat(out).extracting(DistillSummary.Student::file).containsExactly("distill-mlp-32-1", "distill-mlp-32-2");
    assertThat(out).allSatisfy(s -> {
      assertThat(s.baseline().replicas()).as("two seeds, not four").isEqualTo(2);
      assertThat(s.errorsSaved()).isEqualTo(10);
    });
    assertThat(DistillSummary.of(rs.subList(0, 4)).get(0).label()).as("one setup: just the architecture")
        .isEqualTo("mlp-32");
  }

  @Test
  void theCellIsChosenOnTheValidationSplitNotOnTheTestSet() {
    List<TrialResult> rs = new ArrayList<>();
    for (int seed = 0; seed < 3; seed++) {
      rs.add(validated(1, 1, seed, 200, 30));
      // T = 2: the fewest test errors (150) but worse on validation (25 wrong of 1,000)
      rs.add(validated(2, 0.5, seed, 150, 25));
      // T = 4 and T = 8: equal and best on validation (20 wrong); the tie goes to the lower temperature
      rs.add(validated(4, 0.5, seed, 180 + seed, 20));
      rs.add(validated(8, 0.5, seed, 170, 20));
    }
    DistillSummary.Student s = DistillSummary.of(rs).get(0);
    assertThat(s.chosenOn()).isEqualTo(DistillSummary.ChosenOn.VALIDATION);
    assertThat(s.chosen().temperature()).as("best validation accuracy, ties to the lower T").isEqualTo(4.0);
    assertThat(s.chosen().meanValidationAccuracy()).isCloseTo(0.98, within(1e-12));
    assertThat(s.chosen().meanErrors()).isCloseTo(181, within(1e-9));
    // one cell without a validation accuracy: the choice falls back to the test set and says so
    rs.add(student("mlp-32", 20, 0.9, 0, 100));
    assertThat(DistillSummary.of(rs).stream().filter(x -> x.student().equals("mlp-32")).toList())
        .as("the unvalidated student is another student (no holdout)").hasSize(2);
  }

  @Test
  void thePairedTestMatchesStudentsDistributionInClosedFormAndPairsBySeed() {
    // seeds 0, 1, 2: baseline 300, 200, 250; distilled 280, 175, 235: differences 20, 25, 15 (mean 20, sd 5).
    // The seeds differ by far more than the effect: an unpaired comparison would see no difference.
    int[] base = {300, 200, 250};
    int[] dist = {280, 175, 235};
    List<TrialResult> rs = new ArrayList<>();
    for (int seed = 2; seed >= 0; seed--) { // out of seed order: pairing is by seed, not by position
      rs.add(validated(1, 1, seed, base[seed], 30));
      rs.add(validated(4, 0.5, seed, dist[seed], 20));
    }
    DistillSummary.Paired t = DistillSummary.of(rs).get(0).paired();
    assertThat(t.pairs()).isEqualTo(3);
    assertThat(t.df()).isEqualTo(2);
    assertThat(t.meanSaved()).isCloseTo(20, within(1e-12));
    assertThat(t.sdSaved()).isCloseTo(5, within(1e-12));
    double expectedT = 20 / (5 / Math.sqrt(3)); // 6.928
    assertThat(t.t()).isCloseTo(expectedT, within(1e-9));
    // Student's t with 2 degrees of freedom has the closed-form CDF 1/2 + t / (2 √(2 + t²)), so the
    // two-sided p-value is 1 − |t| / √(2 + t²) = 1 − 6.928 / 7.071 = 0.0202
    assertThat(t.p()).isCloseTo(1 - expectedT / Math.sqrt(2 + expectedT * expectedT), within(1e-9));
    assertThat(t.p()).isCloseTo(0.0202, within(1e-4));

    // two seeds: df = 1, the Cauchy distribution, p = 1 − (2 / π) atan(|t|); differences 20, 25: t = 22.5 / (3.536 / √2) = 9
    List<TrialResult> two = new ArrayList<>();
    for (int seed = 0; seed < 2; seed++) {
      two.add(validated(1, 1, seed, base[seed], 30));
      two.add(validated(4, 0.5, seed, dist[seed], 20));
    }
    DistillSummary.Paired t1 = DistillSummary.of(two).get(0).paired();
    assertThat(t1.df()).isEqualTo(1);
    assertThat(t1.t()).isCloseTo(9, within(1e-9));
    assertThat(t1.p()).isCloseTo(1 - 2 / Math.PI * Math.atan(9), within(1e-9));

    // a seed the baseline lacks is not paired: three distilled seeds against two baselines give two pairs
    two.add(validated(4, 0.5, 2, dist[2], 20));
    assertThat(DistillSummary.of(two).get(0).paired().pairs()).isEqualTo(2);

    // identical differences: no spread, t infinite, p = 0; no differences at all: t = 0, p = 1
    List<TrialResult> same = new ArrayList<>();
    List<TrialResult> none = new ArrayList<>();
    for (int seed = 0; seed < 3; seed++) {
      same.add(validated(1, 1, seed, base[seed], 30));
      same.add(validated(4, 0.5, seed, base[seed] - 10, 20));
      none.add(validated(1, 1, seed, base[seed], 30));
      none.add(validated(4, 0.5, seed, base[seed], 20));
    }
    assertThat(DistillSummary.of(same).get(0).paired().t()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(DistillSummary.of(same).get(0).paired().p()).isZero();
    assertThat(DistillSummary.of(none).get(0).paired().t()).isZero();
    assertThat(DistillSummary.of(none).get(0).paired().p()).isCloseTo(1, within(1e-12));
  }
}
