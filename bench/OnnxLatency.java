import io.modelpress.cli.Cli;
import io.modelpress.data.Datasets;
import io.modelpress.data.LabeledImages;
import io.modelpress.onnx.OnnxRunner;
import io.modelpress.spec.DatasetSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Exports every trial of the given runs to ONNX (modelpress export, which checks each file in ONNX Runtime) and
 * times each file in ONNX Runtime at batch 1 and 32: one thread, no spinning, 3 interleaved rounds over the files
 * (so a slow minute hits every file alike), each round's median of 200 (batch 1) or 50 (batch 32) runs after a
 * warm-up; reported: the median of the three round medians, and the ONNX Runtime accuracy on the MNIST test set.
 *   java ... bench/OnnxLatency.java RESULTS OUTDIR RUN...
 */
public class OnnxLatency {
  public static void main(String[] a) throws Exception {
    String results = a[0];
    Path out = Path.of(a[1]);
    List<String> runs = Arrays.asList(a).subList(2, a.length);
    SparkSession s = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    List<String[]> trials = new ArrayList<>();
    for (Row r : s.read().parquet(results + "/trials").where("status = 'ok'").orderBy("run_id", "trial_index")
        .collectAsList()) {
      if (runs.contains(r.<String>getAs("run_id"))) {
        trials.add(new String[] {r.getAs("run_id"), r.getAs("trial_id"), r.getAs("block"), r.getAs("method"),
            String.valueOf(r.<Double>getAs("accuracy")), String.valueOf(r.<Long>getAs("macs"))});
      }
    }
    s.stop();
    List<Path> files = new ArrayList<>();
    for (String[] t : trials) {
      Path f = out.resolve(t[0] + "-" + t[2] + "-" + t[3] + "-" + t[1].substring(0, 6) + ".onnx");
      if (Files.exists(f)) { // exported by an earlier run of this harness: time it again
        files.add(f);
        continue;
      }
      int rc = Cli.run(new String[] {"export", "--run-id", t[0], "--trial-id", t[1], "--results", results, "--out",
          f.toString(), "--tolerance", "0.5"}, System.out, System.err);
      if (rc != 0) {
        throw new IllegalStateException("export of " + Arrays.toString(t) + " failed: " + rc);
      }
      files.add(f);
    }
    LabeledImages test = Datasets.test(new DatasetSpec("mnist", "", 0, 0), new Configuration());
    int n = files.size();
    double[][][] rounds = new double[2][n][3];
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < n; i++) {
        try (OnnxRunner r = new OnnxRunner(Files.readAllBytes(files.get(i)))) {
          rounds[0][i][round] = median(r.latencyMs(test, 1, 50, 200));
          rounds[1][i][round] = median(r.latencyMs(test, 32, 10, 50));
        }
      }
    }
    PrintStream p = System.out;
    p.println();
    p.println("| run | trial | method | MACs | row accuracy | ORT accuracy | ONNX bytes | ORT b1 p50 ms | ORT b32 p50 ms |");
    p.println("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for (int i = 0; i < n; i++) {
      String[] t = trials.get(i);
      double acc;
      try (OnnxRunner r = new OnnxRunner(Files.readAllBytes(files.get(i)))) {
        int[] pred = r.predict(test, 500);
        int c = 0;
        for (int e = 0; e < pred.length; e++) {
          c += pred[e] == test.labels()[e] ? 1 : 0;
        }
        acc = c / (double) pred.length;
      }
      p.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f %% | %.2f %% | %,d | %.4f | %.3f |%n", t[0], t[2], t[3], t[5],
          100 * Double.parseDouble(t[4]), 100 * acc, Files.size(files.get(i)), median(rounds[0][i]), median(rounds[1][i]));
    }
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
