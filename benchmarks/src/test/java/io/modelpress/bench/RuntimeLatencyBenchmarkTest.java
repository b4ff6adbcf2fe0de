package io.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.model.Backends;
import io.modelpress.model.dl4j.Dl4jBackend;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.runtime.CompiledModel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/**
 * The benchmark measures the kernels it names. Builds the variants from an untrained LeNet-300-100 (no
 * data, no timing): a benchmark that silently ran the wrong kernel would still produce numbers.
 */
class RuntimeLatencyBenchmarkTest {

  static Network net;

  @BeforeAll
  static void lenet() {
    net = Dl4jBackend.INSTANCE.initialised("lenet-300-100", 7);
  }

  @Test
  void paramListIsTheVariantList() throws NoSuchFieldException {
    String[] values = RuntimeLatencyBenchmark.class.getField("variant").getAnnotation(Param.class).value();
    assertThat(Arrays.asList(values)).isEqualTo(RuntimeLatencyBenchmark.VARIANTS);
  }

  @Test
  void eachRuntimeVariantRunsItsKernel() {
    List<String> expected = List.of("dense-fp32", "csr-fp32", "dense-fp32", "int8", "codebook");
    List<String> runtime = RuntimeLatencyBenchmark.VARIANTS.subList(1, RuntimeLatencyBenchmark.VARIANTS.size());
    for (int v = 0; v < runtime.size(); v++) {
      CompiledModel m = RuntimeLatencyBenchmark.compile(runtime.get(v), net.weights(), net.architecture());
      String k = expected.get(v);
      assertThat(m.kinds()).as(runtime.get(v)).isEqualTo(k + "," + k + "," + k);
      assertThat(m.inputs()).isEqualTo(784);
      assertThat(m.outputs()).isEqualTo(10);
      assertThat(m.forward(new float[2 * 784], 2)).hasSize(20);
    }
  }

  @Test
  void unknownVariantIsRefused() {
    assertThatThrownBy(() -> RuntimeLatencyBenchmark.compile("runtime-fp16", net.weights(), net.architecture()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'variant' is set to runtime-fp16 but must be one of [runtime-dense, runtime-csr-90, "
            + "runtime-structured-50, runtime-int8, runtime-codebook-5] for the runtime");
  }
}
