package io.modelpress.jobs;

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
  void trainingPrintsEachEpochWithTheTimeLeft() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var listener = Progress.epochs(new PrintStream(bytes, true, StandardCharsets.UTF_8), 4);
    listener.epochDone(1, 10.0);
    listener.epochDone(2, 20.0);
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("  epoch 1/4  10.0 s  ETA 0m30s", "  epoch 2/4  20.0 s  ETA 0m30s");
  }
}
