package io.modelpress.spec;

import java.io.Serializable;
import java.util.Objects;

/**
 * The base model of a run: a zoo architecture trained by modelpress, a saved DL4J model file, or an ONNX file
 * exported by another framework.
 */
public sealed interface ModelSpec extends Serializable permits ModelSpec.Zoo, ModelSpec.Saved, ModelSpec.Onnx {

  /** Where the model comes from, for the runs table's {@code model}: "zoo:NAME", the file's path, or "onnx:PATH". */
  default String describe() {
    if (this instanceof Zoo z) {
      return "zoo:" + z.name();
    }
    return this instanceof Onnx o ? "onnx:" + o.path() : ((Saved) this).path();
  }

  /** A zoo architecture trained on the dataset's training split with {@code train}. */
  record Zoo(String name, TrainSpec train) implements ModelSpec {
    public Zoo {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(train, "train");
    }
  }

  /** An ONNX classifier at any Hadoop path, imported into the backend ({@code io.modelpress.onnx.OnnxImport}). */
  record Onnx(String path) implements ModelSpec {
    public Onnx {
      Objects.requireNonNull(path, "path");
    }
  }

  /** A saved DL4J model (ModelSerializer zip) at any Hadoop path. */
  record Saved(String path) implements ModelSpec {
    public Saved {
      Objects.requireNonNull(path, "path");
    }
  }
}
