package io.modelpress.jobs;

/** The job ran but its outcome is a failure (exit code 1), reported as one line without a stack trace. */
final class JobFailed extends RuntimeException {
  JobFailed(String message) {
    super(message);
  }
}
