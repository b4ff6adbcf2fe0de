/** Quantization: uniform (symmetric/affine, per tensor/channel), half precision, and the value codings the artifact stores. Pure Java over arrays. */
package io.modelpress.compress.quant;
