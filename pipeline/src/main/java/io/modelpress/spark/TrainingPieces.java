package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.StorageErrors;
import io.modelpress.data.TrainingSplit;
import io.modelpress.spec.DatasetSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Dependency;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.SparkSession;

/**
 * The training split as the trainers read it ({@link TrainingSplit}). At most the broadcast limit, it is
 * read whole and broadcast as before. Above it, the executors convert its shards as they do a test split's
 * ({@link DataReader#split}) and write each to a scratch folder on a Hadoop path, one file per shard; the
 * trainers (in trial tasks on the executors, or an export on the driver) then read one piece at a time, so
 * no JVM holds the whole split. The scratch folder is the caller's to delete ({@link #delete}).
 */
public final class TrainingPieces {

  private TrainingPieces() {}

  /** The split, and what a command prints of it when it is stored (null otherwise). */
  public record Read(TrainingSplit split, String described) {}

  /**
   * Reads the training split of {@code spec}: whole when it holds at most {@code limitMb} MiB, else
   * written in pieces under {@code scratch} (which must not exist yet; deleted when the JVM exits).
   */
  public static Read read(SparkSession spark, DatasetSpec spec, double limitMb, String scratch) {
    DataReader.Split s = DataReader.split(spark, spec, true, limitMb);
    if (!s.sharded()) {
      return new Read(TrainingSplit.of(s.images()), null);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      Path dir = new Path(scratch);
      FileSystem fs = dir.getFileSystem(conf);
      fs.mkdirs(dir);
      fs.deleteOnExit(dir);
      // piece i is the i-th shard in read order (shard keys are partition numbers, some partitions empty)
      Map<Integer, Integer> counts = new HashMap<>(s.shards().mapValues(LabeledImages::count).collectAsMap());
      List<Integer> keys = new ArrayList<>(counts.keySet());
      keys.sort(null);
      HashMap<Integer, Integer> index = new HashMap<>();
      int[] pieceCounts = new int[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        index.put(keys.get(i), i);
        pieceCounts[i] = counts.get(keys.get(i));
      }
      byte[] hadoop = TrainingSplit.Stored.hadoop(conf);
      spark.sparkContext().setJobDescription("modelpress: write the training split's " + keys.size() + " pieces");
      s.shards().foreach(t -> TrainingSplit.Stored.write(scratch, index.get(t._1()), t._2(), hadoop));
      LabeledImages head = s.images();
      TrainingSplit stored = new TrainingSplit.Stored(dir.toString(), pieceCounts, head.channels(), head.height(),
          head.width(), head.classes(), head.normalize(), head.fingerprint(), hadoop);
      return new Read(stored, String.format(Locale.ROOT, "training split: %d examples in %d pieces in %s, read a piece "
          + "at a time by the trainers (more than evaluation.broadcast-limit-mb %s MiB)", s.count(), keys.size(),
          scratch, limitMb));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write the training split's pieces to " + scratch + ": "
          + StorageErrors.explain(e));
    } finally {
      release(s.shards().rdd()); // the pieces are in storage now; the executors' copies go
    }
  }

  /** A scratch folder under a results path for run {@code runId}: unique to this attempt. */
  public static String scratch(String out, String runId) {
    return new Path(new Path(out, "_scratch"), runId + "-" + java.util.UUID.randomUUID()).toString();
  }

  /** Deletes a stored split's folder (nothing for a split held whole). */
  public static void delete(TrainingSplit split, Configuration conf) {
    if (split instanceof TrainingSplit.Stored st) {
      Path dir = new Path(st.dir());
      try {
        FileSystem fs = dir.getFileSystem(conf);
        fs.delete(dir, true);
        fs.cancelDeleteOnExit(dir);
      } catch (IOException e) {
        throw new IllegalStateException("cannot delete the training split's pieces in " + dir + ": "
            + StorageErrors.explain(e), e);
      }
    }
  }

  /** Unpersists {@code rdd} and every RDD it was derived from. */
  private static void release(RDD<?> rdd) {
    rdd.unpersist(false);
    scala.collection.Iterator<Dependency<?>> deps = rdd.dependencies().iterator();
    while (deps.hasNext()) {
      release(deps.next().rdd());
    }
  }
}
