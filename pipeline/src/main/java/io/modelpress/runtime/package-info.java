/** A small pure-Java inference runtime that executes compressed models in their compressed form. */
package io.modelpress.runtime;
