package io.modelpress.cli;

/** A mistake of the caller (bad config, bad argument, missing input): printed as one line, exit code 2. */
public final class UserError extends RuntimeException {

  public UserError(String message) {
    super(message);
  }
}
