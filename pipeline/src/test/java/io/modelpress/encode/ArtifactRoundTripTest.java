package io.modelpress.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.QuantSpec.Granularity;
import io.modelpress.spec.QuantSpec.Scheme;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ArtifactRoundTripTest {

  static final byte[] FP = new byte[32];

  static {
    Arrays.fill(FP, (byte) 7);
  }

  /** A model with a dense, a conv and an output layer, large enough for long index gaps. */
  static ModelWeights model() {
    Random r = new Random(11);
    return new ModelWeights(List.of(
        TestData.conv("conv1", 6, 3, 3, 144, r),
        TestData.dense("fc1", LayerKind.DENSE, 300, 40, r),
        TestData.dense("out", LayerKind.OUTPUT, 40, 10, r)));
  }

  static Stream<TrialSpec> trials() {
    List<TrialSpec> out = new ArrayList<>();
    out.add(TrialSpec.BASE);
    for (double s : new double[] {0.3, 0.9, 0.99, 0.999}) {
      out.add(new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.GLOBAL, s, LayerSelector.ALL))));
      for (int bits : new int[] {2, 3, 5, 8, 16}) {
        for (Scheme sc : Scheme.values()) {
          for (Granularity g : Granularity.values()) {
            out.add(new TrialSpec(List.<CompressionStep>of(new PruneSpec(PruneSpec.Scope.LAYER, s, LayerSelector.ALL),
                new QuantSpec(bits, sc, g, LayerSelector.ALL))));
          }
        }
      }
    }
    out.add(new TrialSpec(List.of(new QuantSpec(4, Scheme.AFFINE, Granularity.PER_CHANNEL, LayerSelector.named("fc1")))));
    for (QuantSpec.Algorithm a : List.of(QuantSpec.Algorithm.KMEANS, QuantSpec.Algorithm.POWER_OF_TWO)) {
      for (int bits : new int[] {2, 4, 6}) {
        out.add(new TrialSpec(List.of(new QuantSpec(bits, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL, a))));
        out.add(new TrialSpec(List.<CompressionStep>of(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.95, LayerSelector.ALL),
            new QuantSpec(bits, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL, a))));
      }
    }
    return out.stream();
  }

  @ParameterizedTest
  @MethodSource("trials")
  void decodeOfEncodeRestoresExactlyTheEvaluatedWeights(TrialSpec trial) {
    CompressedModel c = TrialCompressor.apply(model(), trial);
    byte[] bytes = ArtifactEncoder.encode(c, FP);
    ArtifactDecoder.Decoded d = ArtifactDecoder.decode(bytes);
    assertThat(d.fingerprint()).isEqualTo(FP);
    assertThat(d.weights().names()).isEqualTo(c.weights().names());
    for (int l = 0; l < c.weights().layers().size(); l++) {
      LayerWeights a = c.weights().layers().get(l);
      LayerWeights b = d.weights().layers().get(l);
      assertThat(b.shape()).isEqualTo(a.shape());
      assertThat(b.kind()).isEqualTo(a.kind());
      assertThat(b.positions()).isEqualTo(a.positions());
      assertThat(bits(b.weights())).as("layer %s of %s", a.name(), trial.canonicalJson()).isEqualTo(bits(a.weights()));
      assertThat(bits(b.bias())).isEqualTo(bits(a.bias()));
    }
  }

  @Test
  void sparserAndFewerBitsGiveSmallerArtifacts() {
    ModelWeights m = model();
    long dense = size(m, TrialSpec.BASE);
    long pruned90 = size(m, new TrialSpec(List.of(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9, LayerSelector.ALL))));
    long q4 = size(m, new TrialSpec(List.of(new QuantSpec(4, Scheme.SYMMETRIC, Granularity.PER_TENSOR, LayerSelector.ALL))));
    long fp32Bytes = 4L * m.params();
    assertThat(dense).isGreaterThan(fp32Bytes); // the dense artifact is the fp32 values plus a header
    assertThat(dense - fp32Bytes).isLessThan(200);
    assertThat(pruned90).isLessThan(fp32Bytes / 4);
    assertThat(q4).isLessThan(fp32Bytes / 6);
  }

  @Test
  void relativeIndicesBridgeLongGapsWithPaddingEntries() {
    boolean[] stored = new boolean[100];
    stored[0] = true;
    stored[40] = true;
    stored[99] = true;
    // 3-bit gaps (max 7): 0 → 40 needs 39 = 4 paddings of 8 + 1 entry, 40 → 99 needs 58 = 7 paddings + 1
    assertThat(ArtifactEncoder.relativeEntries(stored, 3)).isEqualTo(1 + 5 + 8);
    float[] w = new float[100];
    w[0] = 1f;
    w[40] = -2f;
    w[99] = 3f;
    LayerWeights l = new LayerWeights("x", LayerKind.DENSE, new int[] {100, 1}, 1, 1, w, new float[0]);
    CompressedModel c = new CompressedModel(new ModelWeights(List.of(l)), java.util.Map.of(), Double.NaN);
    assertThat(ArtifactDecoder.decode(ArtifactEncoder.encode(c, FP)).weights().layer("x").weights()).isEqualTo(w);
  }

  @Test
  void damagedArtifactsAreRefused() {
    byte[] bytes = ArtifactEncoder.encode(TrialCompressor.apply(model(), TrialSpec.BASE), FP);
    assertThatThrownBy(() -> ArtifactDecoder.decode(Arrays.copyOf(bytes, bytes.length / 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    byte[] bad = bytes.clone();
    bad[0] = 'X';
    assertThatThrownBy(() -> ArtifactDecoder.decode(bad)).hasMessageStartingWith("not a modelpress artifact");
  }

  @Test
  void aDamagedSizeIsRefusedBeforeAnythingIsAllocated() {
    float[] w = {1f, 2f};
    LayerWeights l = new LayerWeights("x", LayerKind.DENSE, new int[] {2, 1}, 1, 1, w, new float[0]);
    byte[] bytes = ArtifactEncoder.encode(new CompressedModel(new ModelWeights(List.of(l)), java.util.Map.of(), Double.NaN), FP);
    int shapeAt = 4 + 1 + 32 + 2 + 2 + 1 + 1 + 1; // magic, version, fingerprint, count, UTF "x", kind, rank
    java.nio.ByteBuffer.wrap(bytes).putInt(shapeAt, Integer.MAX_VALUE);
    assertThatThrownBy(() -> ArtifactDecoder.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("artifact damaged: layer 'x' declares shape dimension " + Integer.MAX_VALUE);
  }

  private static long size(ModelWeights m, TrialSpec t) {
    return ArtifactEncoder.encode(TrialCompressor.apply(m, t), FP).length;
  }

  private static int[] bits(float[] f) {
    int[] out = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = Float.floatToRawIntBits(f[i]);
    }
    return out;
  }
}
