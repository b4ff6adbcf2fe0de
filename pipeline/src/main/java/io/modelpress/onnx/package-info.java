/**
 * ONNX in and out (issue #21): {@link io.modelpress.onnx.OnnxImport} reads a sequential classifier exported by
 * PyTorch or tf2onnx into an {@link io.modelpress.runtime.Architecture} and its
 * {@link io.modelpress.weights.ModelWeights}, which a backend builds into a trainable network. Pure Java over
 * the ONNX protobuf classes of {@code org.tribuo:tribuo-util-onnx}; no Spark, no DL4J.
 */
package io.modelpress.onnx;
