package io.modelpress.sweep;

import java.io.Serializable;
import java.time.Instant;

/**
 * Provenance of one run: what ran ({@link Inputs}), on what and with which versions ({@link Provenance}),
 * and how it went: its trials, the base model's accuracy, the objectives and the frontier's hypervolume
 * (NaN when not computed, e.g. a sensitivity run).
 */
public record RunInfo(
    String runId,
    String name,
    Instant startedAt,
    Instant finishedAt,
    Trials trials,
    double baseAccuracy,
    String objectives,
    double hypervolume,
    Inputs inputs,
    Provenance provenance) implements Serializable {

  /** Trials of the run: all, successful, failed. */
  public record Trials(int total, int ok, int failed) implements Serializable {}

  /**
   * The resolved config (in its own schema, {@link io.modelpress.config.ConfigWriter}), the model (a zoo
   * name or a path) and the dataset, with the SHA-256 of what was read.
   */
  public record Inputs(String configJson, String model, String modelFingerprint, String dataset,
      String datasetFingerprint) implements Serializable {}

  /** Where and with what code the run ran. */
  public record Provenance(String master, String codeVersion, String sparkVersion, String dl4jVersion,
      String javaVersion, String osArch) implements Serializable {

    /** This JVM's versions, for a run on {@code master} with Spark {@code sparkVersion}. */
    public static Provenance of(String master, String sparkVersion) {
      return new Provenance(master, io.modelpress.model.Versions.code(), sparkVersion, io.modelpress.model.Versions.dl4j(),
          System.getProperty("java.version"), System.getProperty("os.arch"));
    }
  }

  public double wallSeconds() {
    return (finishedAt.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
  }
}
