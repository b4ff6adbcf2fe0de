package io.modelpress.jobs;

import io.modelpress.cli.Cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelpress.config.SweepConfigParser;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment files of deploy/ say what the code is: they parse, have the fields their tools require,
 * and every jar, class, command and config they name exists in this build. (Docker and Kubernetes are not
 * on this machine: the image and the manifests are checked, not run; the standalone wrapper is run on a
 * real cluster by SparkSubmitIT.)
 */
class DeployFilesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final String IMAGE_ROOT = "/opt/modelpress/";

  /** The cluster jar's file name as this build names it (jobs/pom.xml: finalName + "-cluster"). */
  static String clusterJar() throws Exception {
    Matcher m = Pattern.compile("<artifactId>modelpress-parent</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).isTrue();
    return "modelpress-jobs-" + m.group(1) + "-cluster.jar";
  }

  @Test
  void sparkOperatorManifestsNameTheRealJarClassCommandAndConfig() throws Exception {
    JsonNode app = YAML.readTree(ROOT.resolve("deploy/kubernetes/sparkapplication.yaml").toFile());
    assertThat(app.path("apiVersion").asText()).isEqualTo("sparkoperator.k8s.io/v1beta2");
    assertThat(app.path("kind").asText()).isEqualTo("SparkApplication");
    application(app.path("spec"), "sweep");

    JsonNode nightly = YAML.readTree(ROOT.resolve("deploy/kubernetes/scheduled-nightly.yaml").toFile());
    assertThat(nightly.path("kind").asText()).isEqualTo("ScheduledSparkApplication");
    assertThat(nightly.path("spec").path("schedule").asText().split(" ")).as("a 5-field cron schedule").hasSize(5);
    assertThat(nightly.path("spec").path("concurrencyPolicy").asText()).isEqualTo("Forbid");
    application(nightly.path("spec").path("template"), "nightly");
  }

  private static void application(JsonNode spec, String command) throws Exception {
    for (String field : List.of("type", "mode", "image", "mainClass", "mainApplicationFile", "sparkVersion")) {
      assertThat(spec.path(field).asText()).as(field).isNotBlank();
    }
    assertThat(spec.path("type").asText()).isEqualTo("Java");
    assertThat(spec.path("mode").asText()).isEqualTo("cluster");
    assertThat(spec.path("mainClass").asText()).isEqualTo(Cli.class.getName());
    assertThat(spec.path("mainApplicationFile").asText()).isEqualTo("local://" + IMAGE_ROOT + clusterJar());
    assertThat(spec.path("sparkVersion").asText()).startsWith("3.5.");
    assertThat(spec.path("driver").path("memory").asText()).isNotBlank();
    assertThat(spec.path("executor").path("instances").asInt()).isPositive();
    List<String> args = new ArrayList<>();
    spec.path("arguments").forEach(a -> args.add(a.asText()));
    assertThat(args.get(0)).isEqualTo(command);
    config(args);
  }

  /** The --config of a job's arguments: a path inside the image that is this repository's conf/ file. */
  private static void config(List<String> args) throws Exception {
    int i = args.indexOf("--config");
    assertThat(i).as("arguments name a --config").isGreaterThanOrEqualTo(0);
    String path = args.get(i + 1);
    String local = path.startsWith(IMAGE_ROOT) ? path.substring(IMAGE_ROOT.length()) : path;
    Path file = ROOT.resolve(local);
    assertThat(file).as(path + " (the image copies conf/)").exists();
    String yaml = Files.readString(file);
    if (args.get(0).equals("nightly")) {
      SweepConfigParser.nightly(yaml, file.toString());
    } else {
      SweepConfigParser.parse(yaml, file.toString());
    }
    // a command the CLI knows: its usage lists it
    assertThat(Cli.usage()).contains("  " + args.get(0) + " ");
  }

  @Test
  void theDockerfileExtendsTheOfficialSparkJava17ImageWithTheClusterJarAndConf() throws Exception {
    String docker = Files.readString(ROOT.resolve("deploy/docker/Dockerfile"));
    assertThat(docker).containsPattern("ARG SPARK_IMAGE=apache/spark:3\\.5\\.\\d+-scala2\\.12-java17-ubuntu")
        .contains("FROM ${SPARK_IMAGE}")
        .contains("COPY jobs/target/" + clusterJar() + " " + IMAGE_ROOT)
        .contains("COPY conf " + IMAGE_ROOT + "conf");
    // the S3A connector it adds is the one this build tests with
    String hadoopAws = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
        .map(p -> Path.of(p).getFileName().toString()).filter(n -> n.startsWith("hadoop-aws-")).findFirst().orElseThrow();
    assertThat(docker).contains("/" + hadoopAws + "\"");
  }

  @Test
  void theAirflowDagAndTheCronLineRunTheNightlyJobOfTheRealConfig() throws Exception {
    String dag = Files.readString(ROOT.resolve("deploy/airflow/modelpress_nightly.py"));
    assertThat(dag).contains("SparkSubmitOperator(", "MODELPRESS_CLASS = \"" + Cli.class.getName() + "\"",
        "/opt/modelpress/" + clusterJar() + "\"", "\"--date\", \"{{ ds }}\"");
    Matcher cfg = Pattern.compile("CONFIG = \"([^\"]+)\"").matcher(dag);
    assertThat(cfg.find()).isTrue();
    config(List.of("nightly", "--config", cfg.group(1)));
    if (new File("/usr/bin/python3").canExecute()) { // syntax only: Airflow itself is not installed here
      Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())",
          ROOT.resolve("deploy/airflow/modelpress_nightly.py").toString()).redirectErrorStream(true).start();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    String cron = Files.readAllLines(ROOT.resolve("deploy/cron/modelpress-nightly.cron")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.matches("[A-Z_]+=.*")).findFirst().orElseThrow();
    String[] f = cron.split("\\s+");
    assertThat(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[4]).matches("[0-9*/,-]+( [0-9*/,-]+){4}");
    assertThat(cron).contains("deploy/submit/standalone spark://", "-- nightly --config conf/nightly/mnist.yaml",
        "--date \"$(date -u +\\%F)\"", "|| echo \"modelpress nightly exited $?");
    assertThat(ROOT.resolve("deploy/submit/standalone")).isExecutable();
  }

  @Test
  void theSubmitWrappersBuildTheSparkSubmitCommandAndRefuseMissingArguments() throws Exception {
    String jar = clusterJar();
    for (String[] c : new String[][] {
        {"standalone", "spark://10.0.0.1:7077", "client", "jobs/target/" + jar},
        {"yarn", null, "cluster", "jobs/target/" + jar},
        {"kubernetes", "k8s://https://10.0.0.1:6443", "cluster", "local:///opt/modelpress/" + jar}}) {
      List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("deploy/submit/" + c[0]).toString()));
      if (c[1] != null) {
        cmd.add(c[1]);
      }
      cmd.addAll(List.of("--conf", "spark.executor.memory=2g", "--", "nightly", "--config", "conf/nightly/mnist.yaml"));
      String printed = run(cmd, true);
      assertThat(printed).as(c[0]).contains("--master " + (c[1] == null ? "yarn" : c[1]), "--deploy-mode " + c[2],
          "--class " + Cli.class.getName(), "spark.executorEnv.OMP_NUM_THREADS=1", "--add-opens=java.base/sun.nio.ch",
          "spark.executor.memory=2g", jar + " nightly --config conf/nightly/mnist.yaml");
      assertThat(printed.indexOf("spark.executor.memory=2g")).as("spark-submit options before the jar")
          .isLessThan(printed.indexOf(jar));
      assertThat(printed).contains(c[3]);
    }
    assertThat(run(List.of(ROOT.resolve("deploy/submit/standalone").toString(), "nightly"), false))
        .startsWith("usage: standalone spark://HOST:PORT");
    assertThat(run(List.of(ROOT.resolve("deploy/submit/kubernetes").toString(), "k8s://https://h:1"), false))
        .startsWith("usage: kubernetes [spark-submit options] -- <modelpress command>");
  }

  /** Runs a wrapper (dry run: it prints the command); with {@code ok} false it must exit 2. Its output. */
  private static String run(List<String> cmd, boolean ok) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("MODELPRESS_DRY_RUN", "1");
    pb.environment().remove("SPARK_HOME");
    pb.environment().remove("MODELPRESS_JAR");
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isEqualTo(ok ? 0 : 2);
    return out;
  }
}
