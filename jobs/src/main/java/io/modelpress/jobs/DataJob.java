package io.modelpress.jobs;

import io.modelpress.cli.ConfigFiles;
import io.modelpress.config.SensitivityConfigParser;
import io.modelpress.config.SweepConfigParser;
import io.modelpress.spec.DatasetSpec;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelpress data needs --config FILE}: the bundled dataset a config reads from the cache (one name
 * per line; nothing when it names its own folder), so that {@code bin/modelpress} fetches it first with
 * {@code bin/fetch-data} instead of parsing YAML in bash.
 */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Datasets of a config.",
    subcommands = {DataJob.Needs.class})
final class DataJob implements Runnable {

  @Override
  public void run() {
    throw new io.modelpress.cli.UserError("missing subcommand; usage: modelpress data needs --config FILE");
  }

  @Command(name = "needs", mixinStandardHelpOptions = true, description = "Print the bundled dataset a sweep, "
      + "distill, nightly or sensitivity config reads from the cache (nothing when it names a folder of its own).")
  static final class Needs implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the config")
    String config;

    private final PrintStream out;

    Needs(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      String text = ConfigFiles.read(config, "--config", new Configuration());
      DatasetSpec d;
      try {
        d = SweepConfigParser.parse(text, config).dataset();
      } catch (io.modelpress.config.ConfigException sweep) {
        try {
          d = SensitivityConfigParser.parse(text, config).dataset();
        } catch (io.modelpress.config.ConfigException sensitivity) {
          throw sweep;
        }
      }
      if (d.dir().isEmpty()) {
        out.println(d.name());
      }
      return 0;
    }
  }
}
