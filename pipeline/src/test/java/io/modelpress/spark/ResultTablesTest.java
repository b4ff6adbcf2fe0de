package io.modelpress.spark;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultTablesTest {

  @TempDir
  Path tmp;

  @Test
  void relativeAndNotYetCreatedOutputFoldersAreWritable() {
    assertThatCode(() -> ResultTables.checkWritable("./modelpress-out-not-created", new Configuration()))
        .doesNotThrowAnyException();
    assertThatCode(() -> ResultTables.checkWritable("target/a/b/c", new Configuration())).doesNotThrowAnyException();
    assertThatCode(() -> ResultTables.checkWritable(tmp.resolve("x/y").toString(), new Configuration()))
        .doesNotThrowAnyException();
  }

  @Test
  void aFileWhereAFolderMustBeIsRefused() throws Exception {
    Files.writeString(tmp.resolve("f"), "x");
    assertThatThrownBy(() -> ResultTables.checkWritable(tmp.resolve("f/out").toString(), new Configuration()))
        .hasMessage("'--out' is set to " + tmp.resolve("f/out") + " but " + tmp.resolve("f")
            + " is a file, not a folder; choose another --out");
  }
}
