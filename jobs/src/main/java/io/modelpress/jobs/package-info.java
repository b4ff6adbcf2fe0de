/** Thin entry points: arguments to config to runner to tables to exit code, and the CLI's own output. No algorithms here. */
package io.modelpress.jobs;
