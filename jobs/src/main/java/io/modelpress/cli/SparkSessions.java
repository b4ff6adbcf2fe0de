package io.modelpress.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The driver's SparkSession. Precedence for the master: {@code --master}, then {@code spark.master}
 * (set by spark-submit), then the embedded default {@code local[*]}. Local masters bind to loopback
 * with the UI off. Executors get {@code OMP_NUM_THREADS=1}: each task is one thread of ND4J work, so
 * tasks do not oversubscribe the cores.
 */
public final class SparkSessions {

  static final String DEFAULT_MASTER = "local[*]";
  /** Spark's usual opens for a Java 17 JVM that runs Spark code (given to executor JVMs this driver starts). */
  public static final String JAVA17_OPENS = "-XX:+IgnoreUnrecognizedVMOptions"
      + java.util.stream.Stream.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio",
          "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch",
          "sun.nio.cs", "sun.security.action", "sun.util.calendar")
      .map(p -> " --add-opens=java.base/" + p + "=ALL-UNNAMED").collect(java.util.stream.Collectors.joining());
  static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
      "local|local\\[(\\*|[1-9][0-9]*)(,\\s*[0-9]+)?\\]|local-cluster\\[[0-9]+,\\s*[0-9]+,\\s*[0-9]+\\]"
          + "|(spark|k8s|mesos)://\\S+|yarn");

  private SparkSessions() {}

  public static SparkSession create(String appName, String masterArg) {
    SparkConf conf = new SparkConf();
    if (masterArg != null) {
      conf.setMaster(masterArg);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster(DEFAULT_MASTER);
    }
    conf.setAppName(appName);
    String master = conf.get("spark.master");
    if (!MASTER.matcher(master).matches()) {
      throw new UserError("'--master' is set to '" + master + "' which is not a Spark master URL; use local[*], "
          + "local[N], local-cluster[N,C,M], spark://HOST:PORT, yarn or k8s://HOST:PORT");
    }
    if (master.startsWith("local")) {
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    if (master.startsWith("local-cluster")) {
      // separate executor JVMs launched from $SPARK_HOME/jars plus the application jar (spark.jars)
      if (System.getenv("SPARK_HOME") == null || !conf.contains("spark.jars")) {
        throw new UserError("master '" + master + "' starts executor JVMs: set SPARK_HOME to a folder whose jars/ holds "
            + "Spark's jars (deploy/spark-home) and -Dspark.jars to the cluster jar (mvn package)");
      }
      conf.setIfMissing("spark.executor.extraJavaOptions", JAVA17_OPENS);
    }
    conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
    // table writes through Spark's cloud commit protocol: on s3a:// the S3A magic committer (nothing is
    // visible before the job commits, _SUCCESS is a JSON manifest naming the committer); other file
    // systems get their usual committer through Hadoop's committer factory
    conf.setIfMissing("spark.sql.sources.commitProtocolClass",
        "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol");
    conf.setIfMissing("spark.sql.parquet.output.committer.class",
        "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter");
    conf.setIfMissing("spark.hadoop.fs.s3a.committer.name", "magic");
    conf.setIfMissing("spark.hadoop.fs.s3a.committer.magic.enabled", "true");
    conf.setIfMissing("spark.sql.parquet.compression.codec", "snappy");
    conf.setIfMissing("spark.sql.debug.maxToStringFields", "200");
    try {
      return SparkSession.builder().config(conf).getOrCreate();
    } catch (Exception e) { // SparkException is checked but thrown undeclared from Scala
      throw new UserError("Spark cannot start with master '" + master + "': " + e.getMessage()
          + "; use local[*], local[N], spark://HOST:PORT, yarn or k8s://...");
    }
  }
}
