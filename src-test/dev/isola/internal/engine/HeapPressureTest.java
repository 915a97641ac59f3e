package dev.isola.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules of the heap rounds, on numbers (in MiB) instead of a live heap, and the registration of
 * the JVM's one listener. The live behaviour (bombs stopped, computing calls left alone) is in
 * {@code JsMemoryLimitTest}.
 */
class HeapPressureTest {
  private static final long MIB = 1 << 20;
  private static final long MAX_HEAP = 8192 * MIB;

  /** A running call: its limit, what it allocated, what it can have added (W), and its baseline. */
  private static HeapPressure.Watched call(long limit, long allocated, long added, long baseline) {
    return new HeapPressure.Watched(null, limit * MIB, allocated * MIB, added * MIB, baseline * MIB, baseline * MIB);
  }

  private static List<HeapPressure.Watched> decide(long heap, long maxHeap, HeapPressure.Watched... calls) {
    return decide(heap, maxHeap, List.of(), calls);
  }

  private static List<HeapPressure.Watched> decide(long heap, long maxHeap, List<HeapPressure.Left> left,
      HeapPressure.Watched... calls) {
    List<HeapPressure.Watched> list = new ArrayList<>(List.of(calls));
    HeapPressure.clamp(heap * MIB, list);
    return HeapPressure.decide(heap * MIB, maxHeap, list, left, true);
  }

  @Test
  void decide_callHoldingMoreThanItsLimit_isStopped() {
    HeapPressure.Watched bomb = call(64, 300, 300, 100);
    assertEquals(List.of(bomb), decide(400, MAX_HEAP, bomb));
    assertEquals(MemoryStop.Cause.HELD, bomb.stop.cause());
    assertEquals(300 * MIB, bomb.stop.heldBytes());
  }

  @Test
  void decide_computingCallWhoseHeapBarelyGrew_runsOn() {
    HeapPressure.Watched computing = call(256, 20_000, 10, 100);
    assertEquals(List.of(), decide(110, MAX_HEAP, computing));
    assertNull(computing.stop);
  }

  @Test
  void decide_growthWhileTheCallAllocatedLittle_isNotCharged() {
    // The heap grew 300 MiB while the call ran, but in the rounds of that growth it allocated 5 MiB.
    HeapPressure.Watched idle = call(64, 2_000, 5, 100);
    assertEquals(List.of(), decide(400, MAX_HEAP, idle));
  }

  @Test
  void decide_bombBesideComputingCall_stopsTheBombAndReleasesItsGrowth() {
    HeapPressure.Watched bomb = call(64, 320, 300, 100);
    HeapPressure.Watched computing = call(256, 3_000, 300, 100);
    assertEquals(List.of(bomb), decide(400, MAX_HEAP, computing, bomb));
    assertNull(computing.stop);
    assertEquals(400 * MIB, computing.baseline, "the bomb's growth is no longer charged to its neighbour");
  }

  @Test
  void decide_neighbourKeepingMoreWithinItsLimit_protectsACallWithASmallerLimit() {
    // A call keeping 300 MiB within its 512 MiB limit, beside a computing call limited to 64 MiB.
    HeapPressure.Watched holder = call(512, 400, 300, 100);
    HeapPressure.Watched computing = call(64, 3_000, 300, 100);
    assertEquals(List.of(), decide(400, MAX_HEAP, holder, computing));
  }

  @Test
  void decide_heapLeftByAHolderThatEnded_isNotCharged() {
    HeapPressure.Watched computing = call(64, 3_000, 300, 100); // seen from round 0
    // A call that ran beside it kept 280 MiB (80% of what it allocated), then ended in round 1.
    assertEquals(List.of(), decide(400, MAX_HEAP, List.of(new HeapPressure.Left(280 * MIB, 0.8, 1)), computing));
    assertEquals(List.of(computing),
        decide(400, MAX_HEAP, List.of(new HeapPressure.Left(200 * MIB, 0.8, 1)), computing),
        "100 MiB of the growth is its own");
  }

  @Test
  void decide_heapLeftBeforeTheCallStarted_isNoExcuse() {
    HeapPressure.Watched bomb = call(64, 300, 300, 100);
    bomb.firstRound = 5;
    assertEquals(List.of(bomb), decide(400, MAX_HEAP, List.of(new HeapPressure.Left(280 * MIB, 0.8, 3)), bomb));
  }

  @Test
  void decide_twoCallsEachHoldingTooMuch_bothStoppedInOneRound() {
    HeapPressure.Watched early = call(64, 150, 150, 100);
    HeapPressure.Watched late = call(64, 250, 250, 250);
    List<HeapPressure.Watched> stopped = decide(500, MAX_HEAP, early, late);
    assertEquals(List.of(late, early), stopped, "the one that can hold its whole growth goes first");
  }

  @Test
  void decide_heapInDanger_stopsTheGrowingCallWithinItsLimit() {
    long maxHeap = 1000 * MIB; // in danger above 750 MiB
    HeapPressure.Watched growing = call(256, 300, 200, 600);
    HeapPressure.Watched computing = call(256, 5_000, 10, 600);
    assertEquals(List.of(growing), decide(800, maxHeap, growing, computing));
    assertEquals(MemoryStop.Cause.HEAP_DANGER, growing.stop.cause());
    assertNull(computing.stop);
  }

  @Test
  void decide_heapFullBetweenCollections_waitsForOne() {
    // Between collections the old generation also holds large arrays that are already garbage.
    HeapPressure.Watched growing = call(256, 300, 200, 600);
    List<HeapPressure.Watched> list = new ArrayList<>(List.of(growing));
    assertEquals(List.of(), HeapPressure.decide(800 * MIB, 1000 * MIB, list, List.of(), false));
  }

  @Test
  void decide_heapInDanger_measuresFromTheOriginalBaseline() {
    // Its baseline was raised by what other calls were found to hold; its original one was not.
    HeapPressure.Watched hidden = new HeapPressure.Watched(null, 256 * MIB, 400 * MIB, 300 * MIB, 800 * MIB, 500 * MIB);
    assertEquals(List.of(hidden), decide(800, 1000 * MIB, hidden));
    assertEquals(300 * MIB, hidden.stop.heldBytes());
  }

  @Test
  void decide_heapBelowBaseline_countsGrowthFromThere() {
    HeapPressure.Watched call = call(64, 500, 500, 400);
    assertEquals(List.of(), decide(300, MAX_HEAP, call));
    assertEquals(300 * MIB, call.baseline);
    assertEquals(List.of(call), decide(380, MAX_HEAP, call));
  }

  @Test
  void account_growthIsChargedOnlyUpToWhatTheCallAllocatedMeanwhile() {
    HeapPressure.Account account = new HeapPressure.Account(1);
    account.update(10 * MIB, 0, false);
    account.update(10 * MIB, 100 * MIB, false); // grew while the call allocated nothing
    assertEquals(0, account.added);
    account.update(60 * MIB, 150 * MIB, false); // 50 MiB of large arrays take at most twice that (G1 regions)
    assertEquals(100 * MIB, account.added);
    account.update(70 * MIB, 200 * MIB, true); // a collection may keep the young objects since the last one
    assertEquals(170 * MIB, account.added);
  }

  @Test
  void watchdogs_closed_leaveNoneRegistered() {
    int before = HeapPressure.jvm().watchdogs();
    List<Watchdog> watchdogs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      watchdogs.add(new Watchdog("heap-pressure-test-" + i));
    }
    assertTrue(HeapPressure.jvm().watchdogs() >= before + 200);
    watchdogs.forEach(Watchdog::close);
    assertEquals(before, HeapPressure.jvm().watchdogs());
  }
}
