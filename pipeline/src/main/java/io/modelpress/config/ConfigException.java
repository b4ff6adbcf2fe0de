package io.modelpress.config;

/** A mistake in a config file or on the command line: the message names the key, the value and the fix. */
public final class ConfigException extends IllegalArgumentException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
