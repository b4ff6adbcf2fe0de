package io.modelpress.bench;

import io.modelpress.spec.Defaults;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.model.Backends;
import io.modelpress.model.Network;
import io.modelpress.model.Trainer;
import io.modelpress.model.ModelStore;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.LayerSelector;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrainSpec;
import io.modelpress.sweep.Measurements;
import io.modelpress.sweep.TrialResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import io.modelpress.cli.SparkSessions;
import io.modelpress.jobs.SweepRun;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelpress bench}: the benchmark harness. Runs each scenario several times in this JVM and
 * reports min/median/max: the machine's GEMM ceiling (one and two threads, each one ND4J thread, as
 * Spark tasks run), data loading, a training epoch, the eval-only sweep on each master (Spark start
 * included, JVM start excluded) with its per-trial breakdown, and how cost grows with trials and with
 * the evaluation set. Writes {@code <out>/bench-<time>.json} and prints a Markdown table.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"The benchmark harness: GEMM ceiling, data loading, training epoch, eval-only sweeps per master, "
        + "growth with trials and test-set size; writes bench-<time>.json and prints a Markdown table."},
    subcommands = {LatencyBench.class, DistillBench.class})
public final class BenchJob implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", defaultValue = "conf/bench/mnist-mlp-eval.yaml",
      description = "the eval-only sweep; default: ${DEFAULT-VALUE}")
  String configPath;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "runs of each scenario; default: "
      + "${DEFAULT-VALUE}")
  int runs;

  @Option(names = "--masters", paramLabel = "LIST", defaultValue = "local[1],local[2]",
      description = "Spark masters to compare; default: ${DEFAULT-VALUE}")
  String mastersArg;

  @Option(names = "--growth", paramLabel = "LIST", defaultValue = "100,1000", description = "sweep sizes (trials); "
      + "default: ${DEFAULT-VALUE}")
  String growthArg;

  @Option(names = "--dataset-sizes", paramLabel = "LIST", defaultValue = "1000,5000,10000",
      description = "test-set sizes; default: ${DEFAULT-VALUE}")
  String sizesArg;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "where the JSON goes; "
      + "default: ${DEFAULT-VALUE}")
  String outArg;

  private final PrintStream out;

  BenchJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws IOException {
    List<String> masters = Arrays.asList(mastersArg.split(";|,(?![^\\[]*\\])"));
    List<Integer> growth = ints(growthArg);
    List<Integer> sizes = ints(sizesArg);
    Path outDir = Path.of(outArg);
    SweepSpec parsed = SweepConfigParser.parse(Files.readString(Path.of(configPath)), configPath);
    // trial throughput only: latency has its own benchmarks (bench latency, bin/bench-jmh)
    SweepSpec spec = parsed.latency().enabled()
        ? parsed.withLatency(io.modelpress.spec.LatencySpec.OFF).withObjectives(
            parsed.objectives().stream().anyMatch(o -> o.metric().startsWith("latency_"))
                ? Defaults.OBJECTIVES : parsed.objectives())
        : parsed;
    Path scratch = Files.createTempDirectory("modelpress-bench");

    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode report = json.createObjectNode();
    report.put("command", "bin/modelpress bench --config " + configPath + " --runs " + runs);
    report.put("date", Instant.now().toString());
    report.put("cpus", Runtime.getRuntime().availableProcessors());
    report.put("omp_num_threads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
    report.put("java", System.getProperty("java.version"));
    report.put("code_version", io.modelpress.model.Versions.code());
    List<String> md = new ArrayList<>();
    md.add("| scenario | min | median | max | unit |");
    md.add("|---|---|---|---|---|");

    // 1. GEMM ceiling: the evaluation's own product [10000×784]·[784×64] into a preallocated result, one
    // ND4J thread per Java thread (as Spark tasks run); the ceiling is the max
    for (int threads : new int[] {1, 2}) {
      double[] g = new double[Math.max(runs, 5)];
      for (int r = 0; r < g.length; r++) {
        g[r] = gemmGflops(threads, 10_000, 784, 64, 10);
      }
      row(md, report, "gemm_" + threads + "_threads_gflops", "GEMM 10000×784·784×64, " + threads + " thread(s)", g, "GFLOP/s");
    }

    // 2. data loading
    DatasetSpec ds = spec.dataset();
    double[] load = new double[runs];
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      Datasets.train(ds.withLimits(0, 0), new Configuration());
      Datasets.test(ds.withLimits(0, 0), new Configuration());
      load[r] = (System.nanoTime() - t0) / 1e9;
    }
    row(md, report, "data_load_s", "read MNIST train + test (70,000 images)", load, "s");

    // 3. one training epoch of mlp-64-64 on 60,000 images, single JVM
    LabeledImages train = Datasets.train(ds.withLimits(0, 0), new Configuration());
    double[] epoch = new double[Math.min(runs, 2)];
    Backends.dl4j().trainer().train("mlp-64-64", new TrainSpec(epoch.length, 128, 1e-3, 1), train,
        (e, s) -> epoch[e - 1] = s);
    row(md, report, "train_epoch_s", "mlp-64-64 training epoch, 60,000 images, batch 128", epoch, "s");

    // 4. restoring the model on an executor: bytes → network → plain weights → input matrix
    byte[] modelBytes = ModelStore.read(((io.modelpress.spec.ModelSpec.Saved) spec.model()).path(), new Configuration());
    LabeledImages test = Datasets.test(ds, new Configuration());
    double[] restore = new double[runs];
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      Network m = Backends.dl4j().restore(modelBytes);
      m.weights();
      m.inputs(test);
      restore[r] = (System.nanoTime() - t0) / 1e3 / 1e3;
    }
    row(md, report, "restore_ms", "restore model + weights + input matrix (once per executor task slot)", restore, "ms");

    // 5. the eval-only sweep on each master. A first, unmeasured sweep warms the JVM (JIT, class loading,
    // Parquet) so that no master pays for it; runs then alternate between masters to spread the noise.
    String inProcess = masters.stream().map(String::trim).filter(x -> x.startsWith("local[")).reduce((a, b) -> b)
        .orElse(masters.get(0).trim());
    double[] warm = timeSweep(spec, inProcess, scratch, "warmup", 100, 1);
    double coldStart = warm[2];
    row(md, report, "cold_spark_start_s", "first Spark session start in a fresh JVM (the warm-up sweep's)",
        new double[] {coldStart}, "s");
    int trials = 0;
    double[][] total = new double[masters.size()][runs];
    double[][] start = new double[masters.size()][runs];
    double[][] prep = new double[masters.size()][runs];
    double[][] eval = new double[masters.size()][runs];
    double[][] write = new double[masters.size()][runs];
    double[][] tps = new double[masters.size()][runs];
    List<TrialResult> lastResults = List.of();
    for (int r = 0; r < runs; r++) {
      for (int m = 0; m < masters.size(); m++) {
        String master = masters.get(m).trim();
        long t0 = System.nanoTime();
        SparkSession spark = SparkSessions.create("modelpress bench", master);
        long t1 = System.nanoTime();
        try {
          SweepRun.Result o = SweepRun.execute(spark, spec, new SweepRun.Options(scratch.resolve("sweep-" + m + "-" + r)
              .toString(), "bench-" + m + "-" + r, false, Instant.now(), 0, Integer.MAX_VALUE, false),
              new PrintStream(PrintStream.nullOutputStream()));
          trials = o.outcome().results().size();
          lastResults = o.outcome().results();
          prep[m][r] = o.prepareSeconds();
          eval[m][r] = o.evalSeconds();
          write[m][r] = o.writeSeconds();
        } finally {
          spark.stop();
        }
        long t2 = System.nanoTime();
        start[m][r] = (t1 - t0) / 1e9;
        total[m][r] = (t2 - t0) / 1e9;
        tps[m][r] = trials / total[m][r];
      }
    }
    double[] perMasterMedianTps = new double[masters.size()];
    for (int m = 0; m < masters.size(); m++) {
      String master = masters.get(m).trim();
      String k = master.replaceAll("[^a-z0-9]+", "_");
      String label = "eval sweep, " + trials + " trials, " + master;
      row(md, report, "sweep_" + k + "_trials_per_s", label + ": trials/s end to end (Spark start included)", tps[m], "trials/s");
      row(md, report, "sweep_" + k + "_total_s", label + ": total", total[m], "s");
      row(md, report, "sweep_" + k + "_spark_start_s", label + ": Spark session start", start[m], "s");
      row(md, report, "sweep_" + k + "_prepare_s", label + ": load data + model, validate, plan", prep[m], "s");
      row(md, report, "sweep_" + k + "_eval_s", label + ": Spark evaluation stage", eval[m], "s");
      row(md, report, "sweep_" + k + "_write_s", label + ": write trials/frontier/runs", write[m], "s");
      perMasterMedianTps[m] = median(tps[m]);
      double[] coldTps = new double[runs];
      for (int r = 0; r < runs; r++) {
        coldTps[r] = trials / (total[m][r] - start[m][r] + coldStart);
      }
      row(md, report, "sweep_" + k + "_trials_per_s_cold_start", label
          + ": trials/s end to end, counting a cold Spark start", coldTps, "trials/s");
    }
    for (int m = 1; m < masters.size(); m++) {
      double eff = perMasterMedianTps[m] / (perMasterMedianTps[0] * cores(masters.get(m)) / cores(masters.get(0)));
      report.put("parallel_efficiency_" + masters.get(m).replaceAll("[^a-z0-9]+", "_"), eff);
      md.add(String.format(Locale.ROOT, "| parallel efficiency %s → %s (median trials/s ratio ÷ core ratio) | | %.2f | | |",
          masters.get(0).trim(), masters.get(m).trim(), eff));
    }

    // 6. per-trial breakdown (last run on the last master), mean over trials
    double[] compress = lastResults.stream().flatMap(r -> r.measurements().stream()).mapToDouble(m -> m.timings().compressMs()).toArray();
    double[] evalMs = lastResults.stream().flatMap(r -> r.measurements().stream()).mapToDouble(m -> m.timings().evalMs()).toArray();
    double[] encode = lastResults.stream().flatMap(r -> r.measurements().stream()).mapToDouble(m -> m.timings().encodeMs()).toArray();
    row(md, report, "trial_compress_ms", "per trial: compress (prune/quantize)", compress, "ms");
    row(md, report, "trial_eval_ms", "per trial: evaluate 10,000 images (DL4J)", evalMs, "ms");
    row(md, report, "trial_encode_ms", "per trial: encode the artifact", encode, "ms");

    // 7. growth with trials (global-sparsity trials, evenly spaced) and with the evaluation set
    String lastMaster = inProcess;
    for (int n : growth) {
      SweepSpec g = withGlobalGrid(spec, n);
      double[] t = timeSweep(g, lastMaster, scratch, "growth-" + n, 0, 1);
      row(md, report, "growth_" + n + "_trials_per_s", n + " trials, " + lastMaster + ": trials/s end to end",
          new double[] {n / t[0]}, "trials/s");
    }
    for (int size : sizes) {
      SweepSpec g = withTestLimit(spec, size);
      double[] t = timeSweep(g, lastMaster, scratch, "size-" + size, 200, 1);
      row(md, report, "dataset_" + size + "_eval_s", "200 trials on " + size + " test images, " + lastMaster
          + ": evaluation stage", new double[] {t[1]}, "s");
    }

    writeReport(outDir, "bench", json, report, md, out);
    return 0;
  }

  /**
   * Writes a benchmark's JSON report ({@code report} with its Markdown table {@code md}) to
   * {@code outDir/<prefix>-<yyyyMMdd-HHmmss>.json} and prints the table.
   */
  static void writeReport(Path outDir, String prefix, ObjectMapper json, ObjectNode report, List<String> md,
      PrintStream out) throws IOException {
    Files.createDirectories(outDir);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    ArrayNode table = report.putArray("markdown");
    md.forEach(table::add);
    Path file = outDir.resolve(prefix + "-" + stamp + ".json");
    Files.writeString(file, json.writeValueAsString(report), StandardCharsets.UTF_8);
    md.forEach(out::println);
    out.println();
    out.println("wrote " + file);
  }

  /** {total seconds (Spark start included), evaluation-stage seconds, Spark start seconds} of one sweep. */
  private static double[] timeSweep(SweepSpec spec, String master, Path scratch, String name, int maxTrials, int runs) {
    long t0 = System.nanoTime();
    SparkSession spark = SparkSessions.create("modelpress bench", master);
    long t1 = System.nanoTime();
    try {
      SweepRun.Result o = SweepRun.execute(spark, spec, new SweepRun.Options(scratch.resolve(name).toString(), name,
          false, Instant.now(), maxTrials, Integer.MAX_VALUE, false), new PrintStream(PrintStream.nullOutputStream()));
      return new double[] {(System.nanoTime() - t0) / 1e9, o.evalSeconds(), (t1 - t0) / 1e9};
    } finally {
      spark.stop();
    }
  }

  private static SweepSpec withGlobalGrid(SweepSpec s, int n) {
    List<Double> levels = new ArrayList<>();
    for (int i = 0; i < n - 1; i++) { // plus the base trial = n trials
      levels.add(0.98 * (i + 1) / n);
    }
    SearchBlock b = new SearchBlock.Grid("growth",
        Optional.of(new SweepSpec.PruneGrid(SweepSpec.GridScope.GLOBAL, levels, LayerSelector.ALL)), Optional.empty(),
        Optional.empty());
    return s.withSearch(List.of(b));
  }

  private static SweepSpec withTestLimit(SweepSpec s, int size) {
    DatasetSpec d = s.dataset().withLimits(s.dataset().trainLimit(), size);
    return s.withDataset(d);
  }

  /** GFLOP/s of {@code threads} Java threads each multiplying its own [m×k]·[k×n] {@code reps} times. */
  static double gemmGflops(int threads, int m, int k, int n, int reps) {
    return Backends.dl4j().gemmGflops(threads, m, k, n, reps);
  }


  private static void row(List<String> md, ObjectNode report, String key, String label, double[] v, String unit) {
    double[] s = v.clone();
    Arrays.sort(s);
    ObjectNode o = report.putObject(key);
    o.put("min", s[0]);
    o.put("median", median(s));
    o.put("max", s[s.length - 1]);
    o.put("n", s.length);
    o.put("unit", unit);
    md.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |", label, fmt(s[0]), fmt(median(s)), fmt(s[s.length - 1]), unit));
  }

  private static String fmt(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double cores(String master) {
    java.util.regex.Matcher c = java.util.regex.Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+)").matcher(master);
    if (c.find()) {
      return Integer.parseInt(c.group(1)) * Integer.parseInt(c.group(2));
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+)").matcher(master);
    return m.find() ? Integer.parseInt(m.group(1)) : Runtime.getRuntime().availableProcessors();
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(Integer.parseInt(s.trim()));
      }
    }
    return out;
  }
}
