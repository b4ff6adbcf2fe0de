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

  /** One decoded image (or why not) with its path and class folder. */
  private record Decoded(String path, String folder, byte[] values, String error) implements Serializable {}

  static LabeledImages read(SparkSession spark, DatasetSpec spec, String dir, String key, int limit) {
    List<String> classes = classNames(spark, spec);
    int[] shape = spec.shapeArray();
    boolean resize = spec.resize();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    String glob = dir.replaceAll("/+$", "") + "/*/*";
    List<Decoded> all = jsc.binaryFiles(glob).mapPartitions(files -> {
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
    }).collect();
    // the ImageFolder order (class, then file name), then round-robin over the classes
    List<List<Decoded>> byClass = new ArrayList<>();
    classes.forEach(c -> byClass.add(new ArrayList<>()));
    List<Decoded> sorted = new ArrayList<>(all);
    sorted.sort(java.util.Comparator.comparing(Decoded::path));
    for (Decoded d : sorted) {
      if (d.error() != null) {
        throw new IllegalArgumentException("'" + key + "' image " + d.path() + " " + d.error());
      }
      int c = classes.indexOf(d.folder());
      if (c >= 0) {
        byClass.get(c).add(d);
      }
    }
    List<Decoded> order = new ArrayList<>();
    for (int i = 0; order.size() < sorted.size(); i++) {
      boolean any = false;
      for (List<Decoded> members : byClass) {
        if (i < members.size()) {
          order.add(members.get(i));
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
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
}
