package io.modelpress;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture as rules that fail the build: algorithms are pure Java over records and arrays, Spark
 * lives only in the Spark edge ({@code spark}) and the commands ({@code cli}, {@code jobs}), DL4J and ND4J
 * only behind the model interfaces ({@code model.dl4j}) and in the one data-parallel trainer that joins DL4J
 * to Spark, and the top-level packages depend on each other without cycles.
 */
class ArchitectureRulesTest {

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.modelpress");
  }

  @Test
  void sparkOnlyInTheSparkEdgeAndTheCommands() {
    noClasses().that().resideOutsideOfPackages("io.modelpress.spark..", "io.modelpress.cli..", "io.modelpress.jobs..",
        "io.modelpress.bench..")
        .should().dependOnClassesThat().resideInAPackage("org.apache.spark..")
        .because("algorithms are pure Java over records and arrays; Spark lives at the edge")
        .check(classes);
  }

  @Test
  void dl4jOnlyBehindTheModelInterfaces() {
    noClasses().that().resideOutsideOfPackage("io.modelpress.model.dl4j..")
        .and().doNotHaveFullyQualifiedName("io.modelpress.spark.DataParallelTrainer")
        .should().dependOnClassesThat().resideInAnyPackage("org.deeplearning4j..", "org.nd4j..")
        .because("only the DL4J backend knows DL4J types; everything else speaks Network and Trainer")
        .check(classes);
  }

  @Test
  void thePureAlgorithmsImportNeitherSparkNorDl4jNorTheModelBackend() {
    noClasses().that().resideInAnyPackage("io.modelpress.plan..", "io.modelpress.pareto..", "io.modelpress.compress..",
        "io.modelpress.encode..", "io.modelpress.runtime..", "io.modelpress.onnx..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "org.deeplearning4j..", "org.nd4j..",
            "io.modelpress.model.dl4j..", "io.modelpress.spark..")
        .check(classes);
  }

  @Test
  void onnxProtobufOnlyInTheOnnxPackage() {
    noClasses().that().resideOutsideOfPackage("io.modelpress.onnx..")
        .should().dependOnClassesThat().resideInAnyPackage("ai.onnx.proto..", "com.google.protobuf..", "ai.onnxruntime..")
        .because("ONNX files are read and written in one place; the rest sees Architecture and ModelWeights")
        .check(classes);
  }

  @Test
  void theCommandsAndTheLibraryHaveNoPackageCycles() {
    slices().matching("io.modelpress.(*)..").should().beFreeOfCycles().check(classes);
  }
}
