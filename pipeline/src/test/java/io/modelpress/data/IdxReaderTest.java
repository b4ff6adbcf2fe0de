package io.modelpress.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.TestData;
import io.modelpress.spec.DatasetSpec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  @TempDir
  Path tmp;

  @Test
  void readsRealMnist() {
    LabeledImages train = TestData.mnistTrain(0);
    LabeledImages test = TestData.mnistTest(0);
    assertThat(train.count()).isEqualTo(60_000);
    assertThat(test.count()).isEqualTo(10_000);
    assertThat(test.height()).isEqualTo(28);
    assertThat(test.width()).isEqualTo(28);
    // the canonical first labels of MNIST
    assertThat(train.labels()[0]).isEqualTo(5);
    assertThat(test.labels()[0]).isEqualTo(7);
    int[] counts = new int[10];
    for (int y : test.labels()) {
      counts[y]++;
    }
    assertThat(counts).containsExactly(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
  }

  @Test
  void limitReadsAPrefixAndTheFingerprintNamesTheBytesRead() {
    LabeledImages head = TestData.mnistTest(100);
    LabeledImages all = TestData.mnistTest(0);
    assertThat(head.count()).isEqualTo(100);
    assertThat(head.labels()).containsExactly(java.util.Arrays.copyOf(all.labels(), 100));
    assertThat(head.fingerprintHex()).isNotEqualTo(all.fingerprintHex());
    assertThat(TestData.mnistTest(100).fingerprintHex()).isEqualTo(head.fingerprintHex());
  }

  @Test
  void readsGzippedFashionMnist() {
    Path dir = Path.of(Datasets.cacheDir(), "data", "fashion-mnist");
    if (!Files.exists(dir.resolve("t10k-images-idx3-ubyte.gz"))) {
      throw new IllegalStateException("Fashion-MNIST is not in " + dir + "; run bin/fetch-data fashion-mnist first");
    }
    LabeledImages t = Datasets.test(new DatasetSpec("fashion-mnist", "", 0, 0), new Configuration());
    assertThat(t.count()).isEqualTo(10_000);
    assertThat(t.labels()[0]).isEqualTo(9); // ankle boot
  }

  @Test
  void wrongMagicNumber() throws IOException {
    write("img", idx(0x00000801, new int[] {2}, new byte[2]));
    write("lbl", idx(0x00000801, new int[] {2}, new byte[2]));
    assertThatThrownBy(() -> read(0))
        .hasMessage("IDX file file:" + tmp.resolve("img") + " has magic number 0x00000801; expected 0x00000803 (unsigned bytes, 3 dimensions)");
  }

  @Test
  void truncatedImages() throws IOException {
    write("img", idx(0x00000803, new int[] {3, 2, 2}, new byte[10]));
    write("lbl", idx(0x00000801, new int[] {3}, new byte[3]));
    assertThatThrownBy(() -> read(0))
        .hasMessage("IDX file file:" + tmp.resolve("img") + " is truncated: it declares 3 images of 2×2 but holds only 10 of the 12 bytes needed");
  }

  @Test
  void countsDisagree() throws IOException {
    write("img", idx(0x00000803, new int[] {3, 2, 2}, new byte[12]));
    write("lbl", idx(0x00000801, new int[] {2}, new byte[2]));
    assertThatThrownBy(() -> read(0)).hasMessageContaining("declares 3 images but").hasMessageEndingWith("declares 2 labels");
  }

  @Test
  void labelOutOfRange() throws IOException {
    write("img", idx(0x00000803, new int[] {2, 1, 1}, new byte[2]));
    write("lbl", idx(0x00000801, new int[] {2}, new byte[] {3, 12}));
    assertThatThrownBy(() -> read(0)).hasMessage("label 12 at index 1 of file:" + tmp.resolve("lbl") + " is outside [0, 10)");
  }

  @Test
  void gzipIsDetectedByNameAndCorruptGzipIsReported() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(idx(0x00000803, new int[] {2, 1, 2}, new byte[] {0, (byte) 255, 1, 2}));
    }
    Files.write(tmp.resolve("img.gz"), gz.toByteArray());
    write("lbl", idx(0x00000801, new int[] {2}, new byte[] {4, 5}));
    LabeledImages d = IdxReader.read(new org.apache.hadoop.fs.Path(tmp.resolve("img.gz").toUri()),
        new org.apache.hadoop.fs.Path(tmp.resolve("lbl").toUri()), 0, 10, new Configuration());
    assertThat(d.features(0, 1)).containsExactly(0f, 1f);
    Files.write(tmp.resolve("bad.gz"), new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> IdxReader.read(new org.apache.hadoop.fs.Path(tmp.resolve("bad.gz").toUri()),
        new org.apache.hadoop.fs.Path(tmp.resolve("lbl").toUri()), 0, 10, new Configuration()))
        .hasMessageStartingWith("IDX file file:" + tmp.resolve("bad.gz") + " is not valid gzip");
  }

  @Test
  void missingDatasetFolderSaysHowToFetchIt() {
    DatasetSpec spec = new DatasetSpec("mnist", tmp.resolve("nothing").toString(), 0, 0);
    assertThatThrownBy(() -> Datasets.test(spec, new Configuration()))
        .hasMessage("'dataset' mnist is missing t10k-images-idx3-ubyte[.gz] in " + tmp.resolve("nothing")
            + "; run bin/fetch-data mnist or set 'dataset.dir' to the folder holding the IDX files");
  }

  private LabeledImages read(int limit) {
    return IdxReader.read(new org.apache.hadoop.fs.Path(tmp.resolve("img").toUri()),
        new org.apache.hadoop.fs.Path(tmp.resolve("lbl").toUri()), limit, 10, new Configuration());
  }

  private void write(String name, byte[] bytes) throws IOException {
    Files.write(tmp.resolve(name), bytes);
  }

  static byte[] idx(int magic, int[] dims, byte[] payload) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeInt(magic);
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(payload);
    return b.toByteArray();
  }
}
