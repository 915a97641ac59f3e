package dev.isola.jmh;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.isola.DataSize;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * How far past its memory limit a JavaScript handler that keeps growing gets before it is stopped,
 * and whether handlers that only compute run to their end. Not a JMH benchmark: one call at a time
 * in one JVM, with the JVM's default heap unless told otherwise.
 *
 * <p>Per bomb ({@code arrays}, {@code buffers} (64 KiB ArrayBuffers), {@code typed} (8 MiB
 * Float64Arrays), {@code concat} (one string grown forever), {@code map}), per limit (64 and 256
 * MiB), per run, one line {@code memory-overshoot kind=K limit_mib=L held_mib=H heap_growth_mib=G
 * ms=T collections=C status=S}: {@code held_mib} is what Isola measured the call held when it
 * stopped it (from the error message), {@code heap_growth_mib} the most the heap in use after a
 * collection (this class's own listener, all pools) rose above what it was before the call,
 * {@code ms} the time from the call's start to its end. Then, per computing handler run for 9.5 s
 * at the default limits (timeout 10 s, memory 256 MiB), one line {@code memory-compute kind=K
 * seconds=9.5 status=S allocated_mib_per_s=R}.
 *
 * <pre>
 * java -Dpolyglot.engine.WarnInterpreterOnly=false --enable-native-access=ALL-UNNAMED \
 *   -cp jmh/target/benchmarks.jar dev.isola.jmh.MemoryOvershoot [--quick]
 * </pre>
 */
public final class MemoryOvershoot {
  private static final Pattern HELD = Pattern.compile("held about (\\d+)MiB");
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private MemoryOvershoot() {}

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    int runs = quick ? 1 : 3;
    Map<String, String> bombs = new LinkedHashMap<>();
    bombs.put("arrays", "const keep = []; for (;;) keep.push(new Array(100000).fill(1.5));");
    bombs.put("buffers", "const keep = []; for (;;) keep.push(new ArrayBuffer(1 << 16));");
    bombs.put("typed", "const keep = []; for (;;) keep.push(new Float64Array(1 << 20));");
    bombs.put("concat", "let s = ''; for (let i = 0; ; i++) s += 'item ' + i + ';';");
    bombs.put("map", "const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: 'v' + i });");
    Map<String, String> computing = new LinkedHashMap<>();
    computing.put("datenow", "const end = Date.now() + 9500; let n = 0; while (Date.now() < end) { n++; }"
        + " return new Response(String(n));");
    computing.put("json", "const o = { a: [1, 2, 3, 'x'.repeat(50)], b: { c: 'hello', d: [true, null, 1.5] } };"
        + " const end = Date.now() + 9500; let n = 0;"
        + " while (Date.now() < end) { n += JSON.parse(JSON.stringify(o)).a.length; } return new Response(String(n));");
    long[] limits = {64, 256};

    Isola.Builder builder = Isola.newBuilder();
    for (long limit : limits) {
      Limits l = Limits.defaults().toBuilder().timeout(Duration.ofSeconds(120)).memory(DataSize.ofMiB(limit)).build();
      bombs.forEach((kind, body) -> builder.route("/" + limit + "/" + kind,
          Handler.javascript(kind + ".js", handler(body)).limits(l)));
    }
    computing.forEach((kind, body) -> builder.route("/compute/" + kind, Handler.javascript(kind + ".js", handler(body))
        .limits(Limits.defaults())));
    HeapWatch heap = new HeapWatch();
    try (Isola isola = builder.build()) {
      for (int run = 0; run < runs; run++) {
        for (long limit : limits) {
          for (String kind : bombs.keySet()) {
            System.gc();
            heap.start();
            long start = System.nanoTime();
            String status = "200";
            String held = "n/a";
            try {
              isola.handle(Request.get("/" + limit + "/" + kind));
            } catch (LimitExceededException e) {
              status = e.limit().key();
              Matcher m = HELD.matcher(e.getMessage());
              held = m.find() ? m.group(1) : "n/a";
            } catch (IsolaException e) {
              status = e.getClass().getSimpleName();
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("memory-overshoot kind=%s limit_mib=%d held_mib=%s heap_growth_mib=%d ms=%d"
                + " collections=%d status=%s%n", kind, limit, held, heap.growth() >> 20, ms, heap.collections(), status);
          }
        }
      }
      for (String kind : computing.keySet()) {
        long allocated = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        String status;
        try {
          status = String.valueOf(isola.handle(Request.get("/compute/" + kind)).status());
        } catch (IsolaException e) {
          status = e instanceof LimitExceededException l ? l.limit().key() : e.getClass().getSimpleName();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long mib = (THREADS.getCurrentThreadAllocatedBytes() - allocated) >> 20;
        System.out.printf("memory-compute kind=%s seconds=%.1f status=%s allocated_mib_per_s=%.0f%n", kind, seconds,
            status, mib / seconds);
      }
    } finally {
      heap.close();
    }
  }

  private static String handler(String body) {
    return "export default { async fetch(request, env, ctx) { " + body + " } };";
  }

  /** The heap in use after each collection, all pools, against what it was when {@link #start()} ran. */
  private static final class HeapWatch implements AutoCloseable {
    private final List<NotificationEmitter> collectors = new ArrayList<>();
    private final NotificationListener listener = (notification, handback) -> {
      if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
        GarbageCollectionNotificationInfo info =
            GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
        this.lastUsed.set(used);
        this.maxUsed.accumulateAndGet(used, Math::max);
        this.collections.incrementAndGet();
      }
    };
    private final AtomicLong lastUsed = new AtomicLong();
    private final AtomicLong maxUsed = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private long before;

    HeapWatch() {
      for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (collector instanceof NotificationEmitter emitter) {
          emitter.addNotificationListener(listener, null, null);
          collectors.add(emitter);
        }
      }
    }

    /** Call after {@code System.gc()}: its notification has set the heap the growth is measured from. */
    void start() throws InterruptedException {
      Thread.sleep(100); // the notification of the collection just run arrives on another thread
      before = lastUsed.get();
      maxUsed.set(before);
      collections.set(0);
    }

    long growth() {
      return Math.max(0, maxUsed.get() - before);
    }

    long collections() {
      return collections.get();
    }

    @Override
    public void close() throws ListenerNotFoundException {
      for (NotificationEmitter collector : collectors) {
        collector.removeNotificationListener(listener);
      }
    }
  }
}
