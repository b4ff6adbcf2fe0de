package io.modelpress.model.dl4j;

import io.modelpress.data.LabeledImages;
import io.modelpress.data.TrainingSplit;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Mini-batches of labelled examples as DL4J DataSets: normalized inputs, one-hot labels. */
final class Batches {

  private Batches() {}

  /** The identity order 0..n−1, shuffled in place by {@link #epoch} epoch after epoch. */
  static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Fisher–Yates on {@code order} in place (each epoch continues the same random sequence). */
  static void shuffle(int[] order, Random rnd) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /** One epoch of shuffled mini-batches of {@code data}: {@code order} shuffled on, then cut. */
  static List<DataSet> epoch(LabeledImages data, int batchSize, Random rnd, int[] order) {
    shuffle(order, rnd);
    List<DataSet> batches = new ArrayList<>();
    for (int from = 0; from < data.count(); from += batchSize) {
      batches.add(slice(data, order, from, Math.min(data.count(), from + batchSize)));
    }
    return batches;
  }

  /** Examples {@code order[from..to)} as one DataSet. */
  static DataSet slice(LabeledImages data, int[] order, int from, int to) {
    int f = data.features();
    int classes = data.classes();
    float[] x = new float[(to - from) * f];
    float[] y = new float[(to - from) * classes];
    for (int r = 0; r < to - from; r++) {
      int e = order[from + r];
      data.example(e, x, r * f);
      y[r * classes + data.labels()[e]] = 1f;
    }
    return new DataSet(Nd4j.create(x, new long[] {to - from, f}, 'c'),
        Nd4j.create(y, new long[] {to - from, classes}, 'c'));
  }

  /**
   * Epoch after epoch of shuffled mini-batches of a training split, one random sequence throughout. A split
   * held whole is one order of its examples shuffled on from epoch to epoch ({@link #epoch}); a split in
   * pieces shuffles the order of its pieces, then reads each piece when its turn comes and shuffles its
   * examples, so a trainer holds one piece at a time.
   */
  static final class Epochs {
    private final TrainingSplit split;
    private final int batchSize;
    private final Random rnd;
    private final int[] order; // the whole split's order; null for a split in pieces
    private final Maker maker;

    /** Makes the batch of examples {@code order[from..to)} of {@code piece}, whose first example is {@code offset}. */
    @FunctionalInterface
    interface Maker {
      DataSet make(LabeledImages piece, long offset, int[] order, int from, int to);
    }

    /** Batches of inputs and one-hot labels. */
    Epochs(TrainingSplit split, int batchSize, Random rnd) {
      this(split, batchSize, rnd, (piece, offset, order, from, to) -> slice(piece, order, from, to));
    }

    Epochs(TrainingSplit split, int batchSize, Random rnd, Maker maker) {
      this.split = split;
      this.batchSize = batchSize;
      this.rnd = rnd;
      this.maker = maker;
      this.order = split instanceof TrainingSplit.Whole w ? identity(w.images().count()) : null;
    }

    /** The next epoch's batches, read lazily (a stored piece when the first of its batches is needed). */
    Iterable<DataSet> next() {
      if (order != null) {
        LabeledImages data = ((TrainingSplit.Whole) split).images();
        shuffle(order, rnd);
        List<DataSet> batches = new ArrayList<>();
        for (int from = 0; from < data.count(); from += batchSize) {
          batches.add(maker.make(data, 0, order, from, Math.min(data.count(), from + batchSize)));
        }
        return batches;
      }
      int[] pieces = identity(split.pieces());
      shuffle(pieces, rnd);
      return () -> new Iterator<>() {
        private int piece = -1;
        private LabeledImages data;
        private long offset;
        private int[] examples;
        private int from;

        @Override
        public boolean hasNext() {
          while (data == null || from >= data.count()) {
            if (piece + 1 >= pieces.length) {
              return false;
            }
            data = null; // let the piece before go first
            data = split.piece(pieces[++piece]);
            offset = split.offset(pieces[piece]);
            examples = identity(data.count());
            shuffle(examples, rnd);
            from = 0;
          }
          return true;
        }

        @Override
        public DataSet next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          int to = Math.min(data.count(), from + batchSize);
          DataSet b = maker.make(data, offset, examples, from, to);
          from = to;
          return b;
        }
      };
    }
  }
}
