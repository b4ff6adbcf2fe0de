/** Datasets: the IDX reader (raw or gzip) over Hadoop paths, and where the known datasets live. Uses Hadoop's FileSystem API but no Spark. */
package io.modelpress.data;
