package io.modelpress.spark;

import io.modelpress.data.LabeledImages;
import io.modelpress.onnx.OnnxTiming;
import java.util.ArrayList;
import io.modelpress.compress.CompressedModel;
import io.modelpress.runtime.Architecture;
import io.modelpress.runtime.CompiledModel;
import io.modelpress.runtime.LatencyMeter;
import io.modelpress.spec.LatencySpec;
import io.modelpress.runtime.Latency;
import scala.Tuple2;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/** The executor side of a sweep's latency stage and of the confirmation of its frontier candidates. */
final class LatencyTasks {

  private LatencyTasks() {}

  /** The executor side of the latency stage: compile each model for the runtime and time it. */
  static final class MeasureLatency
      implements FlatMapFunction<Iterator<Tuple2<String, Tuple2<CompressedModel, Architecture>>>, Tuple2<String, Latency>> {
    /** Held while timing: one measurement per executor JVM at a time, whatever the task slots. */
    static final Object MEASURING = new Object();
    /** Input rows the timed runs cycle through (real evaluation images). */
    static final int ROWS = 256;

    private final Architecture arch;
    private final Broadcast<LabeledImages> data;
    private final LatencySpec spec;

    MeasureLatency(Architecture arch, Broadcast<LabeledImages> data, LatencySpec spec) {
      this.arch = arch;
      this.data = data;
      this.spec = spec;
    }

    @Override
    public Iterator<Tuple2<String, Latency>> call(Iterator<Tuple2<String, Tuple2<CompressedModel, Architecture>>> models) {
      LabeledImages images = data.value();
      int rows = Math.min(ROWS, images.count());
      float[] x = images.features(0, rows);
      List<Tuple2<String, Latency>> out = new ArrayList<>();
      while (models.hasNext()) {
        Tuple2<String, Tuple2<CompressedModel, Architecture>> m = models.next();
        Latency l;
        // a student runs as its own architecture; every other trial as the run's model
        Architecture a = m._2()._2() != null ? m._2()._2() : arch;
        try {
          synchronized (MEASURING) { // compiling allocates too: nothing of another measurement overlaps a timing
            if (spec.engine().runtime()) {
              CompiledModel compiled = CompiledModel.compile(m._2()._1(), a, CompiledModel.Mode.AUTO);
              l = LatencyMeter.measure(compiled, x, rows, spec, SparkSweepRunner.executorName());
            } else {
              l = Latency.failed(SparkSweepRunner.executorName(), "not measured: latency.engine is onnxruntime");
            }
          }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
          l = Latency.failed(SparkSweepRunner.executorName(), e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        }
        if (spec.engine().onnxRuntime()) {
          synchronized (MEASURING) {
            l = l.withOrt(OnnxTiming.measure(a, m._2()._1(), images, spec, io.modelpress.model.Versions.code()));
          }
        }
        out.add(new Tuple2<>(m._1(), l));
      }
      return out.iterator();
    }
  }

  /** The executor side of {@link Session#confirm}: compile every candidate, then time them interleaved. */
  static final class ConfirmLatency implements
      FlatMapFunction<Iterator<Tuple2<String, Tuple2<CompressedModel, Architecture>>>, Tuple2<String, Latency.Confirmed>> {
    private final Architecture arch;
    private final Broadcast<LabeledImages> data;
    private final LatencySpec spec;
    private final int rounds;

    ConfirmLatency(Architecture arch, Broadcast<LabeledImages> data, LatencySpec spec, int rounds) {
      this.arch = arch;
      this.data = data;
      this.spec = spec;
      this.rounds = rounds;
    }

    @Override
    public Iterator<Tuple2<String, Latency.Confirmed>> call(
        Iterator<Tuple2<String, Tuple2<CompressedModel, Architecture>>> models) {
      LabeledImages images = data.value();
      int rows = Math.min(MeasureLatency.ROWS, images.count());
      float[] x = images.features(0, rows);
      List<String> ids = new ArrayList<>();
      List<CompiledModel> compiled = new ArrayList<>();
      while (models.hasNext()) {
        Tuple2<String, Tuple2<CompressedModel, Architecture>> m = models.next();
        Architecture a = m._2()._2() != null ? m._2()._2() : arch;
        ids.add(m._1());
        compiled.add(CompiledModel.compile(m._2()._1(), a, CompiledModel.Mode.AUTO));
      }
      List<Latency.Confirmed> got;
      synchronized (MeasureLatency.MEASURING) {
        got = LatencyMeter.interleaved(compiled, x, rows, spec, rounds, SparkSweepRunner.executorName());
      }
      List<Tuple2<String, Latency.Confirmed>> out = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        out.add(new Tuple2<>(ids.get(i), got.get(i)));
      }
      return out.iterator();
    }
  }
}
