package io.modelpress.data;

import io.modelpress.spec.Normalization;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The training split as trainers read it: in pieces, each a {@link LabeledImages} in read order. A split
 * that fits the broadcast limit is one piece held in memory ({@link #of}); a larger one stays in storage
 * ({@link Stored}) and a trainer holds one piece at a time, read where the trainer runs (an executor), so
 * neither the driver nor an executor ever holds the whole split.
 */
public interface TrainingSplit extends Serializable {

  /** Examples in the split. */
  long count();

  /** Values per example: C·H·W. */
  int features();

  int classes();

  /** The whole split's fingerprint (values read and normalization). */
  byte[] fingerprint();

  int pieces();

  /** Examples in piece {@code i}, without reading it. */
  int pieceCount(int i);

  /** Piece {@code i}, read (from storage when the split is stored). */
  LabeledImages piece(int i);

  /** The whole split in memory, or an IllegalArgumentException naming {@code what} needs it. */
  LabeledImages whole(String what);

  /** Mini-batches in an epoch of batches of {@code batchSize}: no batch spans two pieces. */
  default long batchesPerEpoch(int batchSize) {
    long n = 0;
    for (int i = 0; i < pieces(); i++) {
      n += (pieceCount(i) + batchSize - 1) / batchSize;
    }
    return n;
  }

  /** The first {@code n} examples in read order (calibration's examples), read piece by piece. */
  default LabeledImages head(int n) {
    List<LabeledImages> parts = new ArrayList<>();
    int have = 0;
    for (int i = 0; i < pieces() && have < n; i++) {
      LabeledImages p = piece(i).head(n - have);
      parts.add(p);
      have += p.count();
    }
    return parts.size() == 1 ? parts.get(0) : concat(parts);
  }

  /** Examples before piece {@code i}: the place of its first example in the split. */
  default long offset(int i) {
    long at = 0;
    for (int k = 0; k < i; k++) {
      at += pieceCount(k);
    }
    return at;
  }

  /** The first {@code n} examples as a split of the same kind (a stored split's pieces are not read). */
  TrainingSplit first(long n);

  /** Examples [from, to) in memory, read from the pieces that hold them. */
  default LabeledImages slice(long from, long to) {
    List<LabeledImages> parts = new ArrayList<>();
    for (int i = 0; i < pieces(); i++) {
      long start = offset(i);
      long end = start + pieceCount(i);
      if (end > from && start < to) {
        LabeledImages p = piece(i);
        parts.add(p.slice((int) (Math.max(from, start) - start), (int) (Math.min(to, end) - start)));
      }
    }
    if (parts.isEmpty()) {
      throw new IndexOutOfBoundsException("examples [" + from + ", " + to + ") of " + count());
    }
    return parts.size() == 1 ? parts.get(0) : concat(parts);
  }

  default String fingerprintHex() {
    return java.util.HexFormat.of().formatHex(fingerprint());
  }

  /** A split held whole in memory: one piece. */
  static TrainingSplit of(LabeledImages images) {
    return images == null ? null : new Whole(images);
  }

  /** One piece in memory. */
  record Whole(LabeledImages images) implements TrainingSplit {
    @Override
    public long count() {
      return images.count();
    }

    @Override
    public int features() {
      return images.features();
    }

    @Override
    public int classes() {
      return images.classes();
    }

    @Override
    public byte[] fingerprint() {
      return images.fingerprint();
    }

    @Override
    public int pieces() {
      return 1;
    }

    @Override
    public int pieceCount(int i) {
      return images.count();
    }

    @Override
    public LabeledImages piece(int i) {
      return images;
    }

    @Override
    public LabeledImages whole(String what) {
      return images;
    }

    @Override
    public LabeledImages head(int n) {
      return n >= images.count() ? images : images.head(n);
    }

    @Override
    public TrainingSplit first(long n) {
      return n >= images.count() ? this : new Whole(images.head((int) n));
    }

    @Override
    public LabeledImages slice(long from, long to) {
      return images.slice((int) from, (int) to);
    }
  }

  /**
   * A split kept in storage, one file per piece in {@code dir} (any Hadoop path every executor can read),
   * written by {@link #write}; {@code hadoop} is the driver's Hadoop configuration ({@link Configuration#write}),
   * so an executor opens the path with the same file systems and credentials.
   */
  record Stored(String dir, int[] counts, int channels, int height, int width, int classes, Normalization normalize,
      byte[] fingerprint, byte[] hadoop) implements TrainingSplit {

    @Override
    public long count() {
      return Arrays.stream(counts).asLongStream().sum();
    }

    @Override
    public int features() {
      return channels * height * width;
    }

    @Override
    public int pieces() {
      return counts.length;
    }

    @Override
    public int pieceCount(int i) {
      return counts[i];
    }

    @Override
    public LabeledImages piece(int i) {
      Path p = new Path(dir, name(i));
      try (FSDataInputStream in = p.getFileSystem(conf()).open(p);
          DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16))) {
        int n = d.readInt();
        boolean bytes = d.readBoolean();
        int[] labels = new int[n];
        for (int e = 0; e < n; e++) {
          labels[e] = d.readInt();
        }
        int values = n * features();
        byte[] pixels = new byte[bytes ? values : 0];
        float[] floats = new float[bytes ? 0 : values];
        if (bytes) {
          d.readFully(pixels);
        } else {
          for (int k = 0; k < values; k++) {
            floats[k] = d.readFloat();
          }
        }
        if (n < counts[i]) {
          throw new IllegalStateException("training piece " + p + " holds " + n + " examples, not " + counts[i]);
        }
        LabeledImages all = new LabeledImages(n, channels, height, width, classes, pixels, floats, labels, normalize,
            fingerprint);
        return n == counts[i] ? all : all.head(counts[i]); // a split's first examples: the piece's head
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read training piece " + p + ": " + StorageErrors.explain(e), e);
      }
    }

    @Override
    public TrainingSplit first(long n) {
      List<Integer> kept = new ArrayList<>();
      long left = n;
      for (int i = 0; i < counts.length && left > 0; i++) {
        kept.add((int) Math.min(counts[i], left));
        left -= counts[i];
      }
      return n >= count() ? this : new Stored(dir, kept.stream().mapToInt(Integer::intValue).toArray(), channels, height,
          width, classes, normalize, fingerprint, hadoop);
    }

    @Override
    public LabeledImages whole(String what) {
      throw new IllegalArgumentException(what + " needs the training split in memory, but it holds " + count()
          + " examples, more than evaluation.broadcast-limit-mb; raise the limit to run it");
    }

    private Configuration conf() throws IOException {
      Configuration c = new Configuration(false);
      c.readFields(new DataInputStream(new ByteArrayInputStream(hadoop)));
      return c;
    }

    /** The file of piece {@code i}. */
    static String name(int i) {
      return String.format(java.util.Locale.ROOT, "piece-%05d.bin", i);
    }

    /** Writes one piece into {@code dir}: its example count, a bytes flag, the labels, then the values. */
    public static void write(String dir, int i, LabeledImages piece, byte[] hadoop) {
      Path p = new Path(dir, name(i));
      try {
        Configuration c = new Configuration(false);
        c.readFields(new DataInputStream(new ByteArrayInputStream(hadoop)));
        try (FSDataOutputStream out = p.getFileSystem(c).create(p, true);
            DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(out, 1 << 16))) {
          d.writeInt(piece.count());
          d.writeBoolean(piece.bytes());
          for (int y : piece.labels()) {
            d.writeInt(y);
          }
          if (piece.bytes()) {
            d.write(piece.pixels());
          } else {
            for (float v : piece.values()) {
              d.writeFloat(v);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write training piece " + p + ": " + StorageErrors.explain(e), e);
      }
    }

    /** {@code conf} as bytes an executor turns back into a configuration. */
    public static byte[] hadoop(Configuration conf) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (DataOutputStream d = new DataOutputStream(b)) {
        conf.write(d);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return b.toByteArray();
    }
  }

  /** Pieces joined in order (they share shape, classes, normalization and fingerprint). */
  private static LabeledImages concat(List<LabeledImages> parts) {
    LabeledImages first = parts.get(0);
    int n = parts.stream().mapToInt(LabeledImages::count).sum();
    int f = first.features();
    boolean bytes = first.bytes();
    byte[] pixels = new byte[bytes ? n * f : 0];
    float[] values = new float[bytes ? 0 : n * f];
    int[] labels = new int[n];
    int at = 0;
    for (LabeledImages p : parts) {
      if (bytes) {
        System.arraycopy(p.pixels(), 0, pixels, at * f, p.count() * f);
      } else {
        System.arraycopy(p.values(), 0, values, at * f, p.count() * f);
      }
      System.arraycopy(p.labels(), 0, labels, at, p.count());
      at += p.count();
    }
    return new LabeledImages(n, first.channels(), first.height(), first.width(), first.classes(), pixels, values,
        labels, first.normalize(), first.fingerprint());
  }
}
