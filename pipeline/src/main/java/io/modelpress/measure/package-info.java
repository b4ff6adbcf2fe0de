/** Measures of a trial: classification metrics and size figures (parameters, bytes, MACs). Pure Java. */
package io.modelpress.measure;
