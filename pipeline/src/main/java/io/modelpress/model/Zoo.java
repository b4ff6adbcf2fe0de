package io.modelpress.model;

import java.util.List;

/**
 * The model zoo's names (the architectures are built by the backend, {@link io.modelpress.model.dl4j.Dl4jZoo}).
 *
 * <ul>
 *   <li>{@code mlp-64-64}: 784-64-64-10, ReLU, softmax;
 *   <li>{@code lenet-300-100}: 784-300-100-10, ReLU, softmax (LeCun et al. 1998; Han et al. 2015);
 *   <li>{@code lenet5}: conv 5×5×20, max-pool 2, conv 5×5×50, max-pool 2, dense 500, softmax (Caffe's LeNet);
 *   <li>{@code mlp-1200-1200}: 784-1200-1200-10, ReLU, softmax, with dropout (inputs kept with probability
 *       0.8, hidden units with 0.5): the distillation teacher of Hinton, Vinyals and Dean 2015.
 * </ul>
 */
public final class Zoo {

  public static final List<String> NAMES = List.of("mlp-64-64", "lenet-300-100", "lenet5", "mlp-1200-1200");

  private Zoo() {}
}
