package io.modelpress.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** Run ids: letters, digits, '.', '_' or '-' with at least one letter; by default {@code <name>-<yyyyMMdd-HHmmss>}. */
public final class RunIds {

  public static final Pattern RUN_ID = Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
      .withZone(ZoneOffset.UTC);

  private RunIds() {}

  /** {@code runId} when valid (null stays null); refuses anything a table could read as a number or a date. */
  public static String check(String runId) {
    if (runId != null && !RUN_ID.matcher(runId).matches()) {
      throw new UserError("'--run-id' is set to \"" + Cli.oneLine(runId) + "\" but must be letters, digits, '.', '_' "
          + "or '-' with at least one letter (so that tables never read it as a number or a date)");
    }
    return runId;
  }

  /** {@code <name>-<yyyyMMdd-HHmmss>} in UTC. */
  public static String defaultRunId(String name, Instant started) {
    return name + "-" + RUN_TIME.format(started);
  }
}
