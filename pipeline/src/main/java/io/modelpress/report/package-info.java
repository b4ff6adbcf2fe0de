/**
 * The report of one sweep run: plots (accuracy vs encoded size, accuracy vs measured latency) as PNG and
 * SVG, and one self-contained HTML page, rendered from a run's rows as plain records. No Spark here: the
 * jobs read the tables into a {@link io.modelpress.report.RunReport} and write the files this package returns.
 */
package io.modelpress.report;
