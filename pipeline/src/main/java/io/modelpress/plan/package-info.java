/** Sweep planning: a {@link io.modelpress.spec.SweepSpec} and a model's layers become an ordered {@link io.modelpress.plan.SweepPlan} with deterministic trial ids and seeds. Tested without Spark. */
package io.modelpress.plan;
