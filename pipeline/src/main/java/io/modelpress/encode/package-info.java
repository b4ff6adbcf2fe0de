/** The compressed-model artifact: format ({@link io.modelpress.encode.ArtifactFormat}), encoder and decoder; decode(encode(m)) restores exactly the evaluated weights. Pure Java. */
package io.modelpress.encode;
