package io.modelpress.model;

import io.modelpress.model.dl4j.Dl4jBackend;

/** The backends modelpress has: today DeepLearning4J alone. */
public final class Backends {

  private Backends() {}

  public static Backend dl4j() {
    return Dl4jBackend.INSTANCE;
  }
}
