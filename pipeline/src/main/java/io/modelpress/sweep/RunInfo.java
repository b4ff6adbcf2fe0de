package io.modelpress.sweep;

import java.io.Serializable;
import java.time.Instant;

/** Provenance of one run: what ran, on what, with which versions, and how it went. */
public record RunInfo(
    String runId,
    String name,
    Instant startedAt,
    Instant finishedAt,
    int trialsTotal,
    int trialsOk,
    int trialsFailed,
    double baseAccuracy,
    String objectives,
    String configJson,
    String model,
    String modelFingerprint,
    String dataset,
    String datasetFingerprint,
    String master,
    String codeVersion,
    String sparkVersion,
    String dl4jVersion,
    String javaVersion,
    String osArch,
    double hypervolume) implements Serializable {

  public double wallSeconds() {
    return (finishedAt.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
  }
}
