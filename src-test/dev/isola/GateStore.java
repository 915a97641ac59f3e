package dev.isola;

import dev.isola.kv.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A key-value store whose reads wait until the test opens the gate, counting the reads that reached
 * it. A handler that reads from it ({@link #HOLDS}) is held inside the host, off the CPU, for as
 * long as the test wants: "these calls are running" becomes something the test waits for, not a
 * time it sleeps through and hopes was long enough. Every read answers {@code "v"}.
 */
public final class GateStore implements KeyValueStore {
  /** A handler that answers what it reads from the store granted as {@code KV}: held until the gate opens. */
  public static final String HOLDS = """
      export default { async fetch(request, env) { return new Response(String(await env.KV.get("k"))); } };
      """;
  /** The longest a read waits for a gate that is never opened (a test that failed before opening it). */
  private static final long MAX_WAIT_SECONDS = 60;

  private final CountDownLatch open = new CountDownLatch(1);
  private final AtomicInteger reads = new AtomicInteger();

  /** A gate that is closed until {@link #open()}. */
  public static GateStore closed() {
    return new GateStore();
  }

  /** A gate that is already open: reads answer at once, and are counted. */
  public static GateStore opened() {
    GateStore gate = new GateStore();
    gate.open();
    return gate;
  }

  private GateStore() {}

  /** Lets every waiting read, and every later one, through. */
  public void open() {
    open.countDown();
  }

  /** How many reads reached the store so far (the ones waiting at the gate included). */
  public int reads() {
    return reads.get();
  }

  /** Waits until {@code n} reads reached the store; false if that took longer than {@code max}. */
  public boolean awaitReads(int n, Duration max) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (reads.get() < n) {
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  @Override
  public Optional<byte[]> get(String key) {
    reads.incrementAndGet();
    try {
      open.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.of("v".getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void put(String key, byte[] value) {}

  @Override
  public boolean delete(String key) {
    return false;
  }

  @Override
  public boolean exists(String key) {
    return false;
  }

  @Override
  public List<String> list(String prefix, int limit) {
    return List.of();
  }

  @Override
  public void close() {}
}
