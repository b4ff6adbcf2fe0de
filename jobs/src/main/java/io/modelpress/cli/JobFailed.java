package io.modelpress.cli;

/** The job ran but its outcome is a failure (exit code 1), reported as one line without a stack trace. */
public final class JobFailed extends RuntimeException {
  public JobFailed(String message) {
    super(message);
  }
}
