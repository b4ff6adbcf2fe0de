/** Running trials: compress, evaluate, encode and measure one trial on one restored model; results and frontier selection. No Spark: the Spark runner calls into this. */
package io.modelpress.sweep;
