package io.modelpress.spark;

import io.modelpress.data.StorageErrors;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One attempt at a time per run id: a lease file {@code <out>/_modelpress/runs/run_id=R/lease-<generation>}
 * that names its holder (host, pid, start time). It is created exclusively (the local file system:
 * {@code O_EXCL}; HDFS: create without overwrite, atomic in the NameNode; S3 has no exclusive create in
 * the S3A client of Hadoop 3.3: there a second attempt is refused when it sees the first's file, which
 * closes the window to the time of one PUT, not to zero). The holder rewrites it every
 * {@code ttl / 6} (a heartbeat); a lease whose file was not rewritten for {@code ttl} (default 60 s,
 * {@code -Dmodelpress.lease.ttlSeconds}) belongs to a dead attempt and is taken over by creating the next
 * generation; a lease whose holder ran on this host in a process that no longer exists is taken over at
 * once. Before each write of rows the holder checks that no later generation exists
 * ({@link #check}), so an attempt that stalled past its lease stops instead of writing beside its
 * successor. Expiry compares the file's modification time with this host's clock: clocks must agree to
 * well within the ttl.
 */
public final class RunLease implements AutoCloseable {

  /** Another live attempt holds the run id. */
  public static final class Held extends IllegalStateException {
    Held(String message) {
      super(message);
    }
  }

  private final FileSystem fs;
  private final Path file;
  private final int generation;
  private final String runId;
  private final byte[] holder;
  private final ScheduledExecutorService heartbeat;

  private RunLease(FileSystem fs, Path file, int generation, String runId, byte[] holder) {
    this.fs = fs;
    this.file = file;
    this.generation = generation;
    this.runId = runId;
    this.holder = holder;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "modelpress-lease-" + runId);
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1000, ttlMillis() / 6);
    heartbeat.scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  /** The lease's time to live without a heartbeat, in milliseconds. */
  public static long ttlMillis() {
    return Long.getLong("modelpress.lease.ttlSeconds", 60) * 1000;
  }

  /** Takes the lease of {@code runId} under {@code out}, or throws {@link Held} naming the live holder. */
  public static RunLease acquire(String out, String runId, Configuration conf) {
    Path dir = Publisher.runDir(out, runId);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      fs.mkdirs(dir);
      int latest = -1;
      FileStatus latestStatus = null;
      for (FileStatus s : fs.listStatus(dir)) {
        int g = generation(s.getPath().getName());
        if (g > latest) {
          latest = g;
          latestStatus = s;
        }
      }
      if (latestStatus != null) {
        long age = System.currentTimeMillis() - latestStatus.getModificationTime();
        if (age < ttlMillis() && !deadOnThisHost(fs, latestStatus.getPath())) {
          throw new Held(heldMessage(fs, latestStatus.getPath(), runId, age));
        }
      }
      int mine = latest + 1;
      Path file = new Path(dir, name(mine));
      Properties p = new Properties();
      p.setProperty("host", host());
      p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
      p.setProperty("started", Instant.now().toString());
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      p.store(b, "modelpress run lease of " + runId);
      byte[] holder = b.toByteArray();
      if (!createExclusively(fs, file, holder)) {
        FileStatus s = fs.getFileStatus(file);
        throw new Held(heldMessage(fs, file, runId, System.currentTimeMillis() - s.getModificationTime()));
      }
      io.modelpress.sweep.CrashPoint.at("lease.acquired");
      return new RunLease(fs, file, mine, runId, holder);
    } catch (IOException e) {
      throw new IllegalStateException("cannot take the lease of run " + runId + " in " + ResultTables.show(dir) + ": "
          + StorageErrors.explain(e), e);
    }
  }

  /** Throws when a later attempt has taken this lease over (this attempt stalled past its ttl). */
  public void check() {
    try {
      for (FileStatus s : fs.listStatus(file.getParent())) {
        if (generation(s.getPath().getName()) > generation) {
          throw new Held("run id '" + runId + "' was taken over by a later attempt (" + s.getPath().getName()
              + ") after this one missed its heartbeats for " + ttlMillis() / 1000 + " s; this attempt stops "
              + "without writing");
        }
      }
      if (!fs.exists(file)) {
        throw new Held("the lease of run id '" + runId + "' (" + file + ") was removed; this attempt stops without writing");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the lease of run " + runId + ": " + StorageErrors.explain(e), e);
    }
  }

  /** Stops the heartbeat and removes this attempt's lease (and the expired ones it took over). */
  @Override
  public void close() {
    closed = true; // a heartbeat interrupted by the shutdown below is not a failure to renew
    heartbeat.shutdownNow();
    try {
      for (FileStatus s : fs.listStatus(file.getParent())) {
        int g = generation(s.getPath().getName());
        if (g >= 0 && g <= generation) {
          fs.delete(s.getPath(), false);
        }
      }
    } catch (IOException e) {
      // the lease expires by itself
    }
  }

  private void beat() {
    try (FSDataOutputStream o = fs.create(file, true)) {
      o.write(holder);
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        System.err.println("modelpress: could not renew the lease of run " + runId + ": " + e.getMessage());
      }
    }
  }

  private volatile boolean closed;

  private static boolean createExclusively(FileSystem fs, Path file, byte[] content) throws IOException {
    if ("file".equals(fs.getUri().getScheme())) {
      java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(file).toUri());
      try (OutputStream o = Files.newOutputStream(local, java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE)) {
        o.write(content);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (FSDataOutputStream o = fs.create(file, false)) {
      o.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  /** Whether the lease's holder ran on this host and its process is gone (no need to wait for the ttl). */
  private static boolean deadOnThisHost(FileSystem fs, Path lease) {
    Properties p = holder(fs, lease);
    try {
      return host().equals(p.getProperty("host"))
          && ProcessHandle.of(Long.parseLong(p.getProperty("pid", "-1"))).map(h -> !h.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The holder a lease file names (empty while its heartbeat rewrites it: the holder is alive). */
  private static Properties holder(FileSystem fs, Path lease) {
    Properties p = new Properties();
    try (var in = fs.open(lease)) {
      p.load(new java.io.InputStreamReader(in, StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      // being rewritten by its heartbeat: the holder is alive, its name unknown for a moment
    }
    return p;
  }

  private static String heldMessage(FileSystem fs, Path lease, String runId, long ageMillis) {
    Properties p = holder(fs, lease);
    return "run id '" + runId + "' is being run by another attempt (host " + p.getProperty("host", "?") + ", pid "
        + p.getProperty("pid", "?") + ", started " + p.getProperty("started", "?") + ", last heartbeat "
        + Math.max(0, ageMillis / 1000) + " s ago); wait for it to finish, or stop it: its lease expires "
        + ttlMillis() / 1000 + " s after its last heartbeat (" + ResultTables.show(lease) + ")";
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String name(int generation) {
    return String.format(java.util.Locale.ROOT, "lease-%06d", generation);
  }

  private static int generation(String fileName) {
    if (!fileName.startsWith("lease-")) {
      return -1;
    }
    try {
      return Integer.parseInt(fileName.substring("lease-".length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
