package io.modelpress.plan;

import io.modelpress.spec.Defaults;
import io.modelpress.pareto.Objective;
import io.modelpress.pareto.ParetoFront;
import io.modelpress.spec.CompressionStep;
import io.modelpress.spec.EvolveSpec;
import io.modelpress.spec.PruneSpec;
import io.modelpress.spec.QuantSpec;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * NSGA-II over per-layer configurations (Deb et al. 2002): a genome holds, per layer, an index into the
 * sparsity choices and one into the bit-width choices. Survivors are the best {@code population} of all
 * trials evaluated so far by (dominance rank, then crowding distance); parents are picked by binary
 * tournament on the same order; a child takes each layer's genes from either parent and then mutates
 * each gene with probability 1/(2·layers) by one step up or down. Children already evaluated are
 * replaced, so a generation spends its budget on new trials near the current frontier.
 */
public final class Evolution {

  private Evolution() {}

  /** Per layer: index into the sparsities, index into the bits. */
  public record Genome(int[] prune, int[] bits) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Genome g && Arrays.equals(prune, g.prune) && Arrays.equals(bits, g.bits);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(prune) + Arrays.hashCode(bits);
    }
  }

  /** An evaluated trial of the block: its genome and its objective values. */
  public record Scored(Genome genome, double[] objectives) {}

  /** The trial a genome stands for: per-layer pruning (unless all 0), then per-layer quantization (unless all 32). */
  public static TrialSpec toTrial(Genome g, EvolveSpec e, List<String> layers) {
    Map<String, Double> sparsity = new LinkedHashMap<>();
    Map<String, Integer> bits = new LinkedHashMap<>();
    for (int l = 0; l < layers.size(); l++) {
      double s = e.sparsities().get(g.prune()[l]);
      int b = e.bits().get(g.bits()[l]);
      if (s > 0) {
        sparsity.put(layers.get(l), s);
      }
      if (b <= 8) {
        bits.put(layers.get(l), b);
      }
    }
    List<CompressionStep> steps = new ArrayList<>();
    if (!sparsity.isEmpty()) {
      steps.add(PruneSpec.perLayer(sparsity, e.pruneMethod(), PruneSpec.Structure.UNSTRUCTURED,
          Defaults.CALIBRATION_BATCHES));
    }
    if (!bits.isEmpty()) {
      steps.add(QuantSpec.perLayer(bits, e.quantMethod()));
    }
    return new TrialSpec(steps);
  }

  /** The genome of a trial this block produced (for results read back from the tables). */
  public static Genome fromTrial(TrialSpec t, EvolveSpec e, List<String> layers) {
    int[] p = new int[layers.size()];
    int[] b = new int[layers.size()];
    for (int l = 0; l < layers.size(); l++) {
      String name = layers.get(l);
      double s = t.prune().map(x -> x.layerLevels().getOrDefault(name, 0.0)).orElse(0.0);
      int bits = t.quant().map(x -> x.layerBits().getOrDefault(name, 32)).orElse(32);
      p[l] = e.sparsities().indexOf(s);
      b[l] = e.bits().indexOf(bits);
      if (p[l] < 0 || b[l] < 0) {
        throw new IllegalArgumentException("trial " + t.canonicalJson() + " is not a genome of this block");
      }
    }
    return new Genome(p, b);
  }

  /** The random stream of the initial population. */
  public static final int INITIAL = 0;
  /** The random stream of breeding, generation after generation. */
  public static final int BREEDING = 1;

  /**
   * The one derivation of an evolve block's random numbers from the run's root seed and the block's name:
   * stream {@link #INITIAL} draws the first population (at planning), {@link #BREEDING} every later
   * generation, so a resumed run draws exactly the same genomes.
   */
  public static Random random(long rootSeed, String block, int stream) {
    return new Random(rootSeed * 31 + block.hashCode() + stream);
  }

  /** The first generation: distinct random genomes. */
  public static List<Genome> initial(EvolveSpec e, int layers, Random rnd) {
    Set<Genome> out = new java.util.LinkedHashSet<>();
    long space = (long) Math.pow((double) e.sparsities().size() * e.bits().size(), layers);
    int want = (int) Math.min(e.population(), space);
    while (out.size() < want) {
      int[] p = new int[layers];
      int[] b = new int[layers];
      for (int l = 0; l < layers; l++) {
        p[l] = rnd.nextInt(e.sparsities().size());
        b[l] = rnd.nextInt(e.bits().size());
      }
      out.add(new Genome(p, b));
    }
    return new ArrayList<>(out);
  }

  /** The next generation from everything evaluated so far: new genomes only (fewer if the space runs out). */
  public static List<Genome> next(EvolveSpec e, List<Scored> evaluated, List<Objective> objectives, Random rnd) {
    return next(e, evaluated, Set.of(), objectives, rnd);
  }

  /** As {@link #next(EvolveSpec, List, List, Random)}, never breeding a genome of {@code known} (failed trials, the base). */
  public static List<Genome> next(EvolveSpec e, List<Scored> evaluated, Set<Genome> known, List<Objective> objectives,
      Random rnd) {
    List<Scored> order = survivors(evaluated, objectives, e.population());
    Set<Genome> seen = new HashSet<>(known);
    evaluated.forEach(s -> seen.add(s.genome()));
    Set<Genome> children = new java.util.LinkedHashSet<>();
    int layers = evaluated.get(0).genome().prune().length;
    for (int attempt = 0; children.size() < e.population() && attempt < 50 * e.population(); attempt++) {
      Genome a = tournament(order, rnd);
      Genome b = tournament(order, rnd);
      int[] p = new int[layers];
      int[] q = new int[layers];
      for (int l = 0; l < layers; l++) {
        boolean fromA = rnd.nextBoolean();
        p[l] = (fromA ? a : b).prune()[l];
        q[l] = (fromA ? a : b).bits()[l];
        p[l] = mutate(p[l], e.sparsities().size(), layers, rnd);
        q[l] = mutate(q[l], e.bits().size(), layers, rnd);
      }
      Genome c = new Genome(p, q);
      if (!seen.contains(c)) {
        children.add(c);
      }
    }
    return new ArrayList<>(children);
  }

  private static int mutate(int gene, int choices, int layers, Random rnd) {
    if (choices > 1 && rnd.nextDouble() < 1.0 / (2 * layers)) {
      int step = rnd.nextBoolean() ? 1 : -1;
      return Math.max(0, Math.min(choices - 1, gene + step));
    }
    return gene;
  }

  /** Binary tournament: of two random survivors, the better placed. */
  private static Genome tournament(List<Scored> order, Random rnd) {
    int i = rnd.nextInt(order.size());
    int j = rnd.nextInt(order.size());
    return order.get(Math.min(i, j)).genome();
  }

  /** The best {@code n}, best first: by dominance rank, then by crowding distance (larger first). */
  static List<Scored> survivors(List<Scored> all, List<Objective> objectives, int n) {
    List<double[]> pts = all.stream().map(Scored::objectives).toList();
    int[] rank = ParetoFront.ranks(pts, objectives);
    double[] crowd = new double[all.size()];
    int maxRank = Arrays.stream(rank).max().orElse(0);
    for (int r = 0; r <= maxRank; r++) {
      List<Integer> members = new ArrayList<>();
      for (int i = 0; i < rank.length; i++) {
        if (rank[i] == r) {
          members.add(i);
        }
      }
      for (int k = 0; k < objectives.size(); k++) {
        final int kk = k;
        members.sort((x, y) -> Double.compare(pts.get(x)[kk], pts.get(y)[kk]));
        double span = pts.get(members.get(members.size() - 1))[k] - pts.get(members.get(0))[k];
        crowd[members.get(0)] = Double.POSITIVE_INFINITY;
        crowd[members.get(members.size() - 1)] = Double.POSITIVE_INFINITY;
        for (int m = 1; m < members.size() - 1; m++) {
          if (span > 0) {
            crowd[members.get(m)] += (pts.get(members.get(m + 1))[k] - pts.get(members.get(m - 1))[k]) / span;
          }
        }
      }
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      idx.add(i);
    }
    idx.sort((x, y) -> rank[x] != rank[y] ? Integer.compare(rank[x], rank[y]) : Double.compare(crowd[y], crowd[x]));
    List<Scored> out = new ArrayList<>();
    for (int i = 0; i < Math.min(n, idx.size()); i++) {
      out.add(all.get(idx.get(i)));
    }
    return out;
  }
}
