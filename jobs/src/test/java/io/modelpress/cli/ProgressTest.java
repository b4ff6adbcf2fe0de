package io.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

  @Test
  void withoutATerminalItPrintsPlainLinesNoOftenerThanItsInterval() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    AtomicLong done = new AtomicLong();
    Progress every = new Progress(err, 10, 2, done::get, false, 0);
    done.set(3);
    every.onTaskEnd(null);
    every.close();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).startsWith("progress: 5 / 10 trials  ").contains(" trials/s  ETA ").doesNotContain("\r");
    assertThat(out.lines()).hasSize(1);

    bytes.reset();
    Progress rarely = new Progress(err, 10, 0, done::get, false, Progress.LOG_EVERY_SECONDS * 1_000_000_000L);
    rarely.onTaskEnd(null);
    rarely.close();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).as("a short run prints nothing").isEmpty();
  }

  @Test
  void onATerminalItRewritesOneLineWithABarAndEndsItOnClose() {
    assertThat(Progress.bar(0, 10)).isEqualTo("[" + ".".repeat(Progress.BAR) + "]");
    assertThat(Progress.bar(5, 10)).isEqualTo("[" + "#".repeat(Progress.BAR / 2) + ".".repeat(Progress.BAR / 2) + "]");
    assertThat(Progress.bar(10, 10)).isEqualTo("[" + "#".repeat(Progress.BAR) + "]");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong done = new AtomicLong();
    Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 8, 2, done::get, true, 0);
    done.set(2);
    p.onTaskEnd(null);
    done.set(6);
    p.onTaskEnd(null);
    String live = bytes.toString(StandardCharsets.UTF_8);
    assertThat(live).doesNotContain("\n").startsWith("\r  [############............] 4 / 8 trials  ")
        .contains("\r  [########################] 8 / 8 trials  ").contains(" trials/s  ETA ");
    p.close();
    p.onTaskEnd(null); // a task ending after close prints nothing
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(live + System.lineSeparator());
  }

  @Test
  void trainingPrintsEachEpochWithTheTimeLeft() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var listener = Progress.epochs(new PrintStream(bytes, true, StandardCharsets.UTF_8), 4);
    listener.epochDone(1, 10.0);
    listener.epochDone(2, 20.0);
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("  epoch 1/4  10.0 s  ETA 0m30s", "  epoch 2/4  20.0 s  ETA 0m30s");
  }

  @Test
  void theEtaFollowsTheWorkLeftWhenTrialsAreWeighed() {
    // 1 of 3 trials done in 10 s, but it was 90 % of the work: 1.1 s left, not the 20 s the count gives
    assertThat(Progress.secondsLeft(10, 1, 2, 1000, 900)).isCloseTo(10.0 / 9, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(Progress.secondsLeft(10, 1, 2, 0, 0)).isEqualTo(20.0);
    // the work all done (trials bred later weigh nothing) or nothing finished yet: back to counting
    assertThat(Progress.secondsLeft(10, 4, 2, 1000, 1000)).isEqualTo(5.0);
    assertThat(Progress.secondsLeft(10, 0, 3, 1000, 0)).isNaN();

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong done = new AtomicLong();
    AtomicLong work = new AtomicLong();
    Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 3, 0, done::get, 1000, work::get,
        false, 0);
    p.onTaskEnd(null);
    done.set(1);
    work.set(999);
    p.onTaskEnd(null);
    p.close();
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .hasSize(2)
        .first().asString().endsWith("ETA ?");
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList().get(1)).startsWith("progress: 1 / 3 trials")
        .endsWith("ETA 0m00s");
  }
}
