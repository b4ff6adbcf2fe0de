package io.modelpress.jobs;

/** A mistake of the caller (bad config, bad argument, missing input): printed as one line, exit code 2. */
final class UserError extends RuntimeException {

  UserError(String message) {
    super(message);
  }
}
