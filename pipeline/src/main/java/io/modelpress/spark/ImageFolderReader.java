package io.modelpress.spark;

import io.modelpress.data.Fingerprints;
import io.modelpress.data.ImageDecoder;
import io.modelpress.data.LabeledImages;
import io.modelpress.data.StorageErrors;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.Normalization;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Reads {@code format: image-folder} for {@link DataReader}: torchvision's {@code ImageFolder} layout,
 * {@code <split>/<class>/<image>.png|jpg}. The class folders are listed on the driver; the files are read
 * with Spark's {@code binaryFiles} and decoded with ImageIO ({@link ImageDecoder}) on the executors. The
 * examples are the sorted class folders' files sorted by name, taken round-robin over the classes (so a
 * {@code test-limit} or a validation tail holds every class).
 */
final class ImageFolderReader {

  private ImageFolderReader() {}

  private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

  /** The sorted class folder names of {@code dir}; refused when it has none or one is empty of images. */
  private static List<String> classFolders(SparkSession spark, String dir, String key) {
    Path p = new Path(dir);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new IllegalArgumentException("'" + key + "' " + dir + " does not exist");
      }
      TreeSet<String> names = new TreeSet<>();
      for (FileStatus s : fs.listStatus(p)) {
        if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
          boolean any = false;
          for (FileStatus f : fs.listStatus(s.getPath())) {
            any |= f.isFile() && image(f.getPath().getName());
          }
          if (!any) {
            throw new IllegalArgumentException("'" + key + "' class folder " + s.getPath() + " holds no .png or .jpg image");
          }
          names.add(s.getPath().getName());
        }
      }
      if (names.size() < 2) {
        throw new IllegalArgumentException("'" + key + "' " + dir + " has " + names.size() + " class folder"
            + (names.size() == 1 ? "" : "s") + "; an image folder holds one folder of images per class (at least 2)");
      }
      return List.copyOf(names);
    } catch (IOException e) {
      throw new IllegalArgumentException("'" + key + "' " + dir + " cannot be listed: " + StorageErrors.explain(e));
    }
  }

  private static boolean image(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return !name.startsWith(".") && EXTENSIONS.stream().anyMatch(lower::endsWith);
  }

  /** The class names of an image folder: train's sorted folders, which test's must equal. */
  public static List<String> classNames(SparkSession spark, DatasetSpec spec) {
    if (!spec.format().equals("image-folder")) {
      return List.of();
    }
    List<String> train = classFolders(spark, spec.train(), "dataset.train");
    List<String> test = classFolders(spark, spec.test(), "dataset.test");
    if (!train.equals(test)) {
      TreeSet<String> onlyTrain = new TreeSet<>(train);
      onlyTrain.removeAll(test);
      TreeSet<String> onlyTest = new TreeSet<>(test);
      onlyTest.removeAll(train);
      throw new IllegalArgumentException("'dataset.test' class folders differ from 'dataset.train': only in train "
          + onlyTrain + ", only in test " + onlyTest);
    }
    if (spec.classes() > 0 && spec.classes() != train.size()) {
      throw new IllegalArgumentException("'dataset.classes' is " + spec.classes() + " but " + spec.train() + " has "
          + train.size() + " class folders " + train);
    }
    return train;
  }

  /** An image's path, class folder and, when it could not be decoded, why. */
  private interface Image {
    String path();

    String folder();

    String error();
  }

  /** One decoded image (or why not) with its path and class folder. */
  private record Decoded(String path, String folder, byte[] values, String error) implements Image, Serializable {

    /** Without the values: the example's digest ({@link Fingerprints#example}) under its class's label. */
    Meta meta(List<String> classes) {
      int label = classes.indexOf(folder);
      return new Meta(path, folder, values == null || label < 0 ? null
          : Fingerprints.example(values, new float[0], 0, values.length, label, Fingerprints.sha256()), error);
    }
  }

  /** What the driver keeps of a decoded image when the split stays on the executors. */
  private record Meta(String path, String folder, byte[] digest, String error) implements Image, Serializable {}

  /** The files of {@code dir}'s class folders, decoded with ImageIO on the executors. */
  private static org.apache.spark.api.java.JavaRDD<Decoded> decoded(SparkSession spark, DatasetSpec spec, String dir) {
    int[] shape = spec.shapeArray();
    boolean resize = spec.resize();
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).binaryFiles(glob(dir)).mapPartitions(files -> {
      List<Decoded> out = new ArrayList<>();
      while (files.hasNext()) {
        Tuple2<String, org.apache.spark.input.PortableDataStream> f = files.next();
        Path p = new Path(f._1());
        if (!image(p.getName()) || p.getParent().getName().startsWith(".")) {
          continue;
        }
        try {
          out.add(new Decoded(f._1(), p.getParent().getName(), ImageDecoder.decode(f._2().toArray(), shape[0], shape[1],
              shape[2], resize), null));
        } catch (IllegalArgumentException e) {
          out.add(new Decoded(f._1(), p.getParent().getName(), null, e.getMessage()));
        }
      }
      return out.iterator();
    });
  }

  private static String glob(String dir) {
    return dir.replaceAll("/+$", "") + "/*/*";
  }

  /**
   * The examples in order: ImageFolder's (class, then file name), then round-robin over the classes (so a
   * limit or a validation tail holds every class). The first image (by path) that could not be decoded is
   * refused, naming it.
   */
  private static <T extends Image> List<T> ordered(List<T> all, List<String> classes, String key) {
    List<List<T>> byClass = new ArrayList<>();
    classes.forEach(c -> byClass.add(new ArrayList<>()));
    List<T> sorted = new ArrayList<>(all);
    sorted.sort(java.util.Comparator.comparing(Image::path));
    for (T d : sorted) {
      if (d.error() != null) {
        throw new IllegalArgumentException("'" + key + "' image " + d.path() + " " + d.error());
      }
      int c = classes.indexOf(d.folder());
      if (c >= 0) {
        byClass.get(c).add(d);
      }
    }
    List<T> order = new ArrayList<>();
    for (int i = 0; order.size() < sorted.size(); i++) {
      boolean any = false;
      for (List<T> members : byClass) {
        if (i < members.size()) {
          order.add(members.get(i));
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
    return order;
  }

  static LabeledImages read(SparkSession spark, DatasetSpec spec, String dir, String key, int limit) {
    List<String> classes = classNames(spark, spec);
    int[] shape = spec.shapeArray();
    List<Decoded> order = ordered(decoded(spark, spec, dir).collect(), classes, key);
    int count = limit > 0 ? Math.min(limit, order.size()) : order.size();
    int f = shape[0] * shape[1] * shape[2];
    byte[] pixels = new byte[Math.multiplyExact(count, f)];
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      System.arraycopy(order.get(i).values(), 0, pixels, i * f, f);
      labels[i] = classes.indexOf(order.get(i).folder());
    }
    LabeledImages raw = new LabeledImages(count, shape[0], shape[1], shape[2], classes.size(), pixels, new float[0],
        labels, Normalization.UNIT, new byte[32]);
    Normalization n = spec.normalize().orElse(Normalization.UNIT);
    if (count == 0) {
      throw new IllegalArgumentException("'" + key + "' " + dir + " holds no examples (an empty split)");
    }
    return raw.with(n, Fingerprints.of(raw, n, classes));
  }

  /**
   * The test split of an image folder: read whole when its files hold at most {@code limitMb} MiB of values,
   * else decoded on the executors and kept there in shards of consecutive examples (at most half the limit and
   * {@link DataReader#CHUNK_TARGET} bytes of values each), the driver keeping only each example's path and
   * digest. The
   * examples, their order and the fingerprint are those of {@link #read}.
   */
  static DataReader.Split split(SparkSession spark, DatasetSpec spec, String dir, String key, int limit,
      double limitMb) {
    int[] shape = spec.shapeArray();
    int f = shape[0] * shape[1] * shape[2];
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long files = jsc.binaryFiles(glob(dir)).count(); // listed, not read: at least the examples there are
    if ((limit > 0 ? Math.min(limit, files) : files) * f <= limitMb * (1 << 20)) {
      LabeledImages all = read(spark, spec, dir, key, limit);
      return new DataReader.Split(all, null, all.count(), 1);
    }
    List<String> classes = classNames(spark, spec);
    org.apache.spark.api.java.JavaRDD<Decoded> decoded = decoded(spark, spec, dir)
        .persist(org.apache.spark.storage.StorageLevel.DISK_ONLY());
    try {
      List<Meta> order = ordered(decoded.map(d -> d.meta(classes)).collect(), classes, key);
      int count = limit > 0 ? Math.min(limit, order.size()) : order.size();
      if (count == 0) {
        throw new IllegalArgumentException("'" + key + "' " + dir + " holds no examples (an empty split)");
      }
      java.util.HashMap<String, Integer> index = new java.util.HashMap<>();
      List<byte[]> digests = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        index.put(order.get(i).path(), i);
        digests.add(order.get(i).digest());
      }
      Normalization n = spec.normalize().orElse(Normalization.UNIT);
      byte[] fingerprint = Fingerprints.of(count, shape[0] + "×" + shape[1] + "×" + shape[2], classes.size(), true, n,
          classes, digests);
      // a shard holds at most half the broadcast limit (a split above it does not fit where the limit was set)
      int per = (int) Math.max(1, Math.min(DataReader.CHUNK_TARGET, limitMb * (1 << 20) / 2) / f);
      int pieces = (count + per - 1) / per;
      var at = jsc.broadcast(index);
      int classCount = classes.size();
      org.apache.spark.api.java.JavaPairRDD<Integer, LabeledImages> shards = decoded
          .filter(d -> at.value().containsKey(d.path()))
          .mapToPair(d -> new Tuple2<>(at.value().get(d.path()) / per, new Tuple2<>(at.value().get(d.path()), d)))
          .groupByKey(Math.max(1, Math.min(pieces, jsc.defaultParallelism() * 4)))
          .mapValues(members -> {
            List<Tuple2<Integer, Decoded>> m = new ArrayList<>();
            members.forEach(m::add);
            m.sort(java.util.Comparator.comparingInt(Tuple2::_1));
            byte[] pixels = new byte[Math.multiplyExact(m.size(), f)];
            int[] labels = new int[m.size()];
            for (int i = 0; i < m.size(); i++) {
              System.arraycopy(m.get(i)._2().values(), 0, pixels, i * f, f);
              labels[i] = classes.indexOf(m.get(i)._2().folder());
            }
            return new LabeledImages(m.size(), shape[0], shape[1], shape[2], classCount, pixels, new float[0], labels,
                Normalization.UNIT, new byte[32]).with(n, fingerprint);
          })
          .persist(org.apache.spark.storage.StorageLevel.DISK_ONLY());
      shards.count(); // every shard made while the decoded images are still kept
      LabeledImages head = shards.lookup(0).get(0).head(DataReader.HEAD);
      return new DataReader.Split(head, shards, count, pieces);
    } finally {
      decoded.unpersist(false); // the shards hold what they need
    }
  }
}
