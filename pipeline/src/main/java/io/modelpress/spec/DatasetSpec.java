package io.modelpress.spec;

import java.io.Serializable;
import java.util.Objects;

/**
 * A dataset: a known name ({@code mnist}, {@code fashion-mnist}), an optional folder (any Hadoop path;
 * empty = the local cache) and optional limits on the examples read (0 = all).
 */
public record DatasetSpec(String name, String dir, int trainLimit, int testLimit) implements Serializable {

  public DatasetSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    if (trainLimit < 0) {
      throw new SpecException("train-limit", "is set to " + trainLimit + " but must be >= 0 (0 = all)");
    }
    if (testLimit < 0) {
      throw new SpecException("test-limit", "is set to " + testLimit + " but must be >= 0 (0 = all)");
    }
  }
}
