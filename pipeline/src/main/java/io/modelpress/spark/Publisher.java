package io.modelpress.spark;

import io.modelpress.data.StorageErrors;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Publishes rows as one Parquet file that readers see whole or not at all: Spark writes the file into a
 * hidden staging folder of the run ({@code <out>/_modelpress/staging/run_id=R/<uuid>}, committed by the
 * session's own committer: the S3A magic committer on S3), then the one part file is renamed to its final
 * name. A rename of one file is atomic on the local file system and HDFS; on S3A it is a copy, and an S3
 * object appears only when its copy is complete. A reader of the table folder never sees the staging
 * folder (it is outside the table) nor a half-written file.
 */
final class Publisher {

  static final String HIDDEN = "_modelpress";

  private Publisher() {}

  /** The hidden folder of one run under {@code out}: its staging files, its lease, its config. */
  static Path runDir(String out, String runId) {
    return new Path(new Path(new Path(out, HIDDEN), "runs"), ResultSchemas.RUN_ID + "=" + runId);
  }

  /**
   * Writes {@code rows} (already without the partition column) as the file {@code dest}, unless a file of
   * that name exists (then the rows it holds are the same: names are derived from the content, and nothing
   * is written). Returns whether this call published it.
   */
  static boolean publishNew(Dataset<Row> rows, String out, String runId, Path dest) {
    return publish(rows, out, runId, dest, false);
  }

  /** Writes {@code rows} as the file {@code dest}, replacing a file of that name. */
  static void publishReplacing(Dataset<Row> rows, String out, String runId, Path dest) {
    publish(rows, out, runId, dest, true);
  }

  private static boolean publish(Dataset<Row> rows, String out, String runId, Path dest, boolean replace) {
    Configuration conf = rows.sparkSession().sparkContext().hadoopConfiguration();
    Path staging = new Path(new Path(runDir(out, runId), "staging"), UUID.randomUUID().toString());
    try {
      FileSystem fs = dest.getFileSystem(conf);
      if (!replace && fs.exists(dest)) {
        return false;
      }
      rows.coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
      io.modelpress.sweep.CrashPoint.at("publish.staged");
      if (!movePart(fs, staging, dest, replace)) {
        fs.delete(staging, true);
        return false; // another writer published the same content first
      }
      // the committer's _SUCCESS (on S3A a JSON manifest naming the magic committer) beside the file it
      // committed: readers skip names starting with '_'; the partition's one names its latest file's committer
      Path success = new Path(staging, "_SUCCESS");
      if (fs.exists(success)) {
        Path kept = new Path(dest.getParent(), "_SUCCESS");
        fs.delete(kept, false);
        fs.rename(success, kept);
      }
      fs.delete(staging, true);
      return true;
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + ResultTables.show(dest) + ": " + StorageErrors.explain(e), e);
    }
  }

  /**
   * Renames the one part file Spark wrote into {@code staging} to {@code dest} (its parent created): over a
   * file of that name when {@code replace}, else only when none is there. Returns whether it renamed; false
   * when {@code dest} exists and is kept (another writer's, of the same content).
   */
  static boolean movePart(FileSystem fs, Path staging, Path dest, boolean replace) throws IOException {
    Path part = null;
    for (FileStatus s : fs.listStatus(staging)) {
      if (s.getPath().getName().startsWith("part-")) {
        if (part != null) {
          throw new IOException("more than one part file in " + staging);
        }
        part = s.getPath();
      }
    }
    if (part == null) {
      throw new IOException("no part file in " + staging);
    }
    fs.mkdirs(dest.getParent());
    if (replace && fs.exists(dest) && !fs.delete(dest, false)) {
      throw new IOException("could not replace " + dest);
    }
    if (!replace && fs.exists(dest)) {
      return false;
    }
    if (!fs.rename(part, dest)) {
      if (!replace && fs.exists(dest)) {
        return false;
      }
      throw new IOException("could not rename " + part + " to " + dest);
    }
    return true;
  }

  /** Deletes what killed attempts of {@code runId} left in its staging folder. */
  static void clearStaging(String out, String runId, Configuration conf) {
    deleteIfExists(new Path(runDir(out, runId), "staging"), conf);
  }

  /** Deletes the files of {@code folder} whose names start with one of {@code prefixes} (all files when empty). */
  static int deleteFiles(Path folder, List<String> prefixes, Configuration conf) {
    try {
      FileSystem fs = folder.getFileSystem(conf);
      if (!fs.exists(folder)) {
        return 0;
      }
      int n = 0;
      for (FileStatus s : fs.listStatus(folder)) {
        String name = s.getPath().getName();
        if (prefixes.isEmpty() || prefixes.stream().anyMatch(name::startsWith)) {
          if (!fs.delete(s.getPath(), true)) {
            throw new IOException("could not delete " + s.getPath());
          }
          n++;
        }
      }
      return n;
    } catch (IOException e) {
      throw new IllegalStateException("cannot clean " + ResultTables.show(folder) + ": " + StorageErrors.explain(e), e);
    }
  }

  static void deleteIfExists(Path p, Configuration conf) {
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (fs.exists(p) && !fs.delete(p, true)) {
        throw new IOException("could not delete " + p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot delete " + ResultTables.show(p) + ": " + StorageErrors.explain(e), e);
    }
  }
}
