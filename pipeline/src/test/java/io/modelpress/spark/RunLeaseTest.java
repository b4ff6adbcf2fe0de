package io.modelpress.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lease on the local file system: exclusive, expiring without heartbeats, taken over by generation. */
class RunLeaseTest {

  @TempDir
  Path tmp;

  private Path leaseDir() {
    return tmp.resolve("_modelpress/runs/run_id=r");
  }

  /** A lease as an attempt on another host writes it (its liveness can only be judged by its heartbeat). */
  private Path foreignLease(int generation, long ageMillis) throws Exception {
    Files.createDirectories(leaseDir());
    Path f = leaseDir().resolve(String.format("lease-%06d", generation));
    Files.writeString(f, "host=elsewhere.example\npid=4242\nstarted=2026-12-07T10\\:00\\:00Z\n");
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - ageMillis));
    return f;
  }

  @Test
  void aLiveForeignLeaseIsRefusedNamingItsHolderAndAnExpiredOneIsTakenOver() throws Exception {
    foreignLease(0, 5_000); // heartbeat 5 s ago, ttl 60 s: alive
    assertThatThrownBy(() -> RunLease.acquire(tmp.toString(), "r", new Configuration()))
        .isInstanceOf(RunLease.Held.class)
        // 5 s, or a few more when the first Hadoop file system of the JVM is slow to start on a busy machine
        .hasMessageMatching("(?s)run id 'r' is being run by another attempt \\(host elsewhere\\.example, pid 4242, "
            + "started 2026-12-07T10:00:00Z, last heartbeat ([5-9]|[1-5][0-9]) s ago\\).*");
    foreignLease(0, 61_000); // no heartbeat for longer than the ttl: a dead attempt's
    try (RunLease l = RunLease.acquire(tmp.toString(), "r", new Configuration())) {
      assertThat(leaseDir().resolve("lease-000001")).exists();
      l.check();
      // a later attempt takes over once this one has missed its heartbeats: this one must stop writing
      foreignLease(2, 0);
      assertThatThrownBy(l::check).isInstanceOf(RunLease.Held.class).hasMessageContaining("taken over by a later attempt");
    }
  }

  @Test
  void ofManyAttemptsStartingAtOnceExactlyOneHoldsTheLease() throws Exception {
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RunLease>> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(pool.submit(() -> {
        go.await();
        try {
          return RunLease.acquire(tmp.toString(), "r", new Configuration());
        } catch (RunLease.Held e) {
          return null;
        }
      }));
    }
    go.countDown();
    List<RunLease> holders = new ArrayList<>();
    for (Future<RunLease> f : got) { // all attempts first: a lease released early could be taken again, rightly
      RunLease l = f.get();
      if (l != null) {
        holders.add(l);
      }
    }
    holders.forEach(RunLease::close);
    pool.shutdown();
    assertThat(holders).hasSize(1);
    assertThat(leaseDir()).isEmptyDirectory(); // released
  }
}
