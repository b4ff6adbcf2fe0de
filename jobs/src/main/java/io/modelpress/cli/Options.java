package io.modelpress.cli;

import io.modelpress.spec.Defaults;
import picocli.CommandLine.Option;

/** Options several commands share, as picocli mixins. */
public final class Options {

  private Options() {}

  /** {@code --master URL}. */
  public static final class Master {
    @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[N], local[*], "
        + "local-cluster[N,C,M], spark://HOST:PORT, yarn or k8s://HOST:PORT; default: spark.master as spark-submit "
        + "sets it, else local[*]")
    public String master;
  }

  /** {@code --out DIR} (alias {@code --results}) of commands that read the tables: default {@value Defaults#OUTPUT}. */
  public static final class Tables {
    @Option(names = {"--out", "--results"}, paramLabel = "DIR", defaultValue = Defaults.OUTPUT,
        description = "the results tables' root, any Hadoop path (the --out of the run); default: ${DEFAULT-VALUE}")
    public String out;
  }

  /** The options of a command that writes a run: where, under which id, and whether to replace it. */
  public static final class Run {
    @Option(names = {"--out", "--results"}, paramLabel = "DIR", description = "the results tables' root, any "
        + "Hadoop path; default: the config's 'output', else " + Defaults.OUTPUT)
    public String out;

    @Option(names = "--run-id", paramLabel = "ID", description = "the run's id (letters, digits, '.', '_', '-'); "
        + "default: <name>-<yyyyMMdd-HHmmss> in UTC")
    public String runId;

    @Option(names = "--overwrite", description = "replace the run's results if it finished (only its own partitions)")
    public boolean overwrite;
  }
}
