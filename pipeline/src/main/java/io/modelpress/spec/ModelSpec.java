package io.modelpress.spec;

import java.io.Serializable;
import java.util.Objects;

/** The base model of a run: a zoo architecture trained by modelpress, or a saved DL4J model file. */
public sealed interface ModelSpec extends Serializable permits ModelSpec.Zoo, ModelSpec.Saved {

  /** A zoo architecture trained on the dataset's training split with {@code train}. */
  record Zoo(String name, TrainSpec train) implements ModelSpec {
    public Zoo {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(train, "train");
    }
  }

  /** A saved DL4J model (ModelSerializer zip) at any Hadoop path. */
  record Saved(String path) implements ModelSpec {
    public Saved {
      Objects.requireNonNull(path, "path");
    }
  }
}
