/**
 * The report of one run: for a sweep, plots (accuracy vs encoded size, accuracy vs measured latency); for a
 * sensitivity run, one curve plot per method (accuracy drop per layer over the level); each as PNG and SVG,
 * with one self-contained HTML page, rendered from a run's rows as plain records. No Spark here: the jobs
 * read the tables into a {@link io.modelpress.report.RunReport} or
 * {@link io.modelpress.report.SensitivityReport} and write the files this package returns.
 */
package io.modelpress.report;
