/**
 * The DeepLearning4J backend: {@link io.modelpress.model.dl4j.Dl4jBackend} (restore, threads),
 * {@link io.modelpress.model.dl4j.Dl4jNetwork} (weights in and out, predictions, logits, rebuild),
 * {@code Dl4jArchitecture} (the layer sequence for the runtime), {@code Dl4jTrainer} (training, masked
 * fine-tuning, gradient steps, calibration), {@link io.modelpress.model.dl4j.Dl4jZoo} and
 * {@link io.modelpress.model.dl4j.Dl4jStudents} (configurations), {@link io.modelpress.model.dl4j.DistillLoss}.
 * The only package, with the data-parallel trainer in {@code io.modelpress.spark}, that imports DL4J or
 * ND4J types (ArchitectureRulesTest); everything else speaks {@link io.modelpress.model.Network} and
 * {@link io.modelpress.model.Trainer}.
 */
package io.modelpress.model.dl4j;
