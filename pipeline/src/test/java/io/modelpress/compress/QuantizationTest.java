package io.modelpress.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.compress.quant.HalfFloat;
import io.modelpress.compress.quant.UniformQuantizer;
import io.modelpress.compress.quant.ValueCoding;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.QuantSpec.Granularity;
import io.modelpress.spec.QuantSpec.Scheme;
import io.modelpress.spec.TrialSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantizationTest {

  @ParameterizedTest
  @CsvSource({
      "2,SYMMETRIC,PER_TENSOR", "3,SYMMETRIC,PER_CHANNEL", "4,AFFINE,PER_TENSOR", "5,AFFINE,PER_CHANNEL",
      "8,SYMMETRIC,PER_CHANNEL", "8,AFFINE,PER_TENSOR"})
  void atMostTwoToTheBitsLevelsPerChannelAndZeroStaysZero(int bits, Scheme scheme, Granularity g) {
    LayerWeights l = TestData.dense("fc", io.modelpress.weights.LayerKind.DENSE, 50, 7, new Random(bits));
    float[] w = l.weights().clone();
    w[3] = 0f;
    l = l.withWeights(w);
    QuantSpec spec = new QuantSpec(bits, scheme, g, LayerSelector.ALL);
    ValueCoding.Uniform q = UniformQuantizer.quantize(l, spec);
    float[] deq = UniformQuantizer.dequantize(l, q);
    int channels = g == Granularity.PER_CHANNEL ? 7 : 1;
    for (int c = 0; c < channels; c++) {
      Set<Float> levels = new HashSet<>();
      for (int i = 0; i < deq.length; i++) {
        if (channels == 1 || l.channelOf(i) == c) {
          levels.add(deq[i]);
        }
      }
      assertThat(levels.size()).isLessThanOrEqualTo(scheme == Scheme.SYMMETRIC ? (1 << bits) - 1 : 1 << bits);
    }
    assertThat(deq[3]).isEqualTo(0f);
    for (int code : q.codes()) {
      assertThat(code).isBetween(0, (1 << bits) - 1);
    }
    // rounding error is at most half a step (the range covers every weight)
    for (int i = 0; i < deq.length; i++) {
      float scale = q.scales()[g == Granularity.PER_CHANNEL ? l.channelOf(i) : 0];
      assertThat(Math.abs(deq[i] - l.weights()[i])).isLessThanOrEqualTo(scale / 2 * 1.0001f);
    }
  }

  @Test
  void percentileClippingNarrowsTheRangeToTheNearestRankAndClipsTheOutliers() {
    // 1000 weights: 0.001 · (1..999) and one outlier 10.0
    float[] w = new float[1000];
    for (int i = 0; i < 999; i++) {
      w[i] = 0.001f * (i + 1);
    }
    w[999] = 10f;
    LayerWeights l = new LayerWeights("l", io.modelpress.weights.LayerKind.DENSE, new int[] {1000, 1}, 1, 1, w, new float[0]);
    QuantSpec minMax = new QuantSpec(8, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL,
        QuantSpec.Algorithm.UNIFORM, 100, 0, 1e-4);
    QuantSpec p99 = new QuantSpec(8, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL,
        QuantSpec.Algorithm.UNIFORM, 99, 0, 1e-4);
    ValueCoding.Uniform a = UniformQuantizer.quantize(l, minMax);
    ValueCoding.Uniform b = UniformQuantizer.quantize(l, p99);
    assertThat(a.scales()[0]).isEqualTo(10f / 127);
    // nearest rank: the 990th smallest |w| is 0.99
    assertThat(b.scales()[0]).isEqualTo(w[989] / 127);
    float[] dq = UniformQuantizer.dequantize(l, b);
    assertThat(dq[999]).isEqualTo(127 * (w[989] / 127)); // the outlier is clipped to the top level
    assertThat(Math.abs(dq[499] - w[499])).isLessThanOrEqualTo(0.99f / 127 / 2 + 1e-7f);
    // 99.9 of the 1000 is the 999th value (0.999), computed in decimal: binary 0.999 × 1000 rounds up to the maximum
    QuantSpec p999 = new QuantSpec(8, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL,
        QuantSpec.Algorithm.UNIFORM, 99.9, 0, 1e-4);
    assertThat(UniformQuantizer.quantize(l, p999).scales()[0]).isEqualTo(w[998] / 127);
    // pruned zeros are not part of the distribution: 9,000 zeros added change nothing
    float[] sparse = java.util.Arrays.copyOf(w, 10_000);
    LayerWeights ls = new LayerWeights("l", io.modelpress.weights.LayerKind.DENSE, new int[] {10_000, 1}, 1, 1, sparse,
        new float[0]);
    assertThat(UniformQuantizer.quantize(ls, p99).scales()[0]).isEqualTo(w[989] / 127);
    // affine: the lower bound is the mirror rank, so as many weights are clipped below as above
    float[] both = new float[2000];
    for (int i = 0; i < 1000; i++) {
      both[i] = w[i];
      both[1000 + i] = -w[i];
    }
    LayerWeights lb = new LayerWeights("l", io.modelpress.weights.LayerKind.DENSE, new int[] {2000, 1}, 1, 1, both,
        new float[0]);
    ValueCoding.Uniform affine = UniformQuantizer.quantize(lb, new QuantSpec(8, Scheme.AFFINE, Granularity.PER_TENSOR,
        LayerSelector.ALL, QuantSpec.Algorithm.UNIFORM, 99, 0, 1e-4));
    assertThat(affine.scales()[0]).isEqualTo((w[979] - (-w[979])) / 255);
    // clipping applies to uniform 2..8 bits only
    assertThatThrownBy(() -> new QuantSpec(4, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL,
        QuantSpec.Algorithm.KMEANS, 99, 0, 1e-4)).hasMessage("'clip-percentile' applies to uniform quantization with 2..8 bits only");
  }

  @Test
  void perChannelIsNoWorseThanPerTensor() {
    LayerWeights l = TestData.dense("fc", io.modelpress.weights.LayerKind.DENSE, 100, 10, new Random(1));
    float[] w = l.weights().clone();
    for (int i = 0; i < w.length; i++) {
      w[i] *= 1 + l.channelOf(i); // channels with very different ranges
    }
    l = l.withWeights(w);
    double errT = error(l, Granularity.PER_TENSOR);
    double errC = error(l, Granularity.PER_CHANNEL);
    assertThat(errC).isLessThan(errT);
  }

  @Test
  void pruneThenQuantizeKeepsPrunedWeightsAtZero() {
    ModelWeights m = TestData.smallModel(9);
    TrialSpec t = new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.7, LayerSelector.ALL),
        new QuantSpec(4, Scheme.AFFINE, Granularity.PER_CHANNEL, LayerSelector.ALL)));
    CompressedModel c = TrialCompressor.apply(m, t);
    CompressedModel prunedOnly = TrialCompressor.apply(m, new TrialSpec(List.of(t.steps().get(0))));
    for (int l = 0; l < m.layers().size(); l++) {
      float[] p = prunedOnly.weights().layers().get(l).weights();
      float[] q = c.weights().layers().get(l).weights();
      for (int i = 0; i < p.length; i++) {
        if (p[i] == 0f) {
          assertThat(q[i]).isEqualTo(0f);
        }
      }
    }
    assertThat(c.prunedSparsity()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(0.005));
  }

  @Test
  void halfPrecisionRoundTripsEveryHalfValue() {
    for (int h = 0; h < 65536; h++) {
      float f = HalfFloat.toFloat((short) h);
      if (Float.isNaN(f)) {
        continue;
      }
      assertThat(HalfFloat.fromFloat(f) & 0xffff).as("half 0x%04x", h).isEqualTo(h);
    }
    assertThat(HalfFloat.round(1.0f)).isEqualTo(1.0f);
    assertThat(HalfFloat.round(65504f)).isEqualTo(65504f);
    assertThat(HalfFloat.round(65520f)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(HalfFloat.round(1.0f + 1f / 2048)).isEqualTo(1.0f); // tie rounds to even
    assertThat(HalfFloat.round(1.0f + 3f / 2048)).isEqualTo(1.0f + 2f / 1024);
    assertThat(HalfFloat.round(0.1f)).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(0.0001f));
  }

  @Test
  void degenerateRangesQuantizeToZeroOrAreRefused() {
    LayerWeights tiny = new LayerWeights("t", io.modelpress.weights.LayerKind.DENSE, new int[] {2, 1}, 1, 1,
        new float[] {1e-44f, -1e-44f}, new float[0]);
    float[] d = UniformQuantizer.dequantize(tiny, UniformQuantizer.quantize(tiny,
        new QuantSpec(4, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL)));
    assertThat(d).containsExactly(0f, 0f);
    LayerWeights huge = tiny.withWeights(new float[] {3e38f, -3e38f});
    assertThatThrownBy(() -> UniformQuantizer.quantize(huge, new QuantSpec(4, Scheme.AFFINE, Granularity.PER_TENSOR,
        LayerSelector.ALL))).hasMessageStartingWith("layer 't' has weights in [-3.0E38, 3.0E38], too wide to quantize");
  }

  @Test
  void bitsOutsideTheRangeAreRefused() {
    assertThatThrownBy(() -> new QuantSpec(9, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL))
        .hasMessage("'bits' is set to 9 but must be in 2..8, 16 or 32");
    assertThatThrownBy(() -> new QuantSpec(1, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL))
        .hasMessage("'bits' is set to 1 but must be in 2..8, 16 or 32");
  }

  private static double error(LayerWeights l, Granularity g) {
    ValueCoding.Uniform q = UniformQuantizer.quantize(l, new QuantSpec(4, Scheme.SYMMETRIC, g, LayerSelector.ALL));
    float[] d = UniformQuantizer.dequantize(l, q);
    double e = 0;
    for (int i = 0; i < d.length; i++) {
      e += (d[i] - l.weights()[i]) * (d[i] - l.weights()[i]);
    }
    return e;
  }
}
