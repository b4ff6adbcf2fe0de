package io.modelpress.model.dl4j;

import io.modelpress.model.Zoo;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The model zoo ({@link Zoo}): DL4J configurations of the reference architectures for inputs of any
 * C×H×W and any class count (the sizes below are MNIST's: 784 = 1·28·28 inputs, 10 classes).
 *
 * <ul>
 *   <li>{@code mlp-64-64}: 784-64-64-10, ReLU, softmax (an MLP takes the C·H·W values as one vector);
 *   <li>{@code lenet-300-100}: 784-300-100-10, ReLU, softmax (LeCun et al. 1998; Han et al. 2015);
 *   <li>{@code lenet5}: conv 5×5×20, max-pool 2, conv 5×5×50, max-pool 2, dense 500, softmax (Caffe's LeNet);
 *       it needs H and W of at least 16;
 *   <li>{@code mlp-1200-1200}: 784-1200-1200-10, ReLU, softmax, with dropout (inputs kept with probability
 *       0.8, hidden units with 0.5): the distillation teacher of Hinton, Vinyals and Dean 2015.
 * </ul>
 * Dropout acts only while training; the trained network is an ordinary dense MLP for the pipeline and
 * the runtime.
 */
public final class Dl4jZoo {

  private Dl4jZoo() {}

  /** The smallest height and width LeNet-5's two 5×5 convolutions and 2×2 poolings leave a cell of. */
  static final int LENET5_MIN_SIDE = 16;

  public static MultiLayerConfiguration config(String name, long seed, double learningRate, int channels, int rows,
      int cols, int classes) {
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .updater(new Adam(learningRate))
        .weightInit(WeightInit.RELU)
        .list();
    int in = channels * rows * cols;
    switch (name) {
      case "mlp-64-64" -> mlp(b, in, classes, 64, 64);
      case "lenet-300-100" -> mlp(b, in, classes, 300, 100);
      case "mlp-1200-1200" -> // DL4J's dropOut(p) is the probability of keeping a layer's input
        b.layer(new DenseLayer.Builder().name("fc1").nIn(in).nOut(1200).activation(Activation.RELU).dropOut(0.8).build())
            .layer(new DenseLayer.Builder().name("fc2").nIn(1200).nOut(1200).activation(Activation.RELU).dropOut(0.5)
                .build())
            .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(1200).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).dropOut(0.5).build());
      case "lenet5" -> {
        if (rows < LENET5_MIN_SIDE || cols < LENET5_MIN_SIDE) {
          throw new IllegalArgumentException("'model.zoo' lenet5 needs images of at least " + LENET5_MIN_SIDE + "×"
              + LENET5_MIN_SIDE + " (two 5×5 convolutions and 2×2 poolings) but the dataset's are " + rows + "×" + cols
              + "; use an MLP (mlp-64-64, lenet-300-100) or larger images (dataset.resize)");
        }
        b.layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nIn(channels).nOut(20).stride(1, 1)
                .activation(Activation.IDENTITY).build())
            .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1")
                .kernelSize(2, 2).stride(2, 2).build())
            .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(50).stride(1, 1)
                .activation(Activation.IDENTITY).build())
            .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2")
                .kernelSize(2, 2).stride(2, 2).build())
            .layer(new DenseLayer.Builder().name("fc1").nOut(500).activation(Activation.RELU).build())
            .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
            .setInputType(InputType.convolutionalFlat(rows, cols, channels));
      }
      default -> throw new IllegalArgumentException("'model.zoo' is set to '" + name + "' but must be one of " + Zoo.NAMES);
    }
    return b.build();
  }

  private static void mlp(NeuralNetConfiguration.ListBuilder b, int in, int classes, int h1, int h2) {
    b.layer(new DenseLayer.Builder().name("fc1").nIn(in).nOut(h1).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().name("fc2").nIn(h1).nOut(h2).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(h2).nOut(classes)
            .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
  }
}
