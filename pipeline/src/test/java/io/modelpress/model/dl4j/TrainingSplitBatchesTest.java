package io.modelpress.model.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import io.modelpress.spec.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The batches trainers read from a training split: a split held whole gives the batches of the one shuffled
 * order as before (Fisher–Yates written out here), and a split stored in pieces gives, every epoch, each
 * example exactly once, in batches that never span two pieces, in another order each epoch, the same for
 * the same seed; the pieces read back as written.
 */
class TrainingSplitBatchesTest {

  @TempDir
  Path dir;

  /** {@code n} one-value examples whose value is the example's number, labels e mod 3, in pieces of {@code sizes}. */
  private static List<LabeledImages> pieces(int... sizes) {
    List<LabeledImages> out = new ArrayList<>();
    int next = 0;
    for (int size : sizes) {
      float[] v = new float[size];
      int[] y = new int[size];
      for (int i = 0; i < size; i++) {
        v[i] = next;
        y[i] = next % 3;
        next++;
      }
      out.add(new LabeledImages(size, 1, 1, 1, 3, new byte[0], v, y, Normalization.IDENTITY, new byte[] {7}));
    }
    return out;
  }

  private TrainingSplit stored(List<LabeledImages> pieces) {
    byte[] conf = TrainingSplit.Stored.hadoop(new Configuration());
    int[] counts = new int[pieces.size()];
    for (int i = 0; i < pieces.size(); i++) {
      TrainingSplit.Stored.write(dir.toString(), i, pieces.get(i), conf);
      counts[i] = pieces.get(i).count();
    }
    return new TrainingSplit.Stored(dir.toString(), counts, 1, 1, 1, 3, Normalization.IDENTITY, new byte[] {7}, conf);
  }

  private static List<Integer> examples(DataSet b) {
    List<Integer> out = new ArrayList<>();
    float[] x = b.getFeatures().ravel().toFloatVector();
    float[] y = b.getLabels().ravel().toFloatVector();
    for (int r = 0; r < x.length; r++) {
      int e = (int) x[r];
      assertThat(y[r * 3 + e % 3]).as("one-hot label of example " + e).isEqualTo(1f);
      out.add(e);
    }
    return out;
  }

  /** The piece holding example {@code x}: the first whose end is past it. */
  private static int pieceOf(int x, int[] sizes) {
    int end = 0;
    for (int p = 0; p < sizes.length; p++) {
      end += sizes[p];
      if (x < end) {
        return p;
      }
    }
    throw new AssertionError("example " + x + " is in no piece");
  }

  @Test
  void aWholeSplitGivesTheBatchesOfOneOrderShuffledOnEpochAfterEpoch() {
    LabeledImages all = pieces(103).get(0);
    Batches.Epochs epochs = new Batches.Epochs(TrainingSplit.of(all), 10, new Random(5));
    Random rnd = new Random(5);
    int[] order = new int[103];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int epoch = 0; epoch < 3; epoch++) {
      for (int i = order.length - 1; i > 0; i--) { // Fisher–Yates, continuing the same order
        int j = rnd.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      List<Integer> got = new ArrayList<>();
      int batches = 0;
      for (DataSet b : epochs.next()) {
        got.addAll(examples(b));
        batches++;
      }
      assertThat(batches).isEqualTo(11);
      assertThat(got).isEqualTo(Arrays.stream(order).boxed().toList());
    }
  }

  @Test
  void aStoredSplitGivesEveryExampleOnceAnEpochInBatchesOfOnePiece() {
    int[] sizes = {25, 7, 40, 1, 33};
    List<LabeledImages> parts = pieces(sizes);
    TrainingSplit split = stored(parts);
    assertThat(split.count()).isEqualTo(106);
    assertThat(split.batchesPerEpoch(8)).isEqualTo(4 + 1 + 5 + 1 + 5);
    for (int i = 0; i < sizes.length; i++) {
      LabeledImages back = split.piece(i);
      assertThat(back.values()).isEqualTo(parts.get(i).values());
      assertThat(back.labels()).isEqualTo(parts.get(i).labels());
    }
    // the head reads across pieces in order
    assertThat(split.head(30).values()).isEqualTo(pieces(30).get(0).values());

    List<List<Integer>> orders = new ArrayList<>();
    Batches.Epochs epochs = new Batches.Epochs(split, 8, new Random(11));
    for (int epoch = 0; epoch < 3; epoch++) {
      List<Integer> seen = new ArrayList<>();
      long batches = 0;
      for (DataSet b : epochs.next()) {
        List<Integer> e = examples(b);
        assertThat(e).hasSizeBetween(1, 8);
        Set<Integer> pieceOf = new HashSet<>();
        for (int x : e) {
          pieceOf.add(pieceOf(x, sizes));
        }
        assertThat(pieceOf).as("pieces in one batch").hasSize(1);
        seen.addAll(e);
        batches++;
      }
      assertThat(batches).isEqualTo(split.batchesPerEpoch(8));
      assertThat(seen.stream().sorted().toList()).isEqualTo(java.util.stream.IntStream.range(0, 106).boxed().toList());
      orders.add(seen);
    }
    assertThat(orders.get(1)).isNotEqualTo(orders.get(0));
    assertThat(orders.get(2)).isNotEqualTo(orders.get(1));
    // not the pieces in their order: the piece order is shuffled too (seed 11: some epoch starts elsewhere)
    assertThat(orders.stream().map(o -> o.get(0) < sizes[0])).contains(false);

    List<Integer> again = new ArrayList<>();
    for (DataSet b : new Batches.Epochs(split, 8, new Random(11)).next()) {
      again.addAll(examples(b));
    }
    assertThat(again).isEqualTo(orders.get(0));
  }

  @Test
  void aStoredSplitRefusesWhatNeedsItWholeAndAMissingPieceNamesItsFile() throws Exception {
    TrainingSplit split = stored(pieces(5, 5));
    assertThatThrownBy(() -> split.whole("distillation")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("distillation needs the training split in memory");
    Files.delete(dir.resolve("piece-00001.bin"));
    assertThatThrownBy(() -> split.piece(1)).hasMessageContaining("piece-00001.bin");
  }
}
