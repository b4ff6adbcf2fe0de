package io.modelpress.encode;

import io.modelpress.model.Backend;
import io.modelpress.model.ModelStore;
import io.modelpress.model.Network;
import java.util.Arrays;

/**
 * Restores a runnable network from a {@code .mpz} artifact and the original model it was made
 * from: the original supplies the layer types and activations, the artifact the layer sizes (smaller
 * after structured pruning) and the weights, exactly as the trial evaluated them. The artifact records
 * the original's SHA-256, and a different original is refused.
 */
public final class ArtifactReader {

  private ArtifactReader() {}

  public static Network restore(Backend backend, byte[] artifact, byte[] originalModel) {
    ArtifactDecoder.Decoded d = ArtifactDecoder.decode(artifact);
    byte[] fp = ModelStore.sha256(originalModel);
    if (!Arrays.equals(fp, d.fingerprint())) {
      throw new IllegalArgumentException("the artifact was made from model sha256 " + ModelStore.hex(d.fingerprint())
          + " but the given model is sha256 " + ModelStore.hex(fp) + "; pass the model the sweep compressed");
    }
    return backend.restore(originalModel).rebuilt(d.weights());
  }
}
