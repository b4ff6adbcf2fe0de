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
    Path dir = dir(spec);
    Path images = find(dir, prefix + "-images-idx3-ubyte", conf, spec);
    Path labels = find(dir, prefix + "-labels-idx1-ubyte", conf, spec);
    return IdxReader.read(images, labels, limit, CLASSES, conf);
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
