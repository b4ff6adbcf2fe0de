package io.modelpress.weights;

import java.util.Locale;

/** The kinds of weighted layer the pipeline understands; the names are the ones used in layer selectors. */
public enum LayerKind {
  DENSE, CONV, OUTPUT;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static LayerKind fromId(String id) {
    for (LayerKind k : values()) {
      if (k.id().equals(id)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown layer type '" + id + "'; valid: dense, conv, output");
  }
}
