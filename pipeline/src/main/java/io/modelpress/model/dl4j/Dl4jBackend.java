package io.modelpress.model.dl4j;

import io.modelpress.model.Backend;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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

  /** A zoo architecture with freshly initialised (untrained) weights for 28×28 inputs and 10 classes. */
  public Network initialised(String zoo, long seed) {
    MultiLayerNetwork net = new MultiLayerNetwork(Dl4jZoo.config(zoo, seed, 1e-3, 28, 28, 10));
    net.init();
    return new Dl4jNetwork(net);
  }
}
