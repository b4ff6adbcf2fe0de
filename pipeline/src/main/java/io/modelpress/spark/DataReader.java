package io.modelpress.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import io.modelpress.data.Datasets;
import io.modelpress.data.Fingerprints;
import io.modelpress.data.ImageDecoder;
import io.modelpress.data.LabeledImages;
import io.modelpress.data.StorageErrors;
import io.modelpress.spec.DatasetSpec;
import io.modelpress.spec.Normalization;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import scala.Tuple2;

/**
 * Reads a split of any {@link DatasetSpec} format into {@link LabeledImages}: IDX on the driver
 * ({@link Datasets}); Parquet through Spark from any Hadoop path, its rows converted and checked on the
 * executors; image folders listed on the driver and decoded on the executors (ImageIO). Every bad input is
 * an {@link IllegalArgumentException} of one line naming the key, the file, the column and the first
 * offending row (or the image's path); nothing is returned then.
 *
 * <p>Parquet columns: {@code features} an array of tinyint (read as unsigned bytes, 0–255), smallint, int,
 * bigint, float or double; {@code image} binary (encoded PNG/JPEG); {@code label} an integer type. Rows keep
 * the order Spark reads them in (one file: the file's order). Image folders: the examples of the sorted
 * class folders, each class's files sorted by name, taken round-robin over the classes (so a
 * {@code test-limit} or a validation tail holds every class).
 */
public final class DataReader {

  private DataReader() {}

  public static LabeledImages train(SparkSession spark, DatasetSpec spec) {
    return read(spark, spec, true);
  }

  public static LabeledImages test(SparkSession spark, DatasetSpec spec) {
    return read(spark, spec, false);
  }

  /** How the run's provenance names the data: the spec's description, plus the class names of a folder. */
  public static String describe(SparkSession spark, DatasetSpec spec) {
    return spec.format().equals("image-folder") ? spec.describe() + " classes " + classNames(spark, spec) : spec.describe();
  }

  private static LabeledImages read(SparkSession spark, DatasetSpec spec, boolean train) {
    String key = "dataset." + (train ? "train" : "test");
    int limit = train ? spec.trainLimit() : spec.testLimit();
    return switch (spec.format()) {
      case "idx" -> train ? Datasets.train(spec, spark.sparkContext().hadoopConfiguration())
          : Datasets.test(spec, spark.sparkContext().hadoopConfiguration());
      case "parquet" -> parquet(spark, spec, train ? spec.train() : spec.test(), key, limit);
      case "image-folder" -> ImageFolderReader.read(spark, spec, train ? spec.train() : spec.test(), key, limit);
      default -> throw new IllegalArgumentException("unknown dataset format " + spec.format());
    };
  }

  // ---------------------------------------------------------------------------------------------- Parquet

  private static Dataset<Row> parquet(SparkSession spark, String path, String key) {
    try {
      return spark.read().parquet(path);
    } catch (Exception e) { // AnalysisException (path does not exist) or a storage error
      throw new IllegalArgumentException("'" + key + "' " + path + " cannot be read as Parquet: "
          + StorageErrors.explain(e));
    }
  }

  /**
   * A split as read: all of it ({@code shards} null), or, above the broadcast limit, its first examples (for the
   * checks, the plan and the latency stage; with the whole split's fingerprint) and its shards on the executors.
   */
  public record Split(LabeledImages images, org.apache.spark.api.java.JavaPairRDD<Integer, LabeledImages> shards,
      long count, int pieces) {
    public boolean sharded() {
      return shards != null;
    }

    /** What a command prints of a split held in shards ({@code pieces} of them hold examples). */
    public String describe(double limitMb) {
      return String.format(java.util.Locale.ROOT, "test split: %d examples in %d shards on the executors (more "
          + "than evaluation.broadcast-limit-mb %s MiB)", count, pieces, limitMb);
    }
  }

  static final int HEAD = 256; // examples the head of a sharded split holds

  /** The test split, in shards when it holds more than {@code limitMb} MiB (Parquet, image folders; IDX whole). */
  public static Split testSplit(SparkSession spark, DatasetSpec spec, double limitMb) {
    return split(spark, spec, false, limitMb);
  }

  /** The training or test split, in shards when it holds more than {@code limitMb} MiB. */
  static Split split(SparkSession spark, DatasetSpec spec, boolean train, double limitMb) {
    String path = train ? spec.train() : spec.test();
    String key = train ? "dataset.train" : "dataset.test";
    int limit = train ? spec.trainLimit() : spec.testLimit();
    if (spec.format().equals("image-folder")) {
      return ImageFolderReader.split(spark, spec, path, key, limit, limitMb);
    }
    if (!spec.format().equals("parquet")) {
      LabeledImages all = read(spark, spec, train);
      return new Split(all, null, all.count(), 1);
    }
    return parquetSplit(spark, spec, path, key, limit, limitMb);
  }

  private static LabeledImages parquet(SparkSession spark, DatasetSpec spec, String path, String key, int limit) {
    return parquetSplit(spark, spec, path, key, limit, Double.POSITIVE_INFINITY).images();
  }

  private static Split parquetSplit(SparkSession spark, DatasetSpec spec, String path, String key, int limit,
      double limitMb) {
    Dataset<Row> df = parquet(spark, path, key);
    boolean images = !spec.image().isEmpty();
    String valueKey = images ? "image" : "features";
    String column = images ? spec.image() : spec.features();
    StructField values = field(df, column, "dataset." + valueKey, path);
    StructField label = field(df, spec.label(), "dataset.label", path);
    Kind kind;
    if (images) {
      require(values.dataType() instanceof BinaryType, valueKey, column, path, values.dataType(), "binary (encoded images)");
      kind = Kind.IMAGE;
    } else {
      DataType t = values.dataType() instanceof ArrayType a ? a.elementType() : null;
      require(t != null && (t instanceof ByteType || integer(t) || t instanceof FloatType || t instanceof DoubleType),
          valueKey, column, path, values.dataType(), "an array of tinyint, smallint, int, bigint, float or double");
      kind = t instanceof ByteType ? Kind.UBYTE : integer(t) ? Kind.INTEGER : Kind.FLOAT;
    }
    require(integer(label.dataType()) || label.dataType() instanceof ByteType, "label", spec.label(), path,
        label.dataType(), "an integer type");
    int classes = spec.classes() > 0 ? spec.classes() : parquetClasses(spark, spec);
    Dataset<Row> rows = df.select(col(column), col(spec.label()), input_file_name());
    if (limit > 0) {
      rows = rows.limit(limit);
    }
    int[] shape = spec.shapeArray();
    Convert convert = new Convert(kind, shape, classes, spec.resize(), column, spec.label());
    Normalization n = spec.normalize().orElse(kind == Kind.FLOAT ? Normalization.IDENTITY : Normalization.UNIT);
    boolean bytes = kind == Kind.UBYTE || kind == Kind.IMAGE;
    long inMemory = df.count() * shape[0] * shape[1] * shape[2] * (bytes ? 1L : 4L);
    // a split too large to broadcast is too large for the executors' storage memory too: it waits on disk,
    // read a shard at a time by each batch's counting stage
    org.apache.spark.storage.StorageLevel level = inMemory > limitMb * (1 << 20)
        ? org.apache.spark.storage.StorageLevel.DISK_ONLY() : org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER();
    org.apache.spark.api.java.JavaRDD<Chunk> chunks = partitioned(spark, df, rows, inMemory)
        .mapPartitionsWithIndex(convert, true).persist(level);
    boolean kept = false;
    try {
      // first the partitions' sizes, errors and example digests only: the values stay on the executors
      List<Chunk> meta = chunks.map(Chunk::meta).collect();
      long count = check(meta, key, path);
      List<byte[]> digests = new ArrayList<>();
      sorted(meta).forEach(c -> digests.add(c.digests()));
      byte[] fingerprint = Fingerprints.of(count, shape[0] + "×" + shape[1] + "×" + shape[2], classes, bytes, n,
          List.of(), digests);
      long held = count * shape[0] * shape[1] * shape[2] * (bytes ? 1L : 4L);
      if (held <= limitMb * (1 << 20)) {
        return new Split(assemble(chunks.collect(), shape, classes, bytes, n, fingerprint), null, count, 1);
      }
      org.apache.spark.api.java.JavaPairRDD<Integer, LabeledImages> shards = chunks.filter(c -> c.count() > 0)
          .mapToPair(c -> new Tuple2<>(c.partition(), c.images(shape, classes, n, fingerprint)));
      Chunk first = sorted(chunks.filter(c -> c.count() > 0).take(1)).get(0);
      LabeledImages head = first.images(shape, classes, n, fingerprint).head(HEAD);
      kept = true;
      return new Split(head, shards, count, (int) meta.stream().filter(c -> c.count() > 0).count());
    } finally {
      if (!kept) {
        chunks.unpersist(false);
      }
    }
  }

  /** In-memory bytes a partition of the converted values should hold at most: a shard an executor can take. */
  static final long PARTITION_TARGET = 64L << 20;

  /**
   * The rows' RDD, read in partitions of at most {@link #PARTITION_TARGET} bytes once converted: files
   * compress (Fashion-MNIST repeated: 12× on disk), so Spark's 128 MB of file per partition could be a
   * gigabyte of values. Smaller files per partition keep the order: Spark packs its sorted file list
   * consecutively whatever the size.
   */
  private static org.apache.spark.api.java.JavaRDD<Row> partitioned(SparkSession spark, Dataset<Row> df,
      Dataset<Row> rows, long inMemory) {
    long onDisk = 0;
    try {
      for (String f : df.inputFiles()) {
        Path p = new Path(f);
        onDisk += p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getFileStatus(p).getLen();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + Arrays.toString(df.inputFiles()) + ": " + StorageErrors.explain(e));
    }
    String key = "spark.sql.files.maxPartitionBytes";
    scala.Option<String> before = spark.conf().getOption(key);
    long max = inMemory <= PARTITION_TARGET ? -1 : Math.max(1 << 20, onDisk * PARTITION_TARGET / inMemory);
    if (max > 0 && max < spark.sessionState().conf().filesMaxPartitionBytes()) {
      spark.conf().set(key, max); // read when the scan is planned, below
    }
    try {
      return rows.javaRDD();
    } finally {
      if (before.isDefined()) {
        spark.conf().set(key, before.get());
      } else {
        spark.conf().unset(key);
      }
    }
  }

  private static List<Chunk> sorted(List<Chunk> chunks) {
    List<Chunk> ordered = new ArrayList<>(chunks);
    ordered.sort(java.util.Comparator.comparingInt(Chunk::partition));
    return ordered;
  }

  /** The examples of the chunks; the first error (in read order) and an empty split refused. */
  private static long check(List<Chunk> chunks, String key, String path) {
    long before = 0;
    for (Chunk c : sorted(chunks)) {
      if (c.error() != null) {
        throw new IllegalArgumentException("'" + key + "' " + c.errorFile() + ", row " + (before + c.errorRow())
            + " of the split (in read order), " + c.error());
      }
      before += c.count();
    }
    if (before == 0) {
      throw new IllegalArgumentException("'" + key + "' " + path + " holds no examples (an empty split)");
    }
    return before;
  }

  private static boolean integer(DataType t) {
    return t instanceof ShortType || t instanceof IntegerType || t instanceof LongType;
  }

  /** max(label) + 1 over both splits (a column read of each). */
  private static int parquetClasses(SparkSession spark, DatasetSpec spec) {
    long max = -1;
    for (String[] split : new String[][] {{spec.train(), "dataset.train"}, {spec.test(), "dataset.test"}}) {
      Dataset<Row> df = parquet(spark, split[0], split[1]);
      field(df, spec.label(), "dataset.label", split[0]);
      Row r = df.agg(org.apache.spark.sql.functions.max(col(spec.label()))).first();
      if (!r.isNullAt(0)) {
        max = Math.max(max, ((Number) r.get(0)).longValue());
      }
    }
    if (max > 1_000_000) {
      throw new IllegalArgumentException("'dataset.label' has the label " + max + "; labels are classes 0 .. classes-1 "
          + "(set 'dataset.classes' or fix the column)");
    }
    return (int) Math.max(2, max + 1);
  }

  private static StructField field(Dataset<Row> df, String column, String key, String path) {
    for (StructField f : df.schema().fields()) {
      if (f.name().equals(column)) {
        return f;
      }
    }
    throw new IllegalArgumentException("'" + key + "' names column '" + column + "' but " + path + " has the columns "
        + Arrays.toString(df.schema().fieldNames()));
  }

  private static void require(boolean ok, String key, String column, String path, DataType got, String want) {
    if (!ok) {
      throw new IllegalArgumentException("'dataset." + key + "' column '" + column + "' of " + path + " is "
          + got.simpleString() + " but must be " + want);
    }
  }

  private enum Kind { UBYTE, INTEGER, FLOAT, IMAGE }

  /**
   * Rows of one partition, converted, with each example's digest ({@link Fingerprints#example});
   * {@code error} (with its row in the partition and file) stops it.
   */
  private record Chunk(int partition, int count, byte[] pixels, float[] values, int[] labels, byte[] digests,
      String error, long errorRow, String errorFile) implements Serializable {

    /** Chunks a partition may be cut into: {@code partition} is the Spark partition × this + the chunk's index. */
    static final int PER_PARTITION = 4096;

    /** Without the values: what the driver needs to check and fingerprint the split. */
    Chunk meta() {
      return new Chunk(partition, count, new byte[0], new float[0], new int[0], digests, error, errorRow, errorFile);
    }

    LabeledImages images(int[] shape, int classes, Normalization n, byte[] fingerprint) {
      return new LabeledImages(count, shape[0], shape[1], shape[2], classes, pixels, values, labels, n, fingerprint);
    }
  }

  /** Values a chunk holds at most, in bytes: a partition of any size is cut into chunks of this, one at a time. */
  static final long CHUNK_TARGET = 16L << 20;

  /**
   * Executor side: one partition's rows to {@link Chunk}s of at most {@link #CHUNK_TARGET} bytes of values,
   * made one at a time as Spark asks for them (so a task holds one chunk, whatever the partition's size),
   * stopping at the first bad row.
   */
  private record Convert(Kind kind, int[] shape, int classes, boolean resize, String column, String labelColumn)
      implements org.apache.spark.api.java.function.Function2<Integer, Iterator<Row>, Iterator<Chunk>> {

    @Override
    public Iterator<Chunk> call(Integer partition, Iterator<Row> it) {
      int f = shape[0] * shape[1] * shape[2];
      boolean bytes = kind == Kind.UBYTE || kind == Kind.IMAGE;
      int perChunk = (int) Math.max(1, CHUNK_TARGET / ((long) f * (bytes ? 1 : 4)));
      return new Iterator<>() {
        int sub;
        boolean stopped;

        @Override
        public boolean hasNext() {
          return !stopped && (sub == 0 || it.hasNext());
        }

        @Override
        public Chunk next() {
          if (sub >= Chunk.PER_PARTITION - 1) {
            throw new IllegalStateException("partition " + partition + " has more than " + Chunk.PER_PARTITION
                + " chunks; read the data in more partitions");
          }
          int key = partition * Chunk.PER_PARTITION + sub++;
          Growing out = new Growing(bytes, f, perChunk);
          long row = 0;
          for (; it.hasNext() && out.labels.size < perChunk; row++) {
            Row r = it.next();
            String file = r.getString(2);
            String problem = null;
            try {
              problem = label(r);
              if (problem == null) {
                problem = values(r, out, f);
              }
            } catch (IllegalArgumentException e) {
              problem = "column '" + column + "': the image " + e.getMessage();
            }
            if (problem != null) {
              stopped = true;
              return new Chunk(key, 0, new byte[0], new float[0], new int[0], new byte[0], problem, row, file);
            }
            out.labels.add(((Number) r.get(1)).intValue());
          }
          return out.chunk(key, f);
        }
      };
    }

    private String label(Row r) {
      if (r.isNullAt(1)) {
        return "column '" + labelColumn + "': the label is null";
      }
      long y = ((Number) r.get(1)).longValue();
      if (y < 0 || y >= classes) {
        return "column '" + labelColumn + "': the label " + y + " is outside [0, " + classes + ")";
      }
      return null;
    }

    private String values(Row r, Growing out, int f) {
      if (r.isNullAt(0)) {
        return "column '" + column + "': the value is null";
      }
      if (kind == Kind.IMAGE) {
        out.add(ImageDecoder.decode((byte[]) r.get(0), shape[0], shape[1], shape[2], resize));
        return null;
      }
      List<Object> v = r.getList(0);
      if (v.size() != f) {
        return "column '" + column + "': the array has " + v.size() + " values but the shape " + Arrays.toString(shape)
            + " needs C·H·W = " + f;
      }
      for (int i = 0; i < f; i++) {
        Object x = v.get(i);
        if (x == null) {
          return "column '" + column + "': value " + i + " of the array is null";
        }
        if (kind == Kind.UBYTE) {
          out.pixel((Byte) x);
        } else {
          out.value(((Number) x).floatValue());
        }
      }
      return null;
    }
  }

  /** Growing arrays of one partition's values and labels. */
  private static final class Growing {
    final boolean bytes;
    byte[] pixels;
    float[] values;
    int size;
    final IntList labels = new IntList();

    Growing(boolean bytes, int f, int perChunk) {
      this.bytes = bytes;
      int start = f * Math.min(perChunk, 64);
      this.pixels = new byte[bytes ? start : 0];
      this.values = new float[bytes ? 0 : start];
    }

    void add(byte[] image) {
      for (byte b : image) {
        pixel(b);
      }
    }

    void pixel(byte b) {
      if (size == pixels.length) {
        pixels = Arrays.copyOf(pixels, pixels.length * 2);
      }
      pixels[size++] = b;
    }

    void value(float v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[size++] = v;
    }

    Chunk chunk(int partition, int f) {
      byte[] px = bytes ? Arrays.copyOf(pixels, size) : new byte[0];
      float[] vs = bytes ? new float[0] : Arrays.copyOf(values, size);
      int[] ys = labels.toArray();
      java.security.MessageDigest sha = Fingerprints.sha256();
      byte[] digests = new byte[Fingerprints.DIGEST * ys.length];
      for (int e = 0; e < ys.length; e++) {
        System.arraycopy(Fingerprints.example(px, vs, e, f, ys[e], sha), 0, digests, e * Fingerprints.DIGEST,
            Fingerprints.DIGEST);
      }
      return new Chunk(partition, ys.length, px, vs, ys, digests, null, -1, null);
    }
  }

  private static final class IntList {
    int[] a = new int[64];
    int size;

    void add(int v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[size++] = v;
    }

    int[] toArray() {
      return Arrays.copyOf(a, size);
    }
  }

  /** The checked chunks, in partition order, as one dataset with the given fingerprint. */
  private static LabeledImages assemble(List<Chunk> chunks, int[] shape, int classes, boolean bytes, Normalization n,
      byte[] fingerprint) {
    List<Chunk> ordered = sorted(chunks);
    int count = Math.toIntExact(ordered.stream().mapToLong(Chunk::count).sum());
    int f = shape[0] * shape[1] * shape[2];
    byte[] pixels = new byte[bytes ? Math.multiplyExact(count, f) : 0];
    float[] values = new float[bytes ? 0 : Math.multiplyExact(count, f)];
    int[] labels = new int[count];
    int at = 0;
    for (Chunk c : ordered) {
      if (bytes) {
        System.arraycopy(c.pixels(), 0, pixels, at * f, c.count() * f);
      } else {
        System.arraycopy(c.values(), 0, values, at * f, c.count() * f);
      }
      System.arraycopy(c.labels(), 0, labels, at, c.count());
      at += c.count();
    }
    return new LabeledImages(count, shape[0], shape[1], shape[2], classes, pixels, values, labels, n, fingerprint);
  }

  /** The class names of an image folder: train's sorted folders, which test's must equal ({@link ImageFolderReader}). */
  public static List<String> classNames(SparkSession spark, DatasetSpec spec) {
    return ImageFolderReader.classNames(spark, spec);
  }
}
