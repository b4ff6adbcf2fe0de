/** Records for every unit of work: trial, prune and quantize steps, layer selectors, model, dataset and sweep specs. Validated in their constructors; no logic beyond that, no Spark, no DL4J. */
package io.modelpress.spec;
