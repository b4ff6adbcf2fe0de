import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Writes Fashion-MNIST's test split as float32 (values / 255), repeated COPIES times, in PARTS files. */
public class BigTestSplit {
  public static void main(String[] a) {
    SparkSession s = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    Dataset<Row> t = s.read().parquet(a[0]);
    Dataset<Row> f = t.select(expr("transform(pixels, x -> cast(((cast(x as int) + 256) % 256) / 255.0 as float))")
        .as("pixels"), col("label"));
    Dataset<Row> big = f.crossJoin(s.range(Integer.parseInt(a[2])).withColumnRenamed("id", "copy")).drop("copy")
        .repartition(Integer.parseInt(a[3]));
    big.write().parquet(a[1]);
    s.stop();
  }
}
