package io.modelpress.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime 1.29 crashed (SIGSEGV) creating a session in a process started with a command line longer than
 * about 4 KB (bin/modelpress export exited 139). Measured on the development machine: 3.1 KB works, 4.0 KB
 * crashes, and with an environment variable named CI set (as CI runs have) it does not crash at all, which
 * is how tests could miss it. bin/modelpress's classpath alone is 18 KB, so the launcher passes it in an
 * argument file. This test starts a JVM with this module's real classpath in an argument file, as the
 * launcher does, and loads a model in ONNX Runtime; and checks the launcher's line.
 */
class OnnxRunnerLaunchTest {

  @TempDir
  Path dir;

  /** Loads the ONNX file args[0] in ONNX Runtime and exits 0. */
  public static void main(String[] args) throws Exception {
    try (OnnxRunner r = new OnnxRunner(Files.readAllBytes(Path.of(args[0])))) {
      System.out.println("loaded");
    }
  }

  @Test
  void aSessionLoadsInAJvmStartedWithAnArgumentFileAsBinModelpressStartsIt() throws Exception {
    String cp = classpath();
    assertThat(cp.length()).as("a classpath as long as the launcher's").isGreaterThan(4096);
    Path model = dir.resolve("m.onnx");
    Files.write(model, OnnxExport.write(io.modelpress.runtime.Architecture.dense(4, List.of("softmax")),
        io.modelpress.compress.TrialCompressor.quantize(new io.modelpress.weights.ModelWeights(List.of(
            io.modelpress.TestData.dense("out", io.modelpress.weights.LayerKind.OUTPUT, 4, 3, new java.util.Random(1)))),
            java.util.Optional.empty(), 0), 1, 2, 2, "test", null));
    Path args = dir.resolve("classpath.args");
    Files.writeString(args, "-cp \"" + cp + "\"\n");
    assertThat(run(List.of("@" + args, OnnxRunnerLaunchTest.class.getName(), model.toString()))).isZero();

    String launcher = Files.readString(Path.of("..", "bin", "modelpress"));
    assertThat(launcher).contains("\"@$CP_ARGS\" io.modelpress.cli.Cli \"$@\"");
  }

  private static int run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    b.environment().remove("CI"); // a user's shell: CI hides the crash (above)
    Process p = b.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  /** This JVM's classpath, with the entries of surefire's manifest-only booter jar spelled out. */
  private static String classpath() throws Exception {
    List<String> out = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.contains("surefirebooter")) {
        try (JarFile j = new JarFile(e)) {
          for (String u : j.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
            out.add(Path.of(new java.net.URI(u)).toString());
          }
        }
      } else {
        out.add(e);
      }
    }
    return String.join(File.pathSeparator, out);
  }
}
