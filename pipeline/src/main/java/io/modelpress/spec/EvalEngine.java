package io.modelpress.spec;

/**
 * What computes a sweep's accuracy ({@code evaluation.engine}): DL4J running the compressed network, or ONNX
 * Runtime running the trial's ONNX form (the graph {@code export --out FILE.onnx} writes), so that what is
 * measured is what ships. DL4J stays the training engine either way.
 */
public enum EvalEngine {
  DL4J("dl4j"), ONNXRUNTIME("onnxruntime");

  private final String id;

  EvalEngine(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static EvalEngine of(String id) {
    for (EvalEngine e : values()) {
      if (e.id.equals(id)) {
        return e;
      }
    }
    throw new SpecException("engine", "is set to \"" + id + "\" but must be dl4j or onnxruntime");
  }
}
