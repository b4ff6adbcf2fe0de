package io.modelpress.model.dl4j;

import io.modelpress.runtime.Architecture;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A DL4J network's layer sequence as the pure-Java runtime executes it ({@link Architecture}), and the
 * inverse: the DL4J configuration of an architecture and its weights (an imported ONNX model).
 */
final class Dl4jArchitecture {

  private Dl4jArchitecture() {}

  /**
   * The layer sequence for the pure-Java runtime: input shape, weighted layers with their activation and
   * convolution geometry, pooling layers. Refuses, in one line naming the layer and the setting, what the
   * runtime cannot execute: layer types other than dense, output, 2-D convolution and max/average
   * subsampling; dilation; channels-last (NHWC) data; causal convolution; preprocessors other than the
   * input reshape and the NCHW flatten before a dense layer.
   */
  static Architecture of(MultiLayerNetwork net, List<Integer> weightedLayers, List<String> act, int inputSize) {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    List<Architecture.Op> ops = new ArrayList<>();
    int k = 0;
    for (int i = 0; i < net.getnLayers(); i++) {
      Layer l = conf.getConf(i).getLayer();
      String layer = "layer '" + Dl4jNetwork.nameOf(l, i) + "'";
      InputPreProcessor pre = conf.getInputPreProcess(i);
      if (pre instanceof CnnToFeedForwardPreProcessor p && p.getFormat() != CNN2DFormat.NCHW) {
        throw new IllegalArgumentException(layer + " flattens " + p.getFormat() + " activations; the runtime "
            + "executes channels-first (NCHW) models only");
      }
      if (pre != null && !(pre instanceof CnnToFeedForwardPreProcessor) && !(i == 0
          && pre instanceof FeedForwardToCnnPreProcessor)) {
        throw new IllegalArgumentException(layer + " has the input preprocessor " + pre.getClass().getSimpleName()
            + ", which the runtime does not execute");
      }
      if (l.getClass() == ConvolutionLayer.class) {
        ConvolutionLayer c = (ConvolutionLayer) l;
        imageLayer(layer, c.getDilation(), c.getCnn2dDataFormat(), c.getConvolutionMode());
        ops.add(new Architecture.Conv(act.get(k++), c.getStride()[0], c.getStride()[1], c.getPadding()[0],
            c.getPadding()[1], c.getConvolutionMode() == ConvolutionMode.Same));
      } else if (l.getClass() == SubsamplingLayer.class) {
        SubsamplingLayer s = (SubsamplingLayer) l;
        imageLayer(layer, s.getDilation(), s.getCnn2dDataFormat(), s.getConvolutionMode());
        boolean max = s.getPoolingType() == PoolingType.MAX;
        if (!max && s.getPoolingType() != PoolingType.AVG) {
          throw new IllegalArgumentException(layer + " pools with " + s.getPoolingType() + "; the runtime executes max "
              + "and average pooling only");
        }
        // the flag picks avgpool2d's divisor (SubsamplingLayer.activate): true counts the padding cells, false
        // only the cells inside the image (RuntimeAgreementTest checks both against DL4J)
        ops.add(new Architecture.Pool(max, s.getKernelSize()[0], s.getKernelSize()[1], s.getStride()[0],
            s.getStride()[1], s.getPadding()[0], s.getPadding()[1], s.getConvolutionMode() == ConvolutionMode.Same,
            s.isAvgPoolIncludePadInDivisor()));
      } else if (weightedLayers.contains(i) && !(l instanceof ConvolutionLayer)) {
        if (l instanceof org.deeplearning4j.nn.conf.layers.DenseLayer d && d.hasLayerNorm()) {
          throw new IllegalArgumentException(layer + " has layer normalisation, which the runtime does not execute");
        }
        ops.add(new Architecture.Dense(act.get(k++)));
      } else {
        throw new IllegalArgumentException(layer + " is a " + l.getClass().getSimpleName() + ", which the runtime "
            + "does not execute");
      }
    }
    if (conf.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor p) {
      return new Architecture((int) p.getNumChannels(), (int) p.getInputHeight(), (int) p.getInputWidth(), ops);
    }
    return new Architecture(1, 1, inputSize, ops);
  }

  /**
   * The DL4J configuration that computes {@code arch} with layers of {@code w}'s shapes and names: convolution,
   * subsampling and dense layers, the last an output layer with softmax and cross-entropy (so the network
   * trains, fine-tunes and distils like a zoo model).
   */
  static MultiLayerConfiguration config(Architecture arch, ModelWeights w) {
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(0).updater(new Adam(1e-3))
        .weightInit(WeightInit.XAVIER).list();
    int k = 0;
    int pool = 0;
    for (Architecture.Op op : arch.ops()) {
      if (op instanceof Architecture.Pool p) {
        b.layer(new SubsamplingLayer.Builder(p.max() ? PoolingType.MAX : PoolingType.AVG).name("pool" + (++pool))
            .kernelSize(p.kernelH(), p.kernelW()).stride(p.strideH(), p.strideW()).padding(p.padH(), p.padW())
            .convolutionMode(p.same() ? ConvolutionMode.Same : ConvolutionMode.Truncate)
            .avgPoolIncludePadInDivisor(p.padInDivisor()).build());
        continue;
      }
      LayerWeights l = w.layers().get(k++);
      if (op instanceof Architecture.Conv c) {
        int[] s = l.shape();
        b.layer(new ConvolutionLayer.Builder(s[2], s[3]).name(l.name()).nIn(s[1]).nOut(s[0])
            .stride(c.strideH(), c.strideW()).padding(c.padH(), c.padW())
            .convolutionMode(c.same() ? ConvolutionMode.Same : ConvolutionMode.Truncate)
            .activation(activation(c.activation())).build());
      } else if (k == w.layers().size()) {
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name(l.name()).nIn(l.shape()[0])
            .nOut(l.shape()[1]).activation(Activation.SOFTMAX).build());
      } else {
        b.layer(new DenseLayer.Builder().name(l.name()).nIn(l.shape()[0]).nOut(l.shape()[1])
            .activation(activation(((Architecture.Dense) op).activation())).build());
      }
    }
    b.setInputType(arch.height() == 1 && arch.channels() == 1 && !(arch.ops().get(0) instanceof Architecture.Conv)
        ? InputType.feedForward(arch.width()) : InputType.convolutionalFlat(arch.height(), arch.width(), arch.channels()));
    return b.build();
  }

  private static Activation activation(String name) {
    return switch (name) {
      case "relu" -> Activation.RELU;
      case "relu6" -> Activation.RELU6;
      case "lrelu" -> Activation.LEAKYRELU;
      case "tanh" -> Activation.TANH;
      case "sigmoid" -> Activation.SIGMOID;
      case "identity" -> Activation.IDENTITY;
      case "softmax" -> Activation.SOFTMAX;
      default -> throw new IllegalArgumentException("no DL4J activation for '" + name + "'");
    };
  }

  /** Refuses the settings of a convolution or subsampling layer that the runtime does not execute. */
  private static void imageLayer(String layer, int[] dilation, CNN2DFormat format, ConvolutionMode mode) {
    if (dilation[0] != 1 || dilation[1] != 1) {
      throw new IllegalArgumentException(layer + " has dilation " + dilation[0] + "×" + dilation[1] + "; the runtime "
          + "executes undilated windows only");
    }
    if (format != CNN2DFormat.NCHW) {
      throw new IllegalArgumentException(layer + " has data format " + format + "; the runtime executes "
          + "channels-first (NCHW) models only");
    }
    if (mode == ConvolutionMode.Causal) {
      throw new IllegalArgumentException(layer + " has convolution mode Causal; the runtime executes Truncate, Strict "
          + "and Same");
    }
  }

}
