/**
 * Knowledge distillation (Hinton, Vinyals and Dean 2015) in plain arrays: softmax with temperature and
 * the student's loss and gradient on hard labels and the teacher's softened logits
 * ({@link io.modelpress.distill.SoftTargets}, the reference the DL4J loss is tested against), and what a
 * distillation sweep found per student, hard-label baselines against every (T, α)
 * ({@link io.modelpress.sweep.DistillSummary}). No DL4J here: the loss as a DL4J loss function and
 * student training are in {@code io.modelpress.model} ({@code DistillLoss}, {@code Students}); the Spark
 * stages (soft targets over the training set, data-parallel training) in {@code io.modelpress.spark}.
 */
package io.modelpress.distill;

import io.modelpress.sweep.DistillSummary;