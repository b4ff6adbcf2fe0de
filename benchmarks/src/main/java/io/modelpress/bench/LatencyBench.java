package io.modelpress.bench;

import io.modelpress.compress.CompressedModel;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.measure.ClassificationMetrics;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.plan.PlannedTrial;
import io.modelpress.runtime.CompiledModel;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.FineTuneSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.ModelSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrainSpec;
import io.modelpress.spec.TrialSpec;
import io.modelpress.sweep.TrialEvaluator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code modelpress bench latency}: batch-1 latency of LeNet-300-100 on one core, DL4J dense fp32 against
 * the pure-Java runtime executing dense fp32, 90 %-sparse CSR (AGP-fine-tuned), structured-pruned
 * (50 %, 75 % and 85 % of the hidden neurons, fine-tuned), int8 and 5-bit k-means codebooks. Every variant's accuracy on
 * the 10,000 test images is measured by the runtime itself. The variants run interleaved, image by image
 * in {@code --runs} rounds, so machine noise hits them alike; p50 and p95 over all timed inferences.
 */
@Command(name = "latency", mixinStandardHelpOptions = true,
    description = "Batch-1 latency of the runtime's kernels on LeNet-300-100, end to end, against DL4J.")
final class LatencyBench implements java.util.concurrent.Callable<Integer> {


  @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "default: ${DEFAULT-VALUE}")
  int runs;

  @Option(names = "--images", paramLabel = "N", defaultValue = "2000", description = "batch-1 inputs timed; "
      + "default: ${DEFAULT-VALUE}")
  int images;

  private final PrintStream out;

  LatencyBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    Configuration conf = new Configuration();
    DatasetSpec ds = new DatasetSpec("mnist", "", 0, 0);
    LabeledImages train = Datasets.train(ds, conf);
    LabeledImages test = Datasets.test(ds, conf);
    ModelSpec.Zoo zoo = new ModelSpec.Zoo("lenet-300-100", new TrainSpec(10, 128, 1e-3, 42));
    byte[] bytes = ModelStore.cachedZoo(zoo, train, Datasets.cacheDir(), () -> {
      out.println("training lenet-300-100 (10 epochs) ...");
      return Backends.dl4j().trainer().train("lenet-300-100", zoo.train(), train, (e, s) -> { }).save();
    });
    Network net = Backends.dl4j().restore(bytes);
    TrialEvaluator ev = new TrialEvaluator(Backends.dl4j(), net, net.weights(), test, train, ModelStore.sha256(bytes), 10_000);
    io.modelpress.runtime.Architecture act = net.architecture();

    Map<String, CompiledModel> variants = new LinkedHashMap<>();
    variants.put("runtime dense fp32", CompiledModel.compile(new CompressedModel(net.weights(), Map.of(), Double.NaN), act,
        CompiledModel.Mode.DENSE));
    CompressedModel sparse = ev.compress(trial(new PruneSpec(PruneSpec.Scope.GLOBAL, 0.9, LayerSelector.ALL),
        new FineTuneSpec(2, 5e-4, 128, FineTuneSpec.Schedule.AGP, 10))).model();
    variants.put("runtime CSR, global 90 % sparse (AGP 2 epochs)", CompiledModel.compile(sparse, act,
        CompiledModel.Mode.CSR));
    CompressedModel structured = ev.compress(trial(new PruneSpec(PruneSpec.Scope.LAYER, 0.5, LayerSelector.ALL,
        PruneSpec.Criterion.MAGNITUDE, PruneSpec.Structure.STRUCTURED, 16),
        new FineTuneSpec(1, 1e-3, 128, FineTuneSpec.Schedule.ONE_SHOT, 10))).model();
    variants.put("runtime dense, structured 50 % of neurons (1 epoch)", CompiledModel.compile(structured, act,
        CompiledModel.Mode.DENSE));
    for (double level : new double[] {0.75, 0.85}) {
      CompressedModel smaller = ev.compress(trial(new PruneSpec(PruneSpec.Scope.LAYER, level, LayerSelector.ALL,
          PruneSpec.Criterion.MAGNITUDE, PruneSpec.Structure.STRUCTURED, 16),
          new FineTuneSpec(2, 1e-3, 128, FineTuneSpec.Schedule.ONE_SHOT, 10))).model();
      variants.put(String.format(Locale.ROOT, "runtime dense, structured %.0f %% of neurons (2 epochs)", 100 * level),
          CompiledModel.compile(smaller, act, CompiledModel.Mode.DENSE));
    }
    variants.put("runtime int8 (8-bit weights and activations)", CompiledModel.compile(
        new CompressedModel(net.weights(), Map.of(), Double.NaN), act, CompiledModel.Mode.INT8));
    CompressedModel km = ev.compress(trial(new QuantSpec(5, QuantSpec.Scheme.SYMMETRIC,
        QuantSpec.Granularity.PER_TENSOR, LayerSelector.ALL, QuantSpec.Algorithm.KMEANS))).model();
    variants.put("runtime codebook, 5-bit k-means", CompiledModel.compile(km, act, CompiledModel.Mode.AUTO));

    float[] x = test.features(0, test.count());
    int f = test.features();
    Map<String, Double> accuracy = new LinkedHashMap<>();
    Network.Inputs inputs = net.inputs(test);
    accuracy.put("DL4J dense fp32", ClassificationMetrics.of(test.labels(), net.predict(inputs, 10_000), 10).accuracy());
    for (var e : variants.entrySet()) {
      accuracy.put(e.getKey(), ClassificationMetrics.of(test.labels(), e.getValue().predict(x, test.count(), 256), 10)
          .accuracy());
    }
    // batch-1 inputs for DL4J: one row at a time, as a device would run
    LabeledImages[] rows = new LabeledImages[images];
    for (int i = 0; i < images; i++) {
      byte[] px = Arrays.copyOfRange(test.pixels(), i * f, (i + 1) * f);
      rows[i] = new LabeledImages(1, test.height(), test.width(), px, new int[] {test.labels()[i]}, new byte[32]);
    }
    Network.Inputs[] dl4jRows = new Network.Inputs[images];
    net.load(net.weights());
    for (int i = 0; i < images; i++) {
      dl4jRows[i] = net.inputs(rows[i]);
    }
    Map<String, long[]> times = new LinkedHashMap<>();
    times.put("DL4J dense fp32", new long[runs * images]);
    variants.keySet().forEach(k -> times.put(k, new long[runs * images]));
    float[] one = new float[f];
    for (int warm = 0; warm < 2; warm++) { // JIT warm-up, untimed
      for (int i = 0; i < images; i++) {
        net.predict(dl4jRows[i], 1);
        System.arraycopy(x, i * f, one, 0, f);
        for (CompiledModel m : variants.values()) {
          m.forward(one, 1);
        }
      }
    }
    for (int r = 0; r < runs; r++) {
      for (int i = 0; i < images; i++) {
        long t0 = System.nanoTime();
        net.predict(dl4jRows[i], 1);
        times.get("DL4J dense fp32")[r * images + i] = System.nanoTime() - t0;
        System.arraycopy(x, i * f, one, 0, f);
        for (var e : variants.entrySet()) {
          long t1 = System.nanoTime();
          e.getValue().forward(one, 1);
          times.get(e.getKey())[r * images + i] = System.nanoTime() - t1;
        }
      }
    }
    double denseP50 = percentile(times.get("runtime dense fp32"), 0.5);
    double dl4jP50 = percentile(times.get("DL4J dense fp32"), 0.5);
    out.printf(Locale.ROOT, "LeNet-300-100, batch 1, %d images × %d rounds, one thread (OMP_NUM_THREADS=%s), %d cpus%n",
        images, runs, System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors());
    out.printf(Locale.ROOT, "| variant | accuracy | p50 µs | p95 µs | speed-up vs runtime dense | vs DL4J dense |%n");
    out.printf(Locale.ROOT, "|---|---|---|---|---|---|%n");
    for (var e : times.entrySet()) {
      double p50 = percentile(e.getValue(), 0.5);
      out.printf(Locale.ROOT, "| %s | %.2f %% | %.1f | %.1f | %.2f× | %.2f× |%n", e.getKey(),
          100 * accuracy.get(e.getKey()), p50 / 1e3, percentile(e.getValue(), 0.95) / 1e3, denseP50 / p50, dl4jP50 / p50);
    }
    return 0;
  }

  private static PlannedTrial trial(io.modelpress.spec.CompressionStep... steps) {
    return new PlannedTrial("latency", 1, "latency", 7, new TrialSpec(List.of(steps)));
  }

  private static double percentile(long[] v, double q) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
  }
}
