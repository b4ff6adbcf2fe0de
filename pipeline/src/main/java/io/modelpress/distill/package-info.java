/**
 * Knowledge distillation (Hinton, Vinyals and Dean 2015): the student's loss on hard labels and on the
 * teacher's softened outputs ({@link io.modelpress.distill.DistillLoss}), and the pure arithmetic of soft
 * targets ({@link io.modelpress.distill.SoftTargets}). Student training itself is in
 * {@link io.modelpress.model.Dl4jModel#distill}; the Spark stages (soft targets over the training set,
 * data-parallel training) are in {@code io.modelpress.spark}.
 */
package io.modelpress.distill;
