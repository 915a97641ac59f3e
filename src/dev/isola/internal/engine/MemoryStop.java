package dev.isola.internal.engine;

/**
 * Why a call was stopped for its memory limit, with what was measured at that moment; {@link
 * SandboxRunner#memoryMessage} turns it into the message of its {@code LimitExceededException}.
 *
 * @param cause which rule stopped the call
 * @param heldBytes what the call was estimated to hold (the heap's growth after garbage collection
 *     since it started, at most what it allocated); -1 for the allocation rules
 * @param allocatedBytes bytes the call's thread allocated since it started
 * @param heapAfterGcBytes the heap used after the collection that showed it, eden not counted; -1
 *     for the allocation rules
 * @param maxHeapBytes the JVM's maximum heap ({@link Runtime#maxMemory()})
 */
public record MemoryStop(Cause cause, long heldBytes, long allocatedBytes, long heapAfterGcBytes, long maxHeapBytes) {
  /** The rule that stopped the call; see {@link HeapPressure}. */
  public enum Cause {
    /** The call held more than its memory limit. */
    HELD,
    /** The heap was nearly full after a collection and the call held a large part of it. */
    HEAP_DANGER,
    /** The call allocated {@link HeapPressure#BACKSTOP_FACTOR} times its memory limit. */
    ALLOCATION_BACKSTOP,
    /** This JVM reports no garbage collections, so the limit is one on allocation. */
    ALLOCATION_BUDGET
  }
}
