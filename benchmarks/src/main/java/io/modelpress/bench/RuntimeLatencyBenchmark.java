package io.modelpress.bench;

import io.modelpress.spec.Defaults;
import io.modelpress.compress.CompressedModel;
import io.modelpress.compress.TrialCompressor;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.weights.ModelWeights;
import io.modelpress.runtime.Architecture;
import io.modelpress.runtime.CompiledModel;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrainSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latency of one forward pass of LeNet-300-100 (784-300-100-10, ReLU, softmax; LeCun et al. 1998) on real
 * MNIST test images: DL4J against the pure-Java runtime executing each compressed form. The JMH complement
 * of {@code modelpress bench latency}, which runs the variants interleaved in one JVM (and fine-tunes the
 * pruned ones); here every variant × batch gets its own forked JVM, JIT warm-up and JMH's timing and
 * dead-code safeguards.
 *
 * <p>Variants ({@link #variant}), all from the same trained weights:
 * <ul>
 *   <li>{@code dl4j-dense}: DL4J's {@code MultiLayerNetwork.output} through {@link Network#outputs} on a
 *       prepared input matrix, fp32, probabilities copied out as the runtime returns them;
 *   <li>{@code runtime-dense}: the runtime's dense fp32 kernels;
 *   <li>{@code runtime-csr-90}: global magnitude pruning to 90 % zeros (Han et al. 2015), executed as CSR;
 *   <li>{@code runtime-structured-50}: half the neurons of each hidden layer removed by L1 norm (Li et al.
 *       2017), executed dense at the smaller sizes, 784-150-50-10;
 *   <li>{@code runtime-int8}: weights 8-bit per output channel, activations 8-bit per row;
 *   <li>{@code runtime-codebook-5}: 5-bit k-means weight sharing (Han et al. 2016), executed from the
 *       codebook ({@link CompiledModel.Mode#AUTO}).
 * </ul>
 * Pruning here is one shot, without fine-tuning: the accuracy it costs is logged at set-up and is not
 * what a deployed model would have (see {@code bench latency} for fine-tuned variants). The kernels do the
 * same work per stored weight either way; latency can differ from a fine-tuned model's through which
 * weights survive in which layer and through how many inputs and ReLU outputs are exactly 0, which every
 * kernel skips. That is also why the inputs are real images, not constants.
 *
 * <p>One invocation runs one batch of {@link #batch} consecutive test images; successive invocations cycle
 * through the first {@value #IMAGES} test images. The score is the time per invocation (per batch). The
 * model is LeNet-300-100 trained for 10 epochs exactly as {@code bench latency} trains it, so both use the
 * same file in the model cache; when it is missing, set-up trains it (a few minutes on 2 cores).
 *
 * <p>Run with {@code bin/bench-jmh} (one OpenMP thread), e.g. {@code bin/bench-jmh -p batch=1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 8, time = 1) // DL4J needs ~5 s of JIT warm-up to settle; the runtime ~1 s
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RuntimeLatencyBenchmark {

  private static final Logger LOG = LoggerFactory.getLogger(RuntimeLatencyBenchmark.class);

  /** Test images cycled through (2,048 = 64 batches of 32). */
  static final int IMAGES = 2048;

  /** The model and training of {@code modelpress bench latency}: equal specs share one cached file. */
  static final ModelSpec.Zoo LENET = new ModelSpec.Zoo("lenet-300-100", new TrainSpec(10, 128, 1e-3, 42));

  static final List<String> VARIANTS = List.of("dl4j-dense", "runtime-dense", "runtime-csr-90",
      "runtime-structured-50", "runtime-int8", "runtime-codebook-5");

  @Param({"dl4j-dense", "runtime-dense", "runtime-csr-90", "runtime-structured-50", "runtime-int8",
      "runtime-codebook-5"})
  public String variant;

  @Param({"1", "32"})
  public int batch;

  private Network net;
  private Network.Inputs[] dl4jBatches;
  private CompiledModel model;
  private float[][] batches;
  private int count;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    if (!VARIANTS.contains(variant)) {
      throw new IllegalArgumentException("'variant' is set to " + variant + " but must be one of " + VARIANTS);
    }
    if (batch < 1 || batch > IMAGES) {
      throw new IllegalArgumentException("'batch' is set to " + batch + " but must be in [1, " + IMAGES + "]");
    }
    Configuration conf = new Configuration();
    DatasetSpec mnist = new DatasetSpec("mnist", "", 0, 0);
    LabeledImages train = Datasets.train(mnist, conf);
    LabeledImages test = Datasets.test(mnist, conf);
    byte[] bytes = ModelStore.cachedZoo(LENET, train, Datasets.cacheDir(), () -> {
      LOG.info("Training {} for {} epochs (cached afterwards) ...", LENET.name(), LENET.train().epochs());
      return Backends.dl4j().trainer().train(LENET.name(), LENET.train(), train,
          (e, s) -> LOG.info("epoch {} took {} s", e, String.format("%.1f", s))).save();
    });
    net = Backends.dl4j().restore(bytes);
    count = IMAGES / batch;
    int f = test.features();
    double accuracy;
    String kernels;
    if (variant.equals("dl4j-dense")) {
      dl4jBatches = new Network.Inputs[count];
      for (int b = 0; b < count; b++) {
        int from = b * batch;
        dl4jBatches[b] = net.inputs(new LabeledImages(batch, test.height(), test.width(),
            Arrays.copyOfRange(test.pixels(), from * f, (from + batch) * f),
            Arrays.copyOfRange(test.labels(), from, from + batch), test.fingerprint()));
      }
      accuracy = ClassificationMetrics.of(test.labels(), net.predict(net.inputs(test), 256), Datasets.CLASSES)
          .accuracy();
      kernels = "dl4j";
    } else {
      model = compile(variant, net.weights(), net.architecture());
      batches = new float[count][];
      for (int b = 0; b < count; b++) {
        batches[b] = test.features(b * batch, (b + 1) * batch);
      }
      accuracy = ClassificationMetrics.of(test.labels(), model.predict(test.features(0, test.count()), test.count(),
          256), Datasets.CLASSES).accuracy();
      kernels = model.kinds();
    }
    LOG.info("{}, batch {}: kernels {}, accuracy {} % on {} test images; OMP_NUM_THREADS={}", variant, batch,
        kernels, String.format("%.2f", 100 * accuracy), test.count(), System.getenv("OMP_NUM_THREADS"));
  }

  /** The runtime form of {@code variant}, compressed from {@code w} (one shot, no fine-tuning). */
  static CompiledModel compile(String variant, ModelWeights w, Architecture arch) {
    switch (variant) {
      case "runtime-dense":
        return CompiledModel.compile(new CompressedModel(w, Map.of(), Double.NaN), arch, CompiledModel.Mode.DENSE);
      case "runtime-csr-90": {
        TrialCompressor.Pruned p = TrialCompressor.prune(w, new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9,
            LayerSelector.ALL));
        return CompiledModel.compile(new CompressedModel(p.weights(), Map.of(), p.sparsity()), arch,
            CompiledModel.Mode.CSR);
      }
      case "runtime-structured-50": {
        TrialCompressor.Pruned p = TrialCompressor.prune(w, new PruneSpec(PruneSpec.Scope.LAYER, 0.5,
            LayerSelector.ALL, PruneSpec.Criterion.MAGNITUDE, PruneSpec.Structure.STRUCTURED,
            Defaults.CALIBRATION_BATCHES));
        return CompiledModel.compile(new CompressedModel(p.weights(), Map.of(), p.sparsity()), arch,
            CompiledModel.Mode.DENSE);
      }
      case "runtime-int8":
        return CompiledModel.compile(new CompressedModel(w, Map.of(), Double.NaN), arch, CompiledModel.Mode.INT8);
      case "runtime-codebook-5":
        return CompiledModel.compile(TrialCompressor.quantize(w, Optional.of(new QuantSpec(5,
            QuantSpec.Scheme.SYMMETRIC, QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL,
            QuantSpec.Algorithm.KMEANS)), Double.NaN), arch, CompiledModel.Mode.AUTO);
      default:
        throw new IllegalArgumentException("'variant' is set to " + variant + " but must be one of "
            + VARIANTS.subList(1, VARIANTS.size()) + " for the runtime");
    }
  }

  /** One forward pass of the next batch; the probabilities go to JMH's blackhole. */
  @Benchmark
  public float[] forward() {
    int b = next;
    next = b + 1 == count ? 0 : b + 1;
    return model != null ? model.forward(batches[b], batch) : net.outputs(dl4jBatches[b]);
  }
}
