/** Pruning in three separate steps: importance scores, masks from scores, masks applied. Pure Java over arrays. */
package io.modelpress.compress.prune;
