package io.modelpress.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A run's identity: which config changes make another run, and how the first difference is named. */
class RunIdentityTest {

  private static final String CONFIG = """
      {"version":1,"name":"a","seed":42,"model":{"path":"m.zip"},
       "dataset":{"name":"mnist","train-limit":2000,"test-limit":1000},
       "search":[{"name":"q","quantize":{"bits":[4,8]}}],"output":"out","latency":{"enabled":false}}""";

  @Test
  void theNameAndOutputChangeNoRowAndKeyOrderDoesNotMatter() {
    RunIdentity a = new RunIdentity(CONFIG, "c1");
    RunIdentity renamed = new RunIdentity(CONFIG.replace("\"name\":\"a\"", "\"name\":\"b\"")
        .replace("\"output\":\"out\"", "\"output\":\"s3a://x/y\""), "c1");
    RunIdentity reordered = new RunIdentity("""
        {"latency":{"enabled":false},"output":"out","search":[{"quantize":{"bits":[4,8]},"name":"q"}],
         "dataset":{"test-limit":1000,"train-limit":2000,"name":"mnist"},"model":{"path":"m.zip"},"seed":42,
         "name":"a","version":1}""", "c1");
    assertThat(renamed.fingerprint()).isEqualTo(a.fingerprint());
    assertThat(reordered.fingerprint()).isEqualTo(a.fingerprint());
    assertThat(a.firstDifference(renamed)).isEmpty();
    assertThat(a.fingerprint()).matches("[0-9a-f]{32}");
  }

  @Test
  void everyOtherChangeIsAnotherRunNamedByItsFirstKey() {
    RunIdentity a = new RunIdentity(CONFIG, "c1");
    assertThat(new RunIdentity(CONFIG.replace("\"seed\":42", "\"seed\":8"), "c1").firstDifference(a))
        .contains("'seed' is 42 there and 8 here");
    assertThat(new RunIdentity(CONFIG.replace("2000", "3000"), "c1").firstDifference(a))
        .contains("'dataset.train-limit' is 2000 there and 3000 here");
    assertThat(new RunIdentity(CONFIG.replace("[4,8]", "[4,6]"), "c1").firstDifference(a))
        .contains("'search[0].quantize.bits[1]' is 8 there and 6 here");
    assertThat(new RunIdentity(CONFIG.replace("[4,8]", "[4]"), "c1").firstDifference(a))
        .contains("'search[0].quantize.bits' has 2 entries there and 1 here");
    assertThat(new RunIdentity(CONFIG.replace("\"enabled\":false", "\"enabled\":false,\"runs\":30"), "c1")
        .firstDifference(a)).contains("'latency.runs' is not set there and is 30 here");
    assertThat(new RunIdentity(CONFIG, "c2").firstDifference(a))
        .contains("the code differs (content version c1 there and c2 here)");
    assertThat(new RunIdentity(CONFIG, "c2").fingerprint()).isNotEqualTo(a.fingerprint());
  }

  @Test
  void theStoredIdentityReadsBack() {
    RunIdentity a = new RunIdentity(CONFIG, "c1");
    RunIdentity back = RunIdentity.fromJson(a.toJson());
    assertThat(back.fingerprint()).isEqualTo(a.fingerprint());
    assertThat(back.code()).isEqualTo("c1");
  }
}
