package io.modelpress.jobs;

import io.modelpress.cli.UserError;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * {@code modelpress distill}: the sweep job for a config whose search has distillation blocks, refused when
 * it has none (so a mistyped config is not silently run as a plain sweep).
 */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"A sweep with knowledge-distillation blocks: the config's model is the teacher, its soft targets "
        + "go to soft_targets/, every student (and its hard-label baseline) is a trial row."})
final class DistillJob extends SweepJob {

  DistillJob(PrintStream out) {
    super(out);
  }

  @Override
  String name() {
    return "distill";
  }

  @Override
  void check(SweepSpec spec) {
    if (spec.search().stream().noneMatch(b -> b instanceof SearchBlock.Distill)) {
      throw new UserError("'--config' is set to " + config + " but its search has no 'distill' block; add one "
          + "(see conf/distill/mnist.yaml) or run it with modelpress sweep");
    }
  }
}
