package io.modelpress.model.dl4j;

import io.modelpress.runtime.Architecture;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** A DL4J network's layer sequence as the pure-Java runtime executes it ({@link Architecture}). */
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
