package io.modelpress.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A dataset (the {@code dataset:} block). {@code format} is one of:
 * <ul>
 *   <li>{@code idx}: a known {@code name} ({@code mnist}, {@code fashion-mnist}) as IDX files in {@code dir} (any
 *       Hadoop path; empty = the local cache);
 *   <li>{@code parquet}: {@code train} and {@code test} files or folders of Parquet (any Hadoop path), with an
 *       array column {@code features} of C·H·W values (row-major CHW) or a binary column {@code image} of
 *       encoded PNG/JPEG images, and an integer column {@code label};
 *   <li>{@code image-folder}: {@code train} and {@code test} folders of {@code <class>/<image>.png|jpg}
 *       (torchvision's {@code ImageFolder}: classes are the sorted folder names).
 * </ul>
 * {@code shape} is [C, H, W] (IDX: [1, rows, cols] from the files; empty = not given); decoded images of
 * another size are refused unless {@code resize}. {@code classes} is 0 when not given (then: max label + 1
 * over both splits, or the number of class folders). {@code normalize} is empty when not given (then
 * {@link Normalization#UNIT} for bytes and images, {@link Normalization#IDENTITY} for float features).
 * Limits cap the examples read (0 = all).
 */
public record DatasetSpec(String format, String name, String dir, String train, String test, String features,
    String image, String label, List<Integer> shape, int classes, Optional<Normalization> normalize, boolean resize,
    int trainLimit, int testLimit) implements Serializable {

  public static final List<String> FORMATS = List.of("idx", "parquet", "image-folder");

  public DatasetSpec {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(normalize, "normalize");
    shape = List.copyOf(shape);
    if (!FORMATS.contains(format)) {
      throw new SpecException("format", "is set to \"" + format + "\" but must be one of " + FORMATS);
    }
    if (trainLimit < 0) {
      throw new SpecException("train-limit", "is set to " + trainLimit + " but must be >= 0 (0 = all)");
    }
    if (testLimit < 0) {
      throw new SpecException("test-limit", "is set to " + testLimit + " but must be >= 0 (0 = all)");
    }
    if (classes < 0 || classes == 1) {
      throw new SpecException("classes", "is set to " + classes + " but must be >= 2 (or left out: the labels decide)");
    }
    if (!shape.isEmpty()) {
      if (shape.size() != 3 || shape.stream().anyMatch(v -> v == null || v <= 0)) {
        throw new SpecException("shape", "is set to " + shape + " but must be [C, H, W] of positive integers, e.g. [1, 28, 28]");
      }
      int channels = shape.get(0);
      normalize.ifPresent(n -> n.check(channels));
    }
    if (format.equals("idx")) {
      if (name.isEmpty()) {
        throw new SpecException("name", "is missing; format idx reads a known dataset, e.g. 'name: mnist'");
      }
      normalize.ifPresent(n -> n.check(1));
    } else {
      for (String[] k : new String[][] {{"train", train}, {"test", test}}) {
        if (k[1].isEmpty()) {
          throw new SpecException(k[0], "is missing; format " + format + " needs 'train' and 'test' paths");
        }
      }
      if (shape.isEmpty()) {
        throw new SpecException("shape", "is missing; format " + format + " needs [C, H, W], e.g. 'shape: [1, 28, 28]'");
      }
      if (resize && format.equals("parquet") && !features.isEmpty()) {
        throw new SpecException("resize", "applies to images; an array column '" + features + "' is not resized");
      }
    }
    if (format.equals("parquet")) {
      if (features.isEmpty() == image.isEmpty()) {
        throw new SpecException("features", "or 'image' must be given, not both: 'features' names an array column of "
            + "C·H·W values, 'image' a binary column of encoded PNG/JPEG images");
      }
      if (label.isEmpty()) {
        throw new SpecException("label", "is missing; format parquet needs the integer class column, e.g. 'label: label'");
      }
    }
    if (!format.equals("parquet") && (!features.isEmpty() || !image.isEmpty())) {
      throw new SpecException(features.isEmpty() ? "image" : "features", "applies to format parquet only");
    }
    if (!image.isEmpty() || format.equals("image-folder")) {
      int c = shape.isEmpty() ? 1 : shape.get(0);
      if (c != 1 && c != 3) {
        throw new SpecException("shape", "has " + c + " channels but images decode to 1 (greyscale) or 3 (RGB)");
      }
    }
  }

  /** A known IDX dataset: {@code name} in {@code dir} (empty = the cache), no normalization of its own. */
  public DatasetSpec(String name, String dir, int trainLimit, int testLimit) {
    this("idx", name, dir, "", "", "", "", "", List.of(), 0, Optional.empty(), false, trainLimit, testLimit);
  }

  /** The same dataset with other limits. */
  public DatasetSpec withLimits(int train, int test) {
    return new DatasetSpec(format, name, dir, this.train, this.test, features, image, label, shape, classes, normalize,
        resize, train, test);
  }

  /** C, H and W when given, else null. */
  public int[] shapeArray() {
    return shape.isEmpty() ? null : new int[] {shape.get(0), shape.get(1), shape.get(2)};
  }

  /** How the run's provenance names it: {@code mnist}, {@code parquet s3a://b/test.parquet}, ... */
  public String describe() {
    return format.equals("idx") ? name : format + " " + test;
  }
}
