package io.modelpress;

import io.modelpress.model.Backends;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.DatasetSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;

/** Shared fixtures: real MNIST rows from the local cache (bin/fetch-data), and small random models. */
public final class TestData {

  private TestData() {}

  public static DatasetSpec mnist(int trainLimit, int testLimit) {
    Path dir = Path.of(Datasets.cacheDir(), "data", "mnist");
    if (!Files.exists(dir.resolve("t10k-images-idx3-ubyte"))) {
      throw new IllegalStateException("MNIST is not in " + dir + "; run bin/fetch-data mnist first");
    }
    return new DatasetSpec("mnist", "", trainLimit, testLimit);
  }

  public static LabeledImages mnistTrain(int n) {
    return Datasets.train(mnist(n, 0), new Configuration());
  }

  public static LabeledImages mnistTest(int n) {
    return Datasets.test(mnist(0, n), new Configuration());
  }

  private static byte[] trainedMlp;

  /**
   * mlp-64-64 trained 2 epochs (batch 64, lr 1e-3, seed 7) on the first 6,000 MNIST training images,
   * as saved bytes; trained once per test JVM and shared by the classes that need a real model.
   */
  public static synchronized byte[] trainedMlp() {
    if (trainedMlp == null) {
      trainedMlp = io.modelpress.model.Backends.dl4j().trainer().train("mlp-64-64", new io.modelpress.spec.TrainSpec(2, 64, 1e-3, 7),
          mnistTrain(6000), (e, s) -> { }).save();
    }
    return trainedMlp;
  }

  private static byte[] trainedLenet5;

  /**
   * lenet5 trained 1 epoch (batch 64, lr 1e-3, seed 7) on the first 3,000 MNIST training images, as saved
   * bytes; trained once per test JVM.
   */
  public static synchronized byte[] trainedLenet5() {
    if (trainedLenet5 == null) {
      trainedLenet5 = io.modelpress.model.Backends.dl4j().trainer().train("lenet5", new io.modelpress.spec.TrainSpec(1, 64, 1e-3, 7),
          mnistTrain(3000), (e, s) -> { }).save();
    }
    return trainedLenet5;
  }

  /** A 3-layer model 20-8-6-4 with Gaussian weights (some layers with biases). */
  public static ModelWeights smallModel(long seed) {
    Random r = new Random(seed);
    return new ModelWeights(List.of(
        dense("fc1", LayerKind.DENSE, 20, 8, r),
        dense("fc2", LayerKind.DENSE, 8, 6, r),
        dense("out", LayerKind.OUTPUT, 6, 4, r)));
  }

  public static LayerWeights dense(String name, LayerKind kind, int in, int out, Random r) {
    float[] w = new float[in * out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.3);
    }
    float[] b = new float[out];
    for (int i = 0; i < out; i++) {
      b[i] = (float) r.nextGaussian();
    }
    return new LayerWeights(name, kind, new int[] {in, out}, 1, 1, w, b);
  }

  public static LayerWeights conv(String name, int outC, int inC, int k, int positions, Random r) {
    float[] w = new float[outC * inC * k * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.1);
    }
    return new LayerWeights(name, LayerKind.CONV, new int[] {outC, inC, k, k}, 0, positions, w, new float[outC]);
  }
}
