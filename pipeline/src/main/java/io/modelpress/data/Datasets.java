package io.modelpress.data;

import io.modelpress.spec.DatasetSpec;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The known datasets, where their files live, and loading a split of one. */
public final class Datasets {

  /** Dataset names accepted in configs. */
  public static final List<String> NAMES = List.of("mnist", "fashion-mnist");

  /** The class count of every known dataset. */
  public static final int CLASSES = 10;

  private Datasets() {}

  /** The default local cache: {@code $MODELPRESS_CACHE} or {@code ~/.cache/modelpress}. */
  public static String cacheDir() {
    String env = System.getenv("MODELPRESS_CACHE");
    return env != null && !env.isBlank() ? env : System.getProperty("user.home") + "/.cache/modelpress";
  }

  /** The folder of a dataset: {@code spec.dir()} or {@code <cache>/data/<name>}. */
  public static Path dir(DatasetSpec spec) {
    return new Path(spec.dir().isEmpty() ? cacheDir() + "/data/" + spec.name() : spec.dir());
  }

  public static LabeledImages train(DatasetSpec spec, Configuration conf) {
    return load(spec, "train", spec.trainLimit(), conf);
  }

  public static LabeledImages test(DatasetSpec spec, Configuration conf) {
    return load(spec, "t10k", spec.testLimit(), conf);
  }

  private static LabeledImages load(DatasetSpec spec, String prefix, int limit, Configuration conf) {
    if (!spec.format().equals("idx")) {
      throw new IllegalArgumentException("format " + spec.format() + " is read through Spark (spark.DataReader)");
    }
    Path dir = dir(spec);
    Path images = find(dir, prefix + "-images-idx3-ubyte", conf, spec);
    Path labels = find(dir, prefix + "-labels-idx1-ubyte", conf, spec);
    LabeledImages read = IdxReader.read(images, labels, limit, spec.classes() > 0 ? spec.classes() : CLASSES, conf);
    int[] shape = spec.shapeArray();
    if (shape != null && (shape[0] != 1 || shape[1] != read.height() || shape[2] != read.width())) {
      throw new IllegalArgumentException("'dataset.shape' is " + spec.shape() + " but the IDX files of " + spec.name()
          + " hold 1×" + read.height() + "×" + read.width() + " images");
    }
    if (spec.normalize().isEmpty()) {
      return read;
    }
    // the files' digest, then the normalization: the same files normalized otherwise are other inputs
    java.security.MessageDigest sha = Fingerprints.sha256();
    sha.update(read.fingerprint());
    sha.update(spec.normalize().get().canonical().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return read.with(spec.normalize().get(), sha.digest());
  }

  private static Path find(Path dir, String base, Configuration conf, DatasetSpec spec) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      for (String name : new String[] {base, base + ".gz"}) {
        Path p = new Path(dir, name);
        if (fs.exists(p)) {
          return p;
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read dataset folder " + dir + ": " + StorageErrors.explain(e));
    }
    throw new IllegalArgumentException("'dataset' " + spec.name() + " is missing " + base + "[.gz] in " + dir
        + "; run bin/fetch-data " + spec.name() + " or set 'dataset.dir' to the folder holding the IDX files");
  }
}
