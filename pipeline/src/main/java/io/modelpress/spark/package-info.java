/** The Spark edge of the library: the sweep runner, the results tables' schemas and writer. The only package of the pipeline that imports Spark. */
package io.modelpress.spark;
