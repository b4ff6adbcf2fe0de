package io.modelpress.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelpress.TestData;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.runtime.CompiledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ONNX files written by {@code torch.onnx.export} (a producer we did not write), imported into a DL4J network
 * and the pure-Java runtime, against ONNX Runtime on the same 10,000 MNIST test images and against PyTorch's own
 * predictions.
 */
class OnnxTorchImportTest {

  static LabeledImages test;

  @BeforeAll
  static void data() {
    test = TestData.mnistTest(10_000);
  }

  /**
   * mlp: Flatten, Gemm + BatchNormalization (folded here), Dropout, Clip(0, 6); cnn: BN folded by the exporter,
   * ReLU after MaxPool, padded AveragePool without the pad in its divisor, strides, LeakyRelu, the
   * Shape-Gather-Unsqueeze-Concat-Reshape flatten; gap: Tanh, Sigmoid, GlobalAveragePool, a final Softmax.
   */
  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "gap"})
  void importedModelsComputeWhatOnnxRuntimeAndPyTorchCompute(String name) throws Exception {
    Path dir = TorchModels.exported();
    byte[] onnx = Files.readAllBytes(dir.resolve(name + ".onnx"));
    byte[] torchPred = Files.readAllBytes(dir.resolve(name + ".pred"));
    OnnxImport.Imported imported = OnnxImport.read(onnx);
    assertThat(imported.classes()).isEqualTo(10);
    Network net = Backends.dl4j().build(imported.architecture(), imported.weights());
    assertThat(net.inputSize()).isEqualTo(784);
    assertThat(net.architecture()).isEqualTo(imported.architecture());

    int n = test.count();
    float[] x = test.features(0, n);
    float[] ort = TorchModels.onnxRuntime(onnx, x, n, 1, 28, 28);
    boolean softmaxOut = name.equals("gap");
    float[] dl4j = softmaxOut ? net.outputs(net.inputs(test), 500) : net.logits(test, 0, n, 500);
    assertThat(maxAbsDiff(dl4j, ort)).as("DL4J vs ONNX Runtime, max |diff|").isLessThanOrEqualTo(1e-4);

    CompiledModel rt = CompiledModel.compile(TrialCompressor.quantize(imported.weights(), Optional.empty(), 0),
        imported.architecture(), CompiledModel.Mode.AUTO);
    float[] probs = rt.forward(x, n);
    float[] ortProbs = softmaxOut ? ort : softmax(ort, 10);
    assertThat(maxAbsDiff(probs, ortProbs)).as("runtime vs ONNX Runtime probabilities").isLessThanOrEqualTo(1e-5);

    // exported again by modelpress (fp32): ONNX Runtime computes the PyTorch file's probabilities, and the
    // re-import gives back exactly the imported layers
    byte[] again = OnnxExport.write(imported.architecture(), TrialCompressor.quantize(imported.weights(),
        Optional.empty(), 0), 1, 28, 28, "test", null);
    assertThat(maxAbsDiff(TorchModels.onnxRuntime(again, x, n, 1, 28, 28), ortProbs))
        .as("ONNX Runtime on modelpress's export vs on PyTorch's").isLessThanOrEqualTo(1e-5);
    OnnxImport.Imported back = OnnxImport.read(again);
    assertThat(back.architecture()).isEqualTo(imported.architecture());
    for (int k = 0; k < back.weights().layers().size(); k++) {
      assertThat(back.weights().layers().get(k).weights()).isEqualTo(imported.weights().layers().get(k).weights());
      assertThat(back.weights().layers().get(k).bias()).isEqualTo(imported.weights().layers().get(k).bias());
    }

    int[] pred = net.predict(net.inputs(test), 500);
    int differ = 0;
    for (int i = 0; i < n; i++) {
      if (pred[i] != torchPred[i] && topGap(ort, i, 10) > 1e-4) {
        differ++;
      }
    }
    assertThat(differ).as("predictions that differ from PyTorch's other than at near-ties").isZero();
    int correct = 0;
    for (int i = 0; i < n; i++) {
      correct += torchPred[i] == test.labels()[i] ? 1 : 0;
    }
    assertThat(correct).as("PyTorch's own accuracy: a trained model, not a constant").isGreaterThan(n * 4 / 10);
  }

  static double maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  static float[] softmax(float[] z, int classes) {
    float[] p = new float[z.length];
    for (int r = 0; r < z.length / classes; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < classes; j++) {
        max = Math.max(max, z[r * classes + j]);
      }
      double sum = 0;
      for (int j = 0; j < classes; j++) {
        sum += Math.exp(z[r * classes + j] - max);
      }
      for (int j = 0; j < classes; j++) {
        p[r * classes + j] = (float) (Math.exp(z[r * classes + j] - max) / sum);
      }
    }
    return p;
  }

  /** The gap between the two largest outputs of example {@code r}. */
  static double topGap(float[] y, int r, int classes) {
    double a = Double.NEGATIVE_INFINITY;
    double b = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < classes; j++) {
      double v = y[r * classes + j];
      if (v > a) {
        b = a;
        a = v;
      } else if (v > b) {
        b = v;
      }
    }
    return a - b;
  }
}
