package dev.isola.internal.engine;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JavaScript memory limit: stops calls that <em>hold</em> more heap than their limit.
 *
 * <p>GraalJS on a stock JVM cannot tell what one context holds, and what a call allocates says
 * little about it: interpreted JavaScript allocates 1 to 2 GiB per second of short-lived garbage
 * doing plain computation. What the JVM does tell is how much heap is in use once garbage is gone,
 * after each collection. One listener for the whole JVM (the heap is shared, so all calls are judged
 * together) runs a <em>round</em> after every collection, on the JMX notification thread, and the
 * watchdogs run one every {@link #POLL_NANOS} while memory-limited calls run. A round reads counters
 * and trips guards (the cancels run on the watchdogs' threads); it never runs guest code and never
 * waits on a call.
 *
 * <p><b>What a round measures.</b> H is the heap in use without the eden pool: after a collection,
 * or between collections as it is (the other pools then grow only by arrays too large for the young
 * generation, which G1 places in the old one at once, so a poll sees them as they are made). Each
 * call has a baseline B, H as last read when it started, and has allocated A bytes since (its
 * thread's allocation counter). It can have added to H at most what it allocated (twice that: G1
 * gives an array of more than half a region whole regions, and the rest of the last one is lost),
 * and only while it allocated: each round adds to the call's bound W the growth of H since the last
 * round, up to twice what the call allocated in that time (since the last collection, at a
 * collection, as the young objects it made may just have been kept). Its estimate is {@code held =
 * min(W, H - B)}: no more than it can have added, no more than the heap grew while it ran. A call
 * that stopped allocating (or never got the processor) is not charged for what grows beside it. A
 * poll that comes after a collection and before its notification counts as the collection's round.
 * Collectors without an eden pool (ZGC, Shenandoah) are judged at the ends of their cycles only.
 *
 * <p><b>Who is stopped.</b> Calls that run side by side and allocate alike see the same growth,
 * and the numbers cannot tell which of them keeps it, so growth is charged first to the calls that
 * kept the larger share of what they allocated ({@code held / A}: near 1 for a call that keeps what
 * it makes, near 0 for one that computes and drops). A call is stopped ({@link
 * MemoryStop.Cause#HELD}) when its {@code held} is above its limit <em>and</em> its growth {@code H -
 * B} is above its limit plus what the calls beside it that kept a larger share may hold within their
 * own limits: a computing call is not stopped for the growth of a neighbour that keeps what it
 * makes, even one within a larger limit. When several calls qualify, the first stopped is the one
 * with the largest {@code held / (H - B) × held / A}: how much of its growth it could hold by itself,
 * times the share of its allocation that would be. The growth it accounts for is then taken off the
 * others (their baselines rise by up to its {@code held}), and the round goes on until nobody
 * qualifies.
 *
 * <p><b>Calls that are gone.</b> A stopped call runs on until its cancel lands (a large array
 * takes a millisecond), and young objects it made before it ended are kept by a collection that
 * comes before it let go of them: until the first collection after its end, what the heap gains, up
 * to what it allocated since the collection before its stop, is taken off the others too. What a
 * call that ended on its own held stays on the heap until the collector frees it (G1 frees the old
 * generation after a marking cycle): it counts, like a neighbour within its limit, for the calls that
 * ran beside it and kept a smaller share, until the heap shrinks by as much or those calls end. A
 * baseline never stays above H: when the heap shrinks below it, the collector freed memory that was
 * not the call's.
 *
 * <p><b>Heap in danger.</b> When H after a collection is above {@link #DANGER_PERCENT} percent of
 * the maximum heap, whatever the limits, calls whose growth since they started (from their original
 * baselines, which nothing raises, so no arrangement of other calls can hide one) reached half their
 * limit, or an eighth of the maximum heap if that is less, are stopped in the same order until H
 * without them is below that level ({@link MemoryStop.Cause#HEAP_DANGER}): the limits of the calls
 * running at once may add up to more than the heap, and calls may blur each other.
 *
 * <p><b>Precision.</b> Large arrays are seen within a poll of being made. Other objects are seen at
 * the first young collection after the call holds more than its limit, so a call gets past its limit
 * by what it adds until then: up to about one young generation. Beside other calls, a call may get
 * as far past as what they may hold within their limits. When a computing call kept as large a share
 * of its allocation as a growing one beside it (it allocated little, for instance because it got
 * little of the processor), the computing call may be the one stopped; the growing one is stopped
 * at a later round if it goes on growing. The heap's growth from the JVM's own data while a call
 * runs counts as the call's if it allocated as much.
 *
 * <p><b>Backstop.</b> Each call also has an allocation cap of {@link #BACKSTOP_FACTOR} times its
 * limit, which its watchdog checks every tick like the deadline: it holds even if collection
 * notifications are late or missing, and interpreted computing stays far below it (64 GiB at the
 * 256 MiB default; interpreted loops allocate 0.4 to 2.1 GiB per second, so 10 s stay under 21 GiB). If no collector of
 * this JVM sends notifications, the limit is an allocation budget equal to the limit.
 */
final class HeapPressure {
  /** The allocation cap of a call, as a multiple of its memory limit. */
  static final long BACKSTOP_FACTOR = 256;
  /** Heap use after a collection, in percent of the maximum heap, above which the heap is in danger. */
  static final int DANGER_PERCENT = 75;
  /** In danger, calls holding half this fraction of the maximum heap are stopped, even within their limit. */
  static final long DANGER_HEAP_DIVISOR = 4;
  /** How often the heap is read between collections, JVM-wide, while memory-limited calls run. */
  static final long POLL_NANOS = Watchdog.TICK_NANOS;

  private static final Logger log = LoggerFactory.getLogger(HeapPressure.class);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final HeapPressure JVM = new HeapPressure();

  /** The heap pools H counts: all but eden. */
  private final List<MemoryPoolMXBean> countedPools = new ArrayList<>();
  private final Set<String> countedNames = new HashSet<>();
  /** True if the heap has an eden pool: then the others grow between collections only by large arrays. */
  private final boolean pollable;
  private final List<NotificationEmitter> collectors = new ArrayList<>();
  private final List<GarbageCollectorMXBean> collectorBeans = new ArrayList<>();
  private final long maxHeap = Runtime.getRuntime().maxMemory();
  private final NotificationListener listener = this::onNotification;
  /** Held by rounds and by (un)registration; a poll that finds it taken skips its turn. */
  private final ReentrantLock lock = new ReentrantLock();
  /** The watchdogs whose calls the rounds judge; the listener is registered while there are any. */
  private final Set<Watchdog> watchdogs = new HashSet<>();
  /** Calls stopped for memory whose cancel has not landed yet, with their state since the stop. */
  private final Map<Watchdog.Guard, Stopped> stopping = new IdentityHashMap<>();
  /** What the rounds know of each running call from round to round. */
  private Map<Watchdog.Guard, Account> accounts = new IdentityHashMap<>();
  /** What calls that ended may have left on the heap, oldest first. */
  private final List<Left> left = new ArrayList<>();
  private long rounds;
  /** H at the last round. */
  private long lastRoundHeap;
  /** The collections the JVM counted at the last poll. */
  private long lastCollections;
  /** H as last read (after a collection, or by a poll): the baseline of the calls starting now. */
  private volatile long heapNow;
  private volatile long lastPollNanos = System.nanoTime();
  private long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;

  private HeapPressure() {
    boolean eden = false;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != MemoryType.HEAP) {
        continue;
      }
      if (pool.getName().contains("Eden")) {
        eden = true;
      } else {
        countedPools.add(pool);
        countedNames.add(pool.getName());
      }
    }
    pollable = eden;
    heapNow = read(Map.of()); // until the first collection: the old generation as it is now
    lastRoundHeap = heapNow;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      // ZGC's and Shenandoah's "Pauses" report the pauses inside a cycle, with the heap as it is then;
      // their "Cycles" report the ends of the cycles.
      if (collector instanceof NotificationEmitter emitter && !collector.getName().endsWith("Pauses")) {
        collectors.add(emitter);
        collectorBeans.add(collector);
      }
    }
    if (collectors.isEmpty()) {
      log.warn("this JVM reports no garbage collections: JavaScript memory limits are allocation budgets");
    }
  }

  /** The one instance: the heap, and so the judgement, is the JVM's. */
  static HeapPressure jvm() {
    return JVM;
  }

  /** True if calls are judged on what they hold; false if memory limits are allocation budgets. */
  boolean enforced() {
    return !collectors.isEmpty();
  }

  /** The baseline of a call starting now: H as last read. */
  long baseline() {
    return heapNow;
  }

  /** The allocation cap of a call with memory limit {@code limit} (bytes, at least 0). */
  long allocationCap(long limit) {
    if (!enforced()) {
      return limit;
    }
    return limit > Long.MAX_VALUE / BACKSTOP_FACTOR ? Long.MAX_VALUE : limit * BACKSTOP_FACTOR;
  }

  /** Starts judging the calls of {@code watchdog}; the first one registers the listener. */
  void register(Watchdog watchdog) {
    if (!enforced()) {
      return;
    }
    lock.lock();
    try {
      if (watchdogs.isEmpty()) {
        for (NotificationEmitter collector : collectors) {
          collector.addNotificationListener(listener, null, null);
        }
      }
      watchdogs.add(watchdog);
    } finally {
      lock.unlock();
    }
  }

  /** Stops judging the calls of {@code watchdog}; the last one removes the listener. */
  void unregister(Watchdog watchdog) {
    lock.lock();
    try {
      if (watchdogs.remove(watchdog) && watchdogs.isEmpty()) {
        for (NotificationEmitter collector : collectors) {
          try {
            collector.removeNotificationListener(listener);
          } catch (ListenerNotFoundException e) {
            // Not registered with this collector: nothing to remove.
          }
        }
        stopping.clear();
        left.clear();
        accounts = new IdentityHashMap<>();
      }
    } finally {
      lock.unlock();
    }
  }

  /** How many watchdogs are registered (for tests: none once every {@code Isola} is closed). */
  int watchdogs() {
    lock.lock();
    try {
      return watchdogs.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reads the heap between collections and judges the calls on it, at most every {@link
   * #POLL_NANOS} in the JVM; called by watchdogs as they check memory-limited calls. Without an eden
   * pool the heap read now holds the garbage of the young objects too, so there is no poll.
   */
  void poll(long nowNanos) {
    if (!pollable || nowNanos - lastPollNanos < POLL_NANOS || !lock.tryLock()) {
      return;
    }
    try {
      if (nowNanos - lastPollNanos < POLL_NANOS) {
        return;
      }
      lastPollNanos = nowNanos;
      long heap = read(Map.of());
      heapNow = heap;
      // A poll can come after a collection and before its notification: then what it sees is what
      // the collection kept, from all the young objects made since the one before.
      long collections = collections();
      round(heap, collections != lastCollections, false);
      lastCollections = collections;
    } finally {
      lock.unlock();
    }
  }

  private long collections() {
    long count = 0;
    for (GarbageCollectorMXBean collector : collectorBeans) {
      count += Math.max(0, collector.getCollectionCount());
    }
    return count;
  }

  /** H: the counted pools as {@code afterGc} gives them, the others (not collected) as they are now. */
  private long read(Map<String, MemoryUsage> afterGc) {
    long used = 0;
    for (MemoryPoolMXBean pool : countedPools) {
      MemoryUsage usage = afterGc.get(pool.getName());
      if (usage == null) {
        usage = pool.getUsage();
      }
      used += usage == null ? 0 : usage.getUsed();
    }
    return used;
  }

  private void onNotification(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    lock.lock();
    try {
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
      Map<String, MemoryUsage> afterGc = info.getGcInfo().getMemoryUsageAfterGc();
      if (afterGc.keySet().stream().noneMatch(countedNames::contains)) {
        return; // a collection of the young generation alone leaves the counted pools as they were
      }
      long heap = read(afterGc);
      heapNow = heap;
      round(heap, true, "end of major GC".equals(info.getGcAction()));
    } catch (Throwable t) {
      // The notification thread is the JVM's: never let anything escape into it.
      try {
        log.error("judging the heap after a garbage collection failed; the next collection retries", t);
      } catch (Throwable ignored) {
        // Logging needs memory too.
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * One round on H = {@code heap}: updates what each call can have added, releases what stopped
   * calls that ended added since their stop, then stops the calls the rules pick.
   *
   * @param collection true after a collection, false for a poll between collections
   */
  private void round(long heap, boolean collection, boolean fullCollection) {
    long round = ++rounds;
    List<Watched> calls = new ArrayList<>();
    Map<Watchdog.Guard, Account> seen = new IdentityHashMap<>();
    long growth = heap - lastRoundHeap;
    lastRoundHeap = heap;
    long firstRound = round;
    for (Watchdog watchdog : watchdogs) {
      for (Watchdog.Guard guard : watchdog.running()) {
        if (guard.memoryLimit() < 0) {
          continue;
        }
        Account account = accounts.remove(guard);
        if (account == null) {
          account = new Account(round);
        }
        seen.put(guard, account);
        firstRound = Math.min(firstRound, account.firstRound);
        long allocated = guard.allocated();
        // Without allocation counters a call is judged by the heap's growth alone.
        account.update(allocated < 0 ? Long.MAX_VALUE / 4 : allocated, growth, collection);
        calls.add(new Watched(guard, guard.memoryLimit(), allocated < 0 ? Long.MAX_VALUE : allocated,
            account.added, guard.heapBaseline(), guard.rawHeapBaseline()));
      }
    }
    leave(heap, growth, round, firstRound);
    accounts = seen;
    for (Watched call : calls) {
      call.firstRound = accounts.get(call.guard).firstRound;
    }
    clamp(heap, calls);
    for (Iterator<Map.Entry<Watchdog.Guard, Stopped>> it = stopping.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Watchdog.Guard, Stopped> entry = it.next();
      Watchdog.Guard guard = entry.getKey();
      Stopped stopped = entry.getValue();
      release(stopped.more(heap, guard.ended() ? guard.allocatedAtEnd() : guard.allocated()), heap, calls);
      // What it held when it ended was young objects made since the last collection, or already counted:
      // the first collection after its end settles it.
      if (stopped.ended && collection) {
        it.remove();
      }
      stopped.ended = guard.ended();
    }
    List<Watched> stopped = decide(heap, maxHeap, calls, left, collection);
    for (Watched call : calls) {
      call.guard.heapBaselines(call.baseline, call.rawBaseline);
    }
    for (Watched call : stopped) {
      if (call.guard.stopForMemory(call.stop) && call.allocated != Long.MAX_VALUE) {
        stopping.put(call.guard, new Stopped(accounts.get(call.guard).allocatedAtCollection, heap));
      }
    }
    if (log.isDebugEnabled() && !calls.isEmpty()) {
      StringBuilder b = new StringBuilder();
      for (Watched call : calls) {
        b.append(String.format(" [limit %d MiB, allocated %d MiB, W %d MiB, grew %d MiB (%d MiB)%s]", call.limit >> 20,
            call.allocated >> 20, call.added >> 20, (heap - call.baseline) >> 20, (heap - call.rawBaseline) >> 20,
            call.stop == null ? "" : ", stopped: " + call.stop.cause()));
      }
      log.debug("{} {} MiB, {} stopping:{}", fullCollection ? "full collection" : "round", heap >> 20,
          stopping.size(), b);
    }
    if (fullCollection && heap > dangerLevel(maxHeap) && stopped.isEmpty()) {
      long now = System.nanoTime();
      if (now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
        lastWarnNanos = now;
        log.warn("the heap is {}% full after a full garbage collection ({} MiB of {} MiB) and no running call holds"
            + " much of it: give the JVM more heap (-Xmx) or keep less outside the calls", heap * 100 / maxHeap,
            heap >> 20, maxHeap >> 20);
      }
    }
  }

  /**
   * Notes what the calls that ended since the last round (those still in {@link #accounts}) may have
   * left, and shrinks and drops what was left before as the heap shrinks and as the calls that ran
   * beside it end.
   */
  private void leave(long heap, long growth, long round, long firstRound) {
    for (long freed = -growth; freed > 0 && !left.isEmpty(); ) {
      Left oldest = left.get(0);
      long taken = Math.min(freed, oldest.bytes);
      oldest.bytes -= taken;
      freed -= taken;
      if (oldest.bytes == 0) {
        left.remove(0);
      }
    }
    left.removeIf(garbage -> garbage.round <= firstRound); // no call that ran beside it is left
    for (Map.Entry<Watchdog.Guard, Account> gone : accounts.entrySet()) {
      Watchdog.Guard guard = gone.getKey();
      if (stopping.containsKey(guard)) {
        continue;
      }
      long allocated = guard.ended() ? guard.allocatedAtEnd() : guard.allocated();
      long held = Math.max(0, Math.min(gone.getValue().added, heap - guard.heapBaseline()));
      if (allocated > 0 && held > 0) {
        left.add(new Left(Math.min(held, guard.memoryLimit()), (double) held / allocated, round));
      }
    }
  }

  /** Heap a call may have left when it ended, until it is freed. */
  static final class Left {
    long bytes;
    /** The share of its allocation it kept (see {@link Watched#kept}). */
    final double kept;
    /** The round it ended in: it explains the growth of calls seen before. */
    final long round;

    Left(long bytes, double kept, long round) {
      this.bytes = bytes;
      this.kept = kept;
      this.round = round;
    }
  }

  private static long dangerLevel(long maxHeap) {
    return maxHeap == Long.MAX_VALUE ? Long.MAX_VALUE : maxHeap / 100 * DANGER_PERCENT;
  }

  /**
   * A call stopped for memory, from its stop until the first collection after it ended: it runs on
   * until its cancel lands (a large array takes a millisecond), and the young objects it made before
   * it ended are kept by a collection that comes before it let go of them. What the heap gains
   * meanwhile, up to twice what it allocated since the collection before its stop, is its own.
   */
  private static final class Stopped {
    /** Its A at the last collection before its stop. */
    final long allocatedBase;
    /** H at the stop, lowered with the heap. */
    long heapAtStop;
    /** What was released for it so far. */
    long released;
    /** True once a round saw it ended. */
    boolean ended;

    Stopped(long allocatedBase, long heapAtStop) {
      this.allocatedBase = allocatedBase;
      this.heapAtStop = heapAtStop;
    }

    /** What to release now, by {@code allocated}, its allocation since it started (-1 if unknown). */
    long more(long heap, long allocated) {
      heapAtStop = Math.min(heapAtStop, heap);
      long held = allocated < 0 ? 0 : Watched.held(allocated - allocatedBase, heap - heapAtStop);
      long more = Math.max(0, held - released);
      released += more;
      return more;
    }
  }

  /** What the rounds know of a running call from round to round. */
  static final class Account {
    /** The round the call was first seen in. */
    final long firstRound;
    /** A at the last round. */
    long allocated;
    /** A at the last collection's round. */
    long allocatedAtCollection;
    /** W: the most the call can have added to the heap, summed round by round. */
    long added;

    Account(long firstRound) {
      this.firstRound = firstRound;
    }

    /**
     * Adds to W the heap's {@code growth} since the last round: between collections (large arrays
     * only), up to twice what the call allocated since the last round; at a {@code collection} (the
     * young objects it kept), up to what it allocated since the last collection.
     */
    void update(long allocatedNow, long growth, boolean collection) {
      long since = Math.max(0, allocatedNow - (collection ? allocatedAtCollection : allocated));
      long most = collection ? since : since > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * since;
      if (growth > 0) {
        added += Math.min(growth, most);
      }
      allocated = allocatedNow;
      if (collection) {
        allocatedAtCollection = allocatedNow;
      }
    }
  }

  /** A memory-limited running call as a round sees it; the baselines and {@link #stop} change in the round. */
  static final class Watched {
    final Watchdog.Guard guard;
    final long limit;
    final long allocated;
    /** W, see {@link Account}. */
    final long added;
    /** B: raised by what the calls around it are found to hold. */
    long baseline;
    /** H when the call started, only ever lowered with the heap: what the danger rule measures from. */
    long rawBaseline;
    /** The round it was first seen in. */
    long firstRound;
    MemoryStop stop;

    Watched(Watchdog.Guard guard, long limit, long allocated, long added, long baseline, long rawBaseline) {
      this.guard = guard;
      this.limit = limit;
      this.allocated = allocated;
      this.added = added;
      this.baseline = baseline;
      this.rawBaseline = rawBaseline;
    }

    /**
     * What a call that allocated {@code allocated} bytes while the heap grew {@code growth} may hold:
     * up to twice its allocation, because G1 gives an array of more than half a region whole regions
     * (a 1 MiB + 16 byte array takes 2 MiB with 2 MiB regions), and the rest of the last one is lost.
     */
    static long held(long allocated, long growth) {
      long most = allocated > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : allocated * 2;
      return Math.max(0, Math.min(most, growth));
    }

    /** The share of its allocation the heap kept: near 1 for a call that keeps what it makes. */
    double kept(long held) {
      return allocated <= 0 ? 0 : (double) held / allocated;
    }

    long held(long heap) {
      return Math.max(0, Math.min(added, heap - baseline));
    }

    long rawHeld(long heap) {
      return Math.max(0, Math.min(added, heap - rawBaseline));
    }

    /**
     * The order of stopping for a call that may hold {@code held} of a growth of {@code growth}: how
     * much of that growth it could hold by itself, times the share of its allocation that would be.
     */
    double score(long held, long growth) {
      return growth <= 0 ? 0 : (double) held / growth * kept(held);
    }
  }

  /** Lowers the baselines above {@code heap}: what the collector freed below them was not the calls'. */
  static void clamp(long heap, List<Watched> calls) {
    for (Watched call : calls) {
      call.baseline = Math.min(call.baseline, heap);
      call.rawBaseline = Math.min(call.rawBaseline, heap);
    }
  }

  /** Raises each baseline by {@code bytes}, up to {@code heap}: growth that is none of these calls'. */
  static void release(long bytes, long heap, List<Watched> calls) {
    for (Watched call : calls) {
      if (call.stop == null) {
        call.baseline += Math.max(0, Math.min(bytes, heap - call.baseline));
      }
    }
  }

  /**
   * The rules of one round over the running {@code calls}, their baselines already clamped to
   * {@code heap}: marks the calls to stop (their {@link Watched#stop} set) and raises the baselines
   * of the others by what each stopped call accounts for, as the class comment explains.
   *
   * @param left what calls that ended may have left on the heap
   * @param afterCollection true if {@code heap} was read after a collection (the danger rule waits
   *     for one: between collections the old generation holds the garbage of large arrays too)
   * @return the calls to stop, in the order they were chosen
   */
  static List<Watched> decide(long heap, long maxHeap, List<Watched> calls, List<Left> left, boolean afterCollection) {
    List<Watched> stopped = new ArrayList<>();
    long released = 0;
    while (true) {
      MemoryStop.Cause cause = MemoryStop.Cause.HELD;
      Watched pick = null;
      long pickHeld = 0;
      for (Watched call : calls) {
        long held = call.held(heap);
        long growth = heap - call.baseline;
        if (call.stop == null && held > call.limit && growth - others(heap, call, calls, left) > call.limit
            && (pick == null || call.score(held, growth) > pick.score(pickHeld, heap - pick.baseline))) {
          pick = call;
          pickHeld = held;
        }
      }
      if (pick == null && afterCollection && heap - released > dangerLevel(maxHeap)) {
        cause = MemoryStop.Cause.HEAP_DANGER;
        for (Watched call : calls) {
          long raw = call.rawHeld(heap);
          if (call.stop == null && raw > Math.min(call.limit, maxHeap / DANGER_HEAP_DIVISOR) / 2
              && (pick == null
                  || call.score(raw, heap - call.rawBaseline) > pick.score(pickHeld, heap - pick.rawBaseline))) {
            pick = call;
            pickHeld = raw;
          }
        }
      }
      if (pick == null) {
        return stopped;
      }
      pick.stop = new MemoryStop(cause, pickHeld, pick.allocated, heap, maxHeap);
      stopped.add(pick);
      released += pickHeld;
      release(pickHeld, heap, calls);
    }
  }

  /**
   * What of {@code call}'s growth others may hold within their limits: the running calls that kept a
   * larger share of their allocation, and the calls that ended beside it having kept a larger share.
   */
  private static long others(long heap, Watched call, List<Watched> calls, List<Left> left) {
    double kept = call.kept(call.held(heap));
    long others = 0;
    for (Watched other : calls) {
      long held = other.held(heap);
      if (other != call && other.stop == null && other.kept(held) > kept) {
        others += Math.min(held, other.limit);
      }
    }
    for (Left garbage : left) {
      if (garbage.round > call.firstRound && garbage.kept > kept) {
        others += garbage.bytes;
      }
    }
    return others;
  }
}
