package io.modelpress.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HuffmanTest {

  @Test
  void canonicalCodesArePrefixFreeAndDecodeBack() {
    Random r = new Random(1);
    int alphabet = 32;
    int[] symbols = new int[20_000];
    long[] counts = new long[alphabet];
    for (int i = 0; i < symbols.length; i++) {
      // geometric-ish: small symbols common, as gaps and centroid codes are
      int s = Math.min(alphabet - 1, (int) Math.floor(-Math.log(1 - r.nextDouble()) * 3));
      symbols[i] = s;
      counts[s]++;
    }
    int[] lengths = Huffman.lengths(counts);
    int[] codes = Huffman.codes(lengths);
    // Kraft equality for a complete code, and no code is a prefix of another
    double kraft = 0;
    for (int s = 0; s < alphabet; s++) {
      if (lengths[s] > 0) {
        kraft += Math.pow(2, -lengths[s]);
        for (int t = 0; t < alphabet; t++) {
          if (t != s && lengths[t] >= lengths[s]) {
            assertThat(codes[t] >>> (lengths[t] - lengths[s])).as("%d prefix of %d", s, t).isNotEqualTo(codes[s]);
          }
        }
      }
    }
    assertThat(kraft).isEqualTo(1.0);
    BitWriter w = new BitWriter();
    for (int s : symbols) {
      w.write(codes[s], lengths[s]);
    }
    BitReader in = new BitReader(w.toByteArray());
    Huffman.Decoder d = new Huffman.Decoder(lengths);
    for (int s : symbols) {
      assertThat(d.read(in)).isEqualTo(s);
    }
    // optimal code beats 5 fixed bits on a skewed source
    assertThat(Huffman.bits(counts, lengths)).isLessThan(5L * symbols.length * 3 / 4);
  }

  @Test
  void oneSymbolGetsOneBitAndTooDeepCodesAreRefused() {
    assertThat(Huffman.lengths(new long[] {0, 7, 0})).containsExactly(0, 1, 0);
    long[] fib = new long[40];
    fib[0] = 1;
    fib[1] = 1;
    for (int i = 2; i < fib.length; i++) {
      fib[i] = fib[i - 1] + fib[i - 2]; // Fibonacci counts give the deepest possible tree
    }
    assertThat(Huffman.lengths(fib)).isNull();
  }
}
