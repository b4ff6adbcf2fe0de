package io.modelpress.sweep;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named steps of a run's writes where a fault-injection test can stop the JVM as a SIGKILL would: with
 * {@code -Dmodelpress.test.crashAt=NAME} the JVM halts (exit 137, no shutdown hooks, no finally blocks) the
 * first time it reaches step {@code NAME}, with {@code NAME@N} the N-th time. With
 * {@code -Dmodelpress.test.failAt=NAME[@N]} it throws instead (a failed write, or with {@code NAME@*} a
 * step that fails every time, such as {@code trial.<block>}); with {@code -Dmodelpress.test.pauseAt=NAME}
 * it sleeps {@code modelpress.test.pauseSeconds} (default 60) the first time (a stalled attempt). Unset, a
 * step costs one property lookup. The steps are listed in docs/runs.md; the tests in CrashSafetyTest stop at each.
 */
public final class CrashPoint {

  private static final ConcurrentHashMap<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();

  private CrashPoint() {}

  /** Marks step {@code name}: halts or throws if a test asked for it here. */
  public static void at(String name) {
    String crash = System.getProperty("modelpress.test.crashAt");
    String fail = System.getProperty("modelpress.test.failAt");
    String pause = System.getProperty("modelpress.test.pauseAt");
    if (crash == null && fail == null && pause == null) {
      return;
    }
    int n = SEEN.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    if (matches(pause, name, n)) {
      System.err.println("modelpress.test.pauseAt: pausing at " + name);
      try {
        Thread.sleep(Long.getLong("modelpress.test.pauseSeconds", 60) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (matches(crash, name, n)) {
      System.err.println("modelpress.test.crashAt: halting at " + name + " (" + n + ")");
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
    if (matches(fail, name, n)) {
      throw new IllegalStateException("modelpress.test.failAt: failing at " + name + " (" + n + ")");
    }
  }

  private static boolean matches(String wanted, String name, int n) {
    if (wanted == null) {
      return false;
    }
    int at = wanted.lastIndexOf('@');
    String step = at < 0 ? wanted : wanted.substring(0, at);
    String count = at < 0 ? "1" : wanted.substring(at + 1);
    return step.equals(name) && (count.equals("*") || n == Integer.parseInt(count));
  }
}
