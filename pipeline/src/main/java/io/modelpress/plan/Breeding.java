package io.modelpress.plan;

import io.modelpress.pareto.Objective;
import io.modelpress.spec.SearchBlock;
import io.modelpress.spec.SweepSpec;
import io.modelpress.spec.TrialSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The later generations of one {@code evolve} block (NSGA-II, {@link Evolution#next}): each bred from all of
 * the block's results so far, with the block's {@link Evolution#BREEDING} random stream, so a resumed run
 * breeds the same children and takes the committed rows of those it already evaluated. Pure: the caller
 * evaluates each generation and hands the results back.
 */
public final class Breeding {

  /** What breeding needs to know of one evaluated trial: its plan entry and objective values (null: failed). */
  public record Evaluated(PlannedTrial trial, double[] objectives) {}

  /**
   * One generation: trials to evaluate now, and committed rows of an earlier attempt that bred them already
   * ({@code reused}, by trial id).
   */
  public record Generation(int number, int of, List<PlannedTrial> children, List<String> reused) {}

  private final SearchBlock.Evolve block;
  private final List<String> layers;
  private final List<Objective> objectives;
  private final long rootSeed;
  private final String modelFingerprint;
  private final String datasetFingerprint;
  private final Random rnd;
  private int generation = 1;
  private boolean done;

  private Breeding(SweepSpec spec, SearchBlock.Evolve block, List<String> layers, SweepPlan plan) {
    this.block = block;
    this.layers = List.copyOf(layers);
    this.objectives = spec.objectives();
    this.rootSeed = spec.seed();
    this.modelFingerprint = plan.modelFingerprint();
    this.datasetFingerprint = plan.datasetFingerprint();
    this.rnd = Evolution.random(spec.seed(), block.name(), Evolution.BREEDING);
  }

  /** One breeding per evolve block of {@code spec}, in config order. */
  public static List<Breeding> of(SweepSpec spec, SweepPlan plan, List<String> layers) {
    List<Breeding> out = new ArrayList<>();
    for (SearchBlock b : spec.search()) {
      if (b instanceof SearchBlock.Evolve e) {
        out.add(new Breeding(spec, e, layers, plan));
      }
    }
    return out;
  }

  public String block() {
    return block.name();
  }

  /**
   * The next generation bred from {@code evaluated} (every trial of the run so far, in plan order), or empty
   * when the block is done (all generations bred, nothing new to breed, or no successful trial to breed
   * from). {@code bred} holds committed trial ids of later generations; {@code index} gives each new trial
   * its plan index.
   */
  public Optional<Generation> next(List<Evaluated> evaluated, Set<String> bred, java.util.function.IntSupplier index) {
    var e = block.evolve();
    if (done || generation >= e.generations()) {
      return Optional.empty();
    }
    generation++;
    List<Evolution.Scored> scored = new ArrayList<>();
    Set<Evolution.Genome> known = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (Evaluated r : evaluated) { // failed trials and the base are known too: never bred again
      ids.add(r.trial().trialId());
      boolean ours = r.trial().block().equals(block.name());
      if (ours || r.trial().spec().steps().isEmpty()) {
        known.add(Evolution.fromTrial(r.trial().spec(), e, layers));
      }
    }
    evaluated.stream().filter(r -> r.objectives() != null && r.trial().block().equals(block.name()))
        .sorted(Comparator.comparingInt(r -> r.trial().index()))
        .forEach(r -> scored.add(new Evolution.Scored(Evolution.fromTrial(r.trial().spec(), e, layers), r.objectives())));
    if (scored.isEmpty()) {
      done = true;
      return Optional.empty();
    }
    List<PlannedTrial> children = new ArrayList<>();
    List<String> reused = new ArrayList<>();
    for (Evolution.Genome genome : Evolution.next(e, scored, known, objectives, rnd)) {
      TrialSpec trial = Evolution.toTrial(genome, e, layers);
      String json = trial.canonicalJson();
      String id = SweepPlanner.trialId(json, modelFingerprint, datasetFingerprint);
      if (ids.contains(id)) {
        continue; // e.g. the base model, evaluated as trial 0
      }
      if (bred.contains(id)) {
        reused.add(id);
      } else {
        children.add(new PlannedTrial(id, index.getAsInt(), block.name(), SweepPlanner.seed(rootSeed, json), trial));
      }
    }
    if (children.isEmpty() && reused.isEmpty()) {
      done = true;
      return Optional.empty();
    }
    return Optional.of(new Generation(generation, e.generations(), children, reused));
  }
}
