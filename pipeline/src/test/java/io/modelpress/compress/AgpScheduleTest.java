package io.modelpress.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.modelpress.compress.prune.AgpSchedule;
import org.junit.jupiter.api.Test;

class AgpScheduleTest {

  @Test
  void cubicRampFromInitialToTarget() {
    AgpSchedule s = new AgpSchedule(0.1, 0.9, 100, 10, 8); // pruning at 100, 110, ..., 180
    assertThat(s.sparsityAt(0)).isEqualTo(0.1);
    assertThat(s.sparsityAt(100)).isCloseTo(0.1, offset(1e-12));
    assertThat(s.sparsityAt(140)).isCloseTo(0.9 + (0.1 - 0.9) * 0.125, offset(1e-12)); // half way: (1 − ½)³
    assertThat(s.sparsityAt(180)).isCloseTo(0.9, offset(1e-12));
    assertThat(s.sparsityAt(10_000)).isEqualTo(0.9);
    double prev = 0;
    for (long t = 0; t < 200; t++) {
      assertThat(s.sparsityAt(t)).isGreaterThanOrEqualTo(prev);
      prev = s.sparsityAt(t);
    }
    // steps shrink as the target nears
    assertThat(s.sparsityAt(110) - s.sparsityAt(100)).isGreaterThan(s.sparsityAt(180) - s.sparsityAt(170));
  }

  @Test
  void prunesAtNPlusOnePoints() {
    AgpSchedule s = new AgpSchedule(0, 0.5, 5, 3, 4);
    int n = 0;
    for (long t = 0; t < 100; t++) {
      if (s.prunesAt(t)) {
        n++;
        assertThat((t - 5) % 3).isZero();
      }
    }
    assertThat(n).isEqualTo(5);
  }

  @Test
  void badSchedulesAreRefused() {
    assertThatThrownBy(() -> new AgpSchedule(0.5, 0.2, 0, 1, 1))
        .hasMessage("AGP needs 0 <= initial <= target < 1, got 0.5 → 0.2");
  }
}
