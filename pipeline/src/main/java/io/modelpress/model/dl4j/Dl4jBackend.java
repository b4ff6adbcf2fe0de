package io.modelpress.model.dl4j;

import io.modelpress.model.Backend;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** DeepLearning4J 1.0.0-M2 with ND4J's native CPU backend: the backend modelpress uses. */
public final class Dl4jBackend implements Backend {

  public static final Dl4jBackend INSTANCE = new Dl4jBackend();

  private Dl4jBackend() {}

  @Override
  public Network restore(byte[] saved) {
    return Dl4jNetwork.restore(saved);
  }

  @Override
  public Network build(io.modelpress.runtime.Architecture architecture, io.modelpress.weights.ModelWeights weights) {
    MultiLayerNetwork net = new MultiLayerNetwork(Dl4jArchitecture.config(architecture, weights));
    net.init();
    Dl4jNetwork out = new Dl4jNetwork(net);
    out.load(weights);
    return out;
  }

  @Override
  public Trainer trainer() {
    return Dl4jTrainer.INSTANCE;
  }

  /**
   * ND4J's own loops and OpenBLAS: launchers start jobs with OMP_NUM_THREADS=1 (one per Spark task),
   * which OpenBLAS reads once at start, so code that wants every core in one thread must raise both.
   */
  @Override
  public void threads(int n) {
    Nd4j.getEnvironment().setMaxThreads(n);
    Nd4j.factory().blas().setMaxThreads(n);
  }

  @Override
  public double gemmGflops(int threads, int m, int k, int n, int reps) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Void>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        jobs.add(() -> {
          INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
          INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
          INDArray c = Nd4j.create(DataType.FLOAT, m, n);
          for (int r = 0; r <= reps; r++) {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0); // into a preallocated result: BLAS sgemm alone
          }
          return null;
        });
      }
      for (Future<Void> f : pool.invokeAll(jobs)) { // warm-up round
        f.get();
      }
      long t0 = System.nanoTime();
      for (Future<Void> f : pool.invokeAll(jobs)) {
        f.get();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      return threads * (reps + 1) * 2.0 * m * k * n / seconds / 1e9;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdown();
    }
  }

  /** A zoo architecture with freshly initialised (untrained) weights for 1×28×28 inputs and 10 classes. */
  public Network initialised(String zoo, long seed) {
    return initialised(zoo, seed, 1, 28, 28, 10);
  }

  /** A zoo architecture with freshly initialised (untrained) weights for C×H×W inputs and {@code classes} classes. */
  public Network initialised(String zoo, long seed, int channels, int height, int width, int classes) {
    MultiLayerNetwork net = new MultiLayerNetwork(Dl4jZoo.config(zoo, seed, 1e-3, channels, height, width, classes));
    net.init();
    return new Dl4jNetwork(net);
  }
}
