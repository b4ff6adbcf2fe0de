package io.modelpress.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads IDX files (LeCun's MNIST format: big-endian magic {@code 0x0000 08 NN}, then NN dimensions)
 * through the Hadoop FileSystem API, so {@code file:}, {@code s3a:} and {@code hdfs:} paths all work.
 * Files ending in {@code .gz} are gunzipped. Validates magic, dimensions, pixel and label counts and
 * label range; every failure is an {@link IllegalArgumentException} naming the file.
 */
public final class IdxReader {

  private static final int UBYTE = 0x08;

  private IdxReader() {}

  /**
   * Reads images and labels, at most {@code limit} examples (0 = all).
   *
   * @param classes labels must be in [0, classes)
   */
  public static LabeledImages read(Path images, Path labels, int limit, int classes, Configuration conf) {
    MessageDigest sha = Fingerprints.sha256();
    byte[] pixels;
    int count;
    int rows;
    int cols;
    int declaredImages;
    try (DataInputStream in = open(images, conf, sha)) {
      int[] dims = header(in, images, 3);
      declaredImages = dims[0];
      count = dims[0];
      rows = dims[1];
      cols = dims[2];
      int n = limit > 0 ? Math.min(limit, count) : count;
      pixels = readFully(in, Math.multiplyExact(Math.multiplyExact(n, rows), cols), images,
          count + " images of " + rows + "×" + cols);
      count = n;
    } catch (IOException e) {
      throw ioError(images, e);
    }
    int[] ys;
    try (DataInputStream in = open(labels, conf, sha)) {
      int declared = header(in, labels, 1)[0];
      if (declared != declaredImages) {
        throw new IllegalArgumentException("IDX files disagree: " + images + " declares " + declaredImages
            + " images but " + labels + " declares " + declared + " labels");
      }
      byte[] raw = readFully(in, count, labels, declared + " labels");
      ys = new int[raw.length];
      for (int i = 0; i < raw.length; i++) {
        ys[i] = raw[i] & 0xff;
        if (ys[i] >= classes) {
          throw new IllegalArgumentException("label " + ys[i] + " at index " + i + " of " + labels
              + " is outside [0, " + classes + ")");
        }
      }
    } catch (IOException e) {
      throw ioError(labels, e);
    }
    return new LabeledImages(count, 1, rows, cols, classes, pixels, new float[0], ys,
        io.modelpress.spec.Normalization.UNIT, sha.digest());
  }

  private static DataInputStream open(Path path, Configuration conf, MessageDigest sha) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    if (!fs.exists(path)) {
      throw new IllegalArgumentException("IDX file " + path + " does not exist; run bin/fetch-data or set 'dataset.dir'");
    }
    InputStream raw = new BufferedInputStream(fs.open(path), 1 << 16);
    if (path.getName().endsWith(".gz")) {
      raw = new GZIPInputStream(raw, 1 << 16);
    }
    return new DataInputStream(new DigestInputStream(raw, sha));
  }

  private static int[] header(DataInputStream in, Path path, int expectedDims) throws IOException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new IllegalArgumentException("IDX file " + path + " is empty or truncated in its header");
    }
    int type = (magic >>> 8) & 0xff;
    int dims = magic & 0xff;
    if ((magic >>> 16) != 0 || type != UBYTE || dims != expectedDims) {
      throw new IllegalArgumentException(String.format(
          "IDX file %s has magic number 0x%08x; expected 0x%08x (unsigned bytes, %d dimensions)",
          path, magic, (UBYTE << 8) | expectedDims, expectedDims));
    }
    int[] d = new int[dims];
    for (int i = 0; i < dims; i++) {
      try {
        d[i] = in.readInt();
      } catch (EOFException e) {
        throw new IllegalArgumentException("IDX file " + path + " is truncated in its header");
      }
      if (d[i] <= 0) {
        throw new IllegalArgumentException("IDX file " + path + " declares dimension " + i + " = " + d[i]);
      }
    }
    return d;
  }

  private static byte[] readFully(DataInputStream in, int n, Path path, String declared) throws IOException {
    byte[] out = new byte[n];
    int got = in.readNBytes(out, 0, n);
    if (got != n) {
      throw new IllegalArgumentException("IDX file " + path + " is truncated: it declares " + declared
          + " but holds only " + got + " of the " + n + " bytes needed");
    }
    return out;
  }

  private static IllegalArgumentException ioError(Path path, IOException e) {
    if (e instanceof java.util.zip.ZipException) {
      return new IllegalArgumentException("IDX file " + path + " is not valid gzip: " + e.getMessage());
    }
    return new IllegalArgumentException("cannot read IDX file " + path + ": " + StorageErrors.explain(e));
  }
}
