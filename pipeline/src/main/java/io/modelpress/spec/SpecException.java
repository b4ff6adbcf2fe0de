package io.modelpress.spec;

/**
 * A value a spec record refuses, naming its key relative to the record ({@code sparsities[1]},
 * {@code finetune.schedule}): the config parser prefixes the key path of the record in the file, so the
 * one-line message names the exact key, the value and the bound.
 */
public final class SpecException extends IllegalArgumentException {

  private final String key;
  private final String problem;

  /** {@code problem} follows the key: "is set to 1.5 but must be in [0, 1)"; an empty key is the record itself. */
  public SpecException(String key, String problem) {
    super((key.isEmpty() ? "" : "'" + key + "' ") + problem);
    this.key = key;
    this.problem = problem;
  }

  public String key() {
    return key;
  }

  public String problem() {
    return problem;
  }

  /** Throws unless {@code ok}: "'key' is set to value but must be rule". */
  public static void require(boolean ok, String key, Object value, String rule) {
    if (!ok) {
      throw new SpecException(key, "is set to " + value + " but must be " + rule);
    }
  }
}
