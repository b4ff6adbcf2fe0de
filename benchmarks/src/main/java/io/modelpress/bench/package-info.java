/** JMH micro-benchmarks of the pure-Java inference runtime against DL4J, run by {@code bin/bench-jmh}; they use the pipeline's public API only and hold no logic of their own (no Spark here). */
package io.modelpress.bench;
