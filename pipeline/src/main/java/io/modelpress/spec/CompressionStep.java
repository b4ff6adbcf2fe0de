package io.modelpress.spec;

import java.io.Serializable;
import java.util.Map;

/** One step of a trial. Steps run in the order of the trial: distill, prune, fine-tune, quantize. */
public sealed interface CompressionStep extends Serializable permits DistillSpec, PruneSpec, FineTuneSpec, QuantSpec {

  /** Canonical map (sorted keys, only meaningful fields) used for trial ids and the spec JSON column. */
  Map<String, Object> canonical();

  /** The method name stored in the {@code method} column, e.g. {@code magnitude} or {@code uniform}. */
  String method();
}
