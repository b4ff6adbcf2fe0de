package io.modelpress.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code --key value} and {@code --flag} arguments of one subcommand; unknown options are an error. */
final class Args {

  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, List<String>> all = new LinkedHashMap<>();
  private final List<String> flags = new ArrayList<>();

  private Args() {}

  static Args parse(String command, String[] argv, int from, Set<String> options, Set<String> flagNames) {
    Args a = new Args();
    for (int i = from; i < argv.length; i++) {
      String arg = argv[i];
      String key = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        key = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (flagNames.contains(key) && value == null) {
        a.flags.add(key);
      } else if (options.contains(key)) {
        if (value == null) {
          if (i + 1 >= argv.length) {
            throw new UserError("option " + key + " of '" + command + "' needs a value");
          }
          value = argv[++i];
        }
        a.values.put(key, value);
        a.all.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      } else {
        List<String> valid = new ArrayList<>(options);
        valid.addAll(flagNames);
        throw new UserError("unknown argument '" + arg + "' for '" + command + "'; valid: " + String.join(", ", valid));
      }
    }
    return a;
  }

  Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** Every value of an option given more than once, in order. */
  List<String> all(String key) {
    return all.getOrDefault(key, List.of());
  }

  String require(String key, String what) {
    return get(key).orElseThrow(() -> new UserError("missing " + key + " " + what));
  }

  boolean flag(String key) {
    return flags.contains(key);
  }
}
