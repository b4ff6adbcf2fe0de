package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.StorageErrors;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes labelled unsigned-byte examples as Parquet: one file of rows in the dataset's order, with the
 * columns {@code pixels} (array of tinyint, C·H·W values row-major CHW; the bytes as stored, so 200 is
 * written as -56 and {@link DataReader} reads it back as 200) and {@code label} (int).
 */
public final class DataWriter {

  public static final StructType SCHEMA = new StructType()
      .add("pixels", DataTypes.createArrayType(DataTypes.ByteType, false), false)
      .add("label", DataTypes.IntegerType, false);

  private DataWriter() {}

  private record Example(byte[] pixels, int label) implements Serializable {}

  /** Writes {@code d} to {@code path}; refuses a path that exists and data not stored as bytes. */
  public static void parquet(SparkSession spark, LabeledImages d, String path) {
    if (!d.bytes()) {
      throw new IllegalArgumentException("only unsigned-byte data is written as Parquet here");
    }
    Path p = new Path(path);
    try {
      if (p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
        throw new IllegalArgumentException(path + " exists; remove it or choose another --out");
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot check " + path + ": " + StorageErrors.explain(e));
    }
    int f = d.features();
    List<Example> examples = new ArrayList<>(d.count());
    for (int i = 0; i < d.count(); i++) {
      examples.add(new Example(Arrays.copyOfRange(d.pixels(), i * f, (i + 1) * f), d.labels()[i]));
    }
    int slices = Math.max(1, Math.min(spark.sparkContext().defaultParallelism() * 2, d.count() / 1000));
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(examples, slices)
        .map(e -> RowFactory.create(e.pixels(), e.label())); // Spark's encoder takes byte[] for array<tinyint>
    // one partition, no shuffle: the file keeps the dataset's order
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(path);
  }
}
