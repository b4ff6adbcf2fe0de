/** Compression of plain weights: a trial's steps applied in order ({@link io.modelpress.compress.TrialCompressor}). Pure Java; the input model is never mutated. */
package io.modelpress.compress;
