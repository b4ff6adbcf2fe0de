package io.modelpress.spec;

import io.modelpress.weights.LayerKind;
import io.modelpress.weights.LayerWeights;
import io.modelpress.weights.ModelWeights;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which layers a step applies to, in the manner of NNI's config lists: by exact name, by regular
 * expression, by type ({@code dense}, {@code conv}, {@code output}), minus excluded names. Empty lists
 * and an empty regex mean "no constraint"; the default selects every weighted layer.
 */
public record LayerSelector(List<String> names, String regex, List<String> types, List<String> exclude)
    implements Serializable {

  public static final LayerSelector ALL = new LayerSelector(List.of(), "", List.of(), List.of());

  public LayerSelector {
    names = List.copyOf(Objects.requireNonNull(names, "names"));
    regex = Objects.requireNonNull(regex, "regex");
    types = List.copyOf(Objects.requireNonNull(types, "types"));
    exclude = List.copyOf(Objects.requireNonNull(exclude, "exclude"));
    for (String t : types) {
      LayerKind.fromId(t);
    }
    if (!regex.isEmpty()) {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("'layers.regex' is set to '" + regex + "' which is not a valid regular expression: "
            + e.getDescription());
      }
    }
  }

  public static LayerSelector named(String name) {
    return new LayerSelector(List.of(name), "", List.of(), List.of());
  }

  /**
   * The names of the selected layers in model order.
   *
   * @throws IllegalArgumentException naming the unknown layer, or saying that nothing was selected
   */
  public List<String> resolve(ModelWeights model) {
    List<String> all = model.names();
    for (String n : names) {
      if (!all.contains(n)) {
        throw new IllegalArgumentException("layer selector names layer '" + n + "' which the model does not have; layers: " + all);
      }
    }
    for (String n : exclude) {
      if (!all.contains(n)) {
        throw new IllegalArgumentException("layer selector excludes layer '" + n + "' which the model does not have; layers: " + all);
      }
    }
    Pattern p = regex.isEmpty() ? null : Pattern.compile(regex);
    List<String> out = new ArrayList<>();
    for (LayerWeights l : model.layers()) {
      boolean ok = (names.isEmpty() || names.contains(l.name()))
          && (p == null || p.matcher(l.name()).matches())
          && (types.isEmpty() || types.contains(l.kind().id()))
          && !exclude.contains(l.name());
      if (ok) {
        out.add(l.name());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("layer selector " + describe() + " selects no layer; layers: " + all);
    }
    return out;
  }

  /** Canonical form for trial ids: only the constraints that are set, keys sorted. */
  public Map<String, Object> canonical() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!exclude.isEmpty()) {
      m.put("exclude", exclude);
    }
    if (!names.isEmpty()) {
      m.put("names", names);
    }
    if (!regex.isEmpty()) {
      m.put("regex", regex);
    }
    if (!types.isEmpty()) {
      m.put("types", types);
    }
    return m;
  }

  public String describe() {
    Map<String, Object> c = canonical();
    return c.isEmpty() ? "{all layers}" : c.toString();
  }

  /** A short human label: the layer name when one layer is named, "all" for everything. */
  public String label() {
    if (names.size() == 1 && regex.isEmpty() && types.isEmpty() && exclude.isEmpty()) {
      return names.get(0);
    }
    return canonical().isEmpty() ? "all" : describe();
  }
}
