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

  static TrialResult result(TrialSpec spec, int errors) {
    Measurements m = new Measurements(new Measurements.Quality(1 - errors / 10_000.0, 0, 0, 0, 0, 10_000), new Measurements.Size(1, 1, 0, Double.NaN, 4, 4, 1, 1, 1), 0, new Measurements.Timings(0, 0, 0, Double.NaN), List.of(), null);
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
    assertThat(s.baseline().replicas()).isEqualTo(3);
    assertThat(s.baseline().meanErrors()).isEqualTo(200);
    assertThat(s.baseline().stdErrors()).isCloseTo(10, within(1e-9));
    assertThat(s.distilled()).extracting(DistillSummary.Cell::temperature).containsExactly(4.0, 8.0);
    assertThat(s.best().temperature()).isEqualTo(4);
    assertThat(s.best().meanErrors()).isEqualTo(180);
    assertThat(s.best().stdErrors()).isCloseTo(5, within(1e-9));
    assertThat(s.errorsSaved()).isEqualTo(20);
    // Welch SE = sqrt(100/3 + 25/3) = 6.45; 20 > 2 × 6.45
    assertThat(s.significant()).isTrue();
    assertThat(s.distilled().get(1).meanErrors()).isEqualTo(195);
    assertThat(s.distilled().get(1).stdErrors()).isCloseTo(65, within(1e-9));
    DistillSummary.Student lone = out.get(1);
    assertThat(lone.baseline()).isNull();
    assertThat(lone.errorsSaved()).isNaN();
    assertThat(lone.significant()).isFalse();
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
}
