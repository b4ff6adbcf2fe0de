/** Models: the zoo, {@link io.modelpress.model.Dl4jModel} (the only class that knows DL4J types), saved files and fingerprints, and the plain-array {@link io.modelpress.model.ModelWeights} every algorithm works on. */
package io.modelpress.model;
