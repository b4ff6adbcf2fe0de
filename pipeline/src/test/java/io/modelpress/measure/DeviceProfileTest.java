package io.modelpress.measure;

import static io.modelpress.measure.LayerWorkload.Arithmetic.CODEBOOK;
import static io.modelpress.measure.LayerWorkload.Arithmetic.FP32;
import static io.modelpress.measure.LayerWorkload.Arithmetic.INT8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelpress.TestData;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.config.ConfigException;
import io.modelpress.config.DeviceProfilesParser;
import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceProfileTest {

  // 1 GMAC/s fp32, 4 GMAC/s int8, 1 GB/s, sparse kernels at half peak, 10 µs overhead
  static final DeviceProfile D = new DeviceProfile("d", "test", 1, 4, 1, 0.5, 10, 4, 1, 100, 10_000);

  @Test
  void eachLayerTakesTheLongerOfComputeAndWeightTrafficPlusTheOverhead() {
    // compute-bound fp32: 1e6 MACs at 1e9/s = 1 ms; 4,000 bytes at 1e9 B/s = 4 µs
    LayerWorkload a = new LayerWorkload("a", 1_000_000, 1_000_000, false, 32, 4_000, FP32);
    // memory-bound int8: 1e3 MACs at 4e9/s = 0.25 µs; 1e6 bytes = 1 ms
    LayerWorkload b = new LayerWorkload("b", 1_000, 1_000, false, 8, 1_000_000, INT8);
    // sparse fp32: 1e5 executed MACs at 0.5e9/s = 0.2 ms
    LayerWorkload c = new LayerWorkload("c", 1_000_000, 100_000, true, 32, 1_000, FP32);
    DeviceProfile.Estimate e = D.estimate(List.of(a, b, c));
    assertThat(e.latencyMs()).isCloseTo(1 + 1 + 0.2 + 0.01, within(1e-9));
    // energy: MACs × pJ/MAC + bytes × pJ/byte, in µJ
    double pj = 1_000_000 * 4 + 4_000 * 100 + 1_000 * 1 + 1_000_000 * 100 + 100_000 * 4 + 1_000 * 100;
    assertThat(e.energyUj()).isCloseTo(pj / 1e6, within(1e-9));
    assertThat(e.weightBytes()).isEqualTo(1_005_000);
    assertThat(e.fits()).isFalse(); // 10,000 bytes of weight memory
    assertThat(e.computeBound()).isTrue(); // 1.2 ms of compute against 1.005 ms of traffic
  }

  @Test
  void workloadsFollowTheCompressedForm() {
    ModelWeights w = new ModelWeights(List.of(TestData.dense("fc", LayerKind.DENSE, 100, 10, new java.util.Random(1))));
    LayerWorkload dense = LayerWorkload.of(new CompressedModel(w, Map.of(), Double.NaN)).get(0);
    assertThat(dense).isEqualTo(new LayerWorkload("fc", 1000, 1000, false, 32, 4000 + 40, FP32));
    CompressedModel pruned = TrialCompressor.apply(w, new TrialSpec(List.of(
        new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9, LayerSelector.ALL),
        new QuantSpec(4, QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL))));
    LayerWorkload sparse = LayerWorkload.of(pruned).get(0);
    LayerWeights l = pruned.weights().layers().get(0);
    assertThat(l.nonZeros()).isEqualTo(100);
    // 100 non-zeros × (4-bit value + 16-bit index), 101 row pointers, 10 biases
    assertThat(sparse).isEqualTo(new LayerWorkload("fc", 1000, 100, true, 4, (100 * 20) / 8 + 4 * 101 + 40, INT8));
    // the sparse int8 model is estimated faster and cheaper than the dense fp32 one on every bundled device
    for (DeviceProfile d : DeviceProfilesParser.bundled()) {
      assertThat(d.estimate(List.of(sparse)).latencyMs()).isLessThan(d.estimate(List.of(dense)).latencyMs());
      assertThat(d.estimate(List.of(sparse)).energyUj()).isLessThan(d.estimate(List.of(dense)).energyUj());
    }
  }

  @Test
  void codebookLayersRunAtTheFp32PeakAndUniformCodesAtTheInt8Peak() {
    ModelWeights w = new ModelWeights(List.of(TestData.dense("fc", LayerKind.DENSE, 100, 10, new java.util.Random(1))));
    LayerWorkload kmeans = LayerWorkload.of(TrialCompressor.apply(w, new TrialSpec(List.of(new QuantSpec(4,
        QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL, QuantSpec.Algorithm.KMEANS)))))
        .get(0);
    LayerWorkload uniform = LayerWorkload.of(TrialCompressor.apply(w, new TrialSpec(List.of(new QuantSpec(4,
        QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL))))).get(0);
    // both: 1,000 MACs, dense, 4-bit values: 500 bytes of codes + 40 bytes of fp32 biases
    assertThat(kmeans).isEqualTo(new LayerWorkload("fc", 1000, 1000, false, 4, 540, CODEBOOK));
    assertThat(uniform).isEqualTo(new LayerWorkload("fc", 1000, 1000, false, 4, 540, INT8));
    // k-means: the centroids are fp32 numbers: 1,000 MACs at 1 GMAC/s = 1 µs > 540 B at 1 GB/s = 0.54 µs;
    // plus 10 µs overhead; 1,000 × 4 pJ + 540 × 100 pJ
    DeviceProfile.Estimate k = D.estimate(List.of(kmeans));
    assertThat(k.latencyMs()).isCloseTo(0.011, within(1e-12));
    assertThat(k.energyUj()).isCloseTo(0.058, within(1e-12));
    assertThat(k.computeBound()).isTrue();
    // uniform: integer codes: 1,000 MACs at 4 GMAC/s = 0.25 µs < 0.54 µs of traffic; 1,000 × 1 pJ + 540 × 100 pJ
    DeviceProfile.Estimate u = D.estimate(List.of(uniform));
    assertThat(u.latencyMs()).isCloseTo(0.01054, within(1e-12));
    assertThat(u.energyUj()).isCloseTo(0.055, within(1e-12));
    assertThat(u.computeBound()).isFalse();
  }

  @Test
  void theBundledProfilesAreConfDevicesYaml() throws Exception {
    List<DeviceProfile> bundled = DeviceProfilesParser.bundled();
    assertThat(bundled).isEqualTo(DeviceProfilesParser.parse(
        java.nio.file.Files.readString(java.nio.file.Path.of("..", "conf", "devices.yaml")), "conf/devices.yaml"));
    assertThat(bundled).extracting(DeviceProfile::name)
        .contains("phone-big-core", "phone-little-core", "mcu-cortex-m7", "mcu-cortex-m4");
  }

  static final String ONE = """
      version: 1
      devices:
        - {name: x, description: d, fp32-gmacs: 1, int8-gmacs: 2, memory-gbps: 1, sparse-efficiency: 0.5,
           overhead-us: 1, pj-per-fp32-mac: 1, pj-per-int8-mac: 1, pj-per-byte: 1, weight-memory-bytes: 0}
      """;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown key     | fp32-gmacs: 1      | fp32-gflops: 1       | unknown key 'devices[0].fp32-gflops'; valid keys in 'devices[0]': description, fp32-gmacs, int8-gmacs, memory-gbps, name, overhead-us, pj-per-byte, pj-per-fp32-mac, pj-per-int8-mac, sparse-efficiency, weight-memory-bytes
      zero bandwidth  | memory-gbps: 1     | memory-gbps: 0       | 'devices.x.memory-gbps' is 0.0 but must be > 0
      efficiency > 1  | sparse-efficiency: 0.5 | sparse-efficiency: 2 | 'devices.x.sparse-efficiency' is 2.0 but must be in (0, 1]
      reserved name   | name: x            | name: measured       | device name 'measured' in t.yaml is reserved for this machine's measured latency
      missing figure  | 'pj-per-byte: 1, ' | ''                   | device 'x' has no 'pj-per-byte'
      """)
  void badProfilesNameTheKey(String name, String from, String to, String message) {
    assertThatThrownBy(() -> DeviceProfilesParser.parse(ONE.replace(from, to), "t.yaml"))
        .isInstanceOf(ConfigException.class).hasMessage(message);
  }
}
