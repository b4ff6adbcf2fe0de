/** YAML configuration to spec records ({@code version: 1}, kebab-case keys); unknown keys and bad values are errors naming the key, the value and the fix. No Spark. */
package io.modelpress.config;
