/** Multi-objective ranking: dominance, non-dominated sorting, objectives. Pure functions over points; no trial types. */
package io.modelpress.pareto;
