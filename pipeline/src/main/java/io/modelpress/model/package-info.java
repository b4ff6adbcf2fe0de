/**
 * Models behind a backend-neutral door: {@link io.modelpress.model.Network} (weights in and out,
 * predictions, logits, the runtime's layer sequence), {@link io.modelpress.model.Trainer} (training,
 * masked fine-tuning, gradient steps, calibration) and {@link io.modelpress.model.Backend}, implemented
 * today by DL4J in {@code io.modelpress.model.dl4j}; the plain-array {@link io.modelpress.weights.ModelWeights}
 * every algorithm works on; saved files, fingerprints and the zoo's names. No DL4J type outside {@code dl4j}.
 */
package io.modelpress.model;

import io.modelpress.weights.ModelWeights;