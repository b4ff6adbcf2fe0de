package io.modelpress.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.modelpress.data.Datasets;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Models exported by PyTorch itself (src/test/resources/onnx/torch_export.py, run with Debian's python3-torch),
 * and ONNX Runtime's outputs for them: the independent references of the import tests.
 */
final class TorchModels {

  private TorchModels() {}

  private static Path dir;

  /**
   * The folder of {mlp,cnn,gap}.onnx and .pred, exported once per test JVM. Skips the calling test when
   * python3 has no torch, unless MODELPRESS_STRICT=1 (CI installs python3-torch), where that fails.
   */
  static synchronized Path exported() throws IOException, InterruptedException {
    if (dir != null) {
      return dir;
    }
    boolean torch = run(null, "/usr/bin/python3", "-c", "import torch") == 0;
    if (!torch) {
      assertThat(System.getenv("MODELPRESS_STRICT")).as("MODELPRESS_STRICT=1 but /usr/bin/python3 has no torch "
          + "(apt-get install python3-torch)").isNotEqualTo("1");
      System.err.println("TorchModels: skipped: /usr/bin/python3 has no torch (apt-get install python3-torch)");
    }
    Assumptions.assumeTrue(torch, "/usr/bin/python3 has no torch (apt-get install python3-torch)");
    Path out = Files.createTempDirectory("torch-onnx");
    Path script = out.resolve("torch_export.py");
    try (var in = TorchModels.class.getResourceAsStream("/onnx/torch_export.py")) {
      Files.copy(in, script);
    }
    Path log = out.resolve("export.log");
    int rc = run(log, "/usr/bin/python3", script.toString(), Path.of(Datasets.cacheDir(), "data", "mnist").toString(),
        out.toString());
    assertThat(rc).as(Files.readString(log)).isZero();
    dir = out;
    return dir;
  }

  private static int run(Path log, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().put("OMP_NUM_THREADS", "1");
    b.redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile()));
    Process p = b.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  /** ONNX Runtime's output for {@code rows} examples of {@code x}, input shape [rows, ...shape]. */
  static float[] onnxRuntime(byte[] model, float[] x, int rows, long... shape) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] dims = new long[shape.length + 1];
    dims[0] = rows;
    System.arraycopy(shape, 0, dims, 1, shape.length);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession s = env.createSession(model, o);
          OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
          OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
        float[][] y = (float[][]) r.get(0).getValue();
        float[] flat = new float[rows * y[0].length];
        for (int i = 0; i < rows; i++) {
          System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
        }
        return flat;
      }
    }
  }
}
