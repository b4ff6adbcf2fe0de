package io.modelpress.jobs;

import io.modelpress.data.LabeledImages;
import io.modelpress.encode.ArtifactReader;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.onnx.OnnxRunner;
import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;

/**
 * What {@code export} checks before it writes a file, on some test examples: how many the network restored
 * from the artifact gets right, and, for an ONNX file, how many ONNX Runtime gets right on the file and on how
 * many the two predict differently. Run on the whole test split on the driver, or on each of its shards on
 * the executors, the counts summed ({@link Counts#plus}): the same numbers either way.
 */
final class ExportCheck implements org.apache.spark.api.java.function.Function<LabeledImages, ExportCheck.Counts> {

  /** Examples, correct predictions of the restored network and of ONNX Runtime, and predictions that differ. */
  record Counts(long examples, long restoredCorrect, long onnxCorrect, long differ) implements Serializable {
    Counts plus(Counts o) {
      return new Counts(examples + o.examples, restoredCorrect + o.restoredCorrect, onnxCorrect + o.onnxCorrect,
          differ + o.differ);
    }
  }

  private final Broadcast<byte[]> model;
  private final Broadcast<byte[]> artifact;
  private final Broadcast<byte[]> onnx; // null: not an ONNX export
  private final int batch;

  ExportCheck(Broadcast<byte[]> model, Broadcast<byte[]> artifact, Broadcast<byte[]> onnx, int batch) {
    this.model = model;
    this.artifact = artifact;
    this.onnx = onnx;
    this.batch = batch;
  }

  @Override
  public Counts call(LabeledImages data) {
    Network restored = ArtifactReader.restore(Backends.dl4j(), artifact.value(), model.value());
    int[] p = restored.predict(restored.inputs(data), batch);
    int[] labels = data.labels();
    long right = 0;
    for (int i = 0; i < p.length; i++) {
      right += p[i] == labels[i] ? 1 : 0;
    }
    if (onnx == null) {
      return new Counts(p.length, right, 0, 0);
    }
    int[] q;
    try (OnnxRunner runner = new OnnxRunner(onnx.value())) {
      q = runner.predict(data, 500);
    }
    long onnxRight = 0;
    long differ = 0;
    for (int i = 0; i < q.length; i++) {
      onnxRight += q[i] == labels[i] ? 1 : 0;
      differ += q[i] != p[i] ? 1 : 0;
    }
    return new Counts(p.length, right, onnxRight, differ);
  }
}
