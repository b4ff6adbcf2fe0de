package io.modelpress.cli;

import io.modelpress.config.ConfigException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code modelpress <command> [options]}: the entry point of {@code bin/modelpress} and of
 * {@code spark-submit --class io.modelpress.cli.Cli}, parsed by picocli ({@code modelpress --help},
 * {@code modelpress <command> --help}). Exit codes: 0 success, 1 failure while running, 2 caller's
 * mistake (bad config, argument or input), reported as one line without a stack trace, 3 a nightly run
 * that regressed beyond its configured limits (everything written).
 */
@Command(name = "modelpress", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = "Compresses neural networks (prune, quantize, distill) in sweeps on Apache Spark and writes "
        + "the results as Parquet tables.",
    commandListHeading = "%nCommands:%n",
    footer = {"", "Exit codes: 0 success, 1 failure while running, 2 a mistake in the command line, config or input, "
        + "3 a nightly run that regressed.", "Reference: docs/commands.md"})
public final class Cli implements Runnable {

  /** The commands, in the order users meet them; {@code bench} is added when the benchmarks are on the classpath. */
  static final List<String> COMMANDS = List.of("io.modelpress.jobs.SweepJob", "io.modelpress.jobs.DistillJob",
      "io.modelpress.jobs.NightlyJob", "io.modelpress.jobs.SensitivityJob", "io.modelpress.jobs.ResultsJob",
      "io.modelpress.jobs.SelectJob", "io.modelpress.jobs.ReportJob", "io.modelpress.jobs.ExportJob",
      "io.modelpress.jobs.TrainJob", "io.modelpress.jobs.DataJob", "io.modelpress.bench.BenchJob");

  private Cli() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** A message on one line: user values with line breaks must not split the error line. */
  public static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  @Override
  public void run() {
    throw new ParameterException(new CommandLine(this), "missing command");
  }

  /** Runs a command; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = commandLine(out);
    cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    if (args.length == 0) {
      cl.usage(out);
      return 2;
    }
    cl.setParameterExceptionHandler((e, a) -> {
      err.println("modelpress: error: " + oneLine(parameterMessage(e)));
      return 2;
    });
    cl.setExecutionExceptionHandler((e, c, parsed) -> {
      if (e instanceof UserError || e instanceof ConfigException) {
        err.println("modelpress: error: " + oneLine(e.getMessage()));
        return 2;
      }
      if (e instanceof JobFailed) {
        err.println("modelpress: failed: " + oneLine(e.getMessage()));
        return 1;
      }
      // Spark and Hadoop throw checked exceptions through Scala code: a stack trace helps here
      err.println("modelpress: failed: " + oneLine(String.valueOf(e)));
      e.printStackTrace(err);
      return 1;
    });
    return cl.execute(args);
  }

  /** The top-level usage text ({@code modelpress --help}). */
  public static String usage() {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    PrintStream p = new PrintStream(b, true, StandardCharsets.UTF_8);
    commandLine(p).usage(p);
    return b.toString(StandardCharsets.UTF_8);
  }

  /** The command line with every command, each built with {@code out} for its report. */
  static CommandLine commandLine(PrintStream out) {
    CommandLine cl = new CommandLine(new Cli(), new Factory(out));
    for (String name : COMMANDS) {
      try {
        cl.addSubcommand(Class.forName(name));
      } catch (ClassNotFoundException e) {
        // the benchmarks are not on this classpath (the cluster jar): no bench command
      }
    }
    cl.addSubcommand("help", new CommandLine.HelpCommand());
    cl.setAbbreviatedOptionsAllowed(false);
    cl.setCaseInsensitiveEnumValuesAllowed(false);
    return cl;
  }

  /**
   * One line for a command-line mistake: what is wrong, and how to fix it (the closest option or command,
   * and where the full list is).
   */
  static String parameterMessage(ParameterException e) {
    CommandLine c = e.getCommandLine();
    String command = c.getCommandName().equals("modelpress") ? "modelpress" : "modelpress " + qualified(c);
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().get(0);
      List<String> suggestions = u.getSuggestions();
      boolean isCommand = !arg.startsWith("-") && !c.getSubcommands().isEmpty();
      String what = isCommand ? "unknown command '" + arg + "'" : arg.startsWith("-")
          ? "unknown option '" + arg + "' for '" + command + "'" : "unexpected argument '" + arg + "' for '" + command + "'";
      String hint = suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)";
      String list = isCommand ? "; commands: " + String.join(", ", c.getSubcommands().keySet())
          : "; " + command + " --help lists every option";
      return what + hint + list;
    }
    List<String> unmatched = c.getUnmatchedArguments();
    if (!(e instanceof UnmatchedArgumentException) && !unmatched.isEmpty() && unmatched.get(0).startsWith("-")) {
      // an unknown option is the mistake to report, not the required one it may have been meant as
      return parameterMessage(new UnmatchedArgumentException(c, unmatched));
    }
    if (e instanceof CommandLine.MissingParameterException m) {
      List<String> missing = new ArrayList<>();
      for (CommandLine.Model.ArgSpec a : m.getMissing()) {
        if (a instanceof CommandLine.Model.OptionSpec o) {
          missing.add(o.longestName() + " " + o.paramLabel() + ": " + String.join(" ", o.description()));
        } else {
          missing.add(a.paramLabel() + ": " + String.join(" ", a.description()));
        }
      }
      return "'" + command + "' needs " + String.join("; and ", missing) + "; see " + command + " --help";
    }
    if (e.getMessage() != null && e.getMessage().equals("missing command")) {
      return "missing command; commands: " + String.join(", ", c.getSubcommands().keySet())
          + " (modelpress --help)";
    }
    return e.getMessage() + " (" + command + " --help)";
  }

  private static String qualified(CommandLine c) {
    List<String> names = new ArrayList<>();
    for (CommandLine x = c; x != null && x.getParent() != null; x = x.getParent()) {
      names.add(0, x.getCommandName());
    }
    return String.join(" ", names);
  }

  /** Builds commands with the stream they print their report to (constructor {@code (PrintStream)}). */
  private static final class Factory implements CommandLine.IFactory {
    private final PrintStream out;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    Factory(PrintStream out) {
      this.out = out;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        Constructor<K> c = cls.getDeclaredConstructor(PrintStream.class);
        c.setAccessible(true);
        return c.newInstance(out);
      } catch (NoSuchMethodException e) {
        return fallback.create(cls);
      }
    }
  }

  /** The version of this build (see {@link io.modelpress.model.Versions}). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"modelpress " + io.modelpress.model.Versions.code()};
    }
  }
}
