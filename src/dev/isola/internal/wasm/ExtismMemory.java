package dev.isola.internal.wasm;

import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The host-managed memory of one Extism plugin call: the blocks a plugin gets from {@code alloc}
 * and reads and writes with {@code load_*} and {@code store_*}. It is not the plugin's linear
 * memory; it lives on the Java heap and is gone when the call ends.
 *
 * <p>A block is named by the offset of its first byte. Offsets start at {@link #BASE}, only grow,
 * are 8-byte aligned, leave a gap of at least 8 bytes between blocks (so an access just past one
 * block's end never lands in the next) and are never reused within a call: a freed block's offsets
 * stay dead, and any access to them fails. Offset 0 is the null offset and names no block.
 *
 * <p>Offsets and lengths come from the plugin as unsigned 64-bit values; a negative {@code long}
 * is a huge unsigned value and is treated as one. Every check here is written so that no value
 * overflows or reaches an array index unchecked.
 *
 * <p>Each live block costs its length plus {@link #BLOCK_OVERHEAD} bytes against the call's memory
 * limit, so that a million one-byte blocks cannot hide their bookkeeping from the limit.
 */
final class ExtismMemory {
  /** The offset of the first block. Small, non-zero, and unlike a typical linear-memory pointer. */
  static final long BASE = 0x1000;
  /** What a block's bookkeeping is charged against the memory limit, beyond its bytes. */
  static final int BLOCK_OVERHEAD = 128;
  /** The largest block: the largest Java byte array. */
  static final int MAX_BLOCK = Integer.MAX_VALUE - 8;
  /** How many freed blocks error messages can still name; older ones become "not inside any block". */
  private static final int FREED_REMEMBERED = 1024;
  /** Offsets stay below this (far out of reach: it takes 2^49 allocations to get there). */
  private static final long MAX_OFFSET = 1L << 53;

  /** A live block: its offset and its bytes. */
  record Block(long start, byte[] data) {
    int length() {
      return data.length;
    }
  }

  private final String route;
  private final String plugin;
  private final long cap;
  private final TreeMap<Long, Block> live = new TreeMap<>();
  /** Start offset to length of recently freed blocks, for error messages only. */
  private final TreeMap<Long, Integer> freed = new TreeMap<>();
  private long next = BASE;
  private long charged;
  private long liveBytes;

  /** @param cap bytes the live blocks (plus their overhead) may hold in all */
  ExtismMemory(String route, String plugin, long cap) {
    this.route = route;
    this.plugin = plugin;
    this.cap = cap;
  }

  /**
   * A new zeroed block of {@code n} bytes, or 0 if {@code n} is 0 (the Extism kernel's answer too).
   *
   * @param what who asks, for the error message ("alloc", "config_get", "the request body")
   * @throws LimitExceededException ({@link Limit#MEMORY}) if the block does not fit the limit
   */
  long alloc(String what, long n) {
    if (n == 0) {
      return 0;
    }
    long room = cap - charged - BLOCK_OVERHEAD;
    if (room < 0 || Long.compareUnsigned(n, room) > 0) {
      throw new LimitExceededException(route, Limit.MEMORY, prefix() + what + " needs a block of "
          + Long.toUnsignedString(n) + " bytes, but the call's Extism memory already holds " + charged
          + " of the " + cap + " bytes its memory limit allows (each block costs " + BLOCK_OVERHEAD
          + " bytes more for bookkeeping): raise the route's memory limit (memory) or free blocks"
          + " the plugin no longer needs");
    }
    if (n > MAX_BLOCK) {
      throw new LimitExceededException(route, Limit.MEMORY, prefix() + what + " needs a block of " + n
          + " bytes, but one block holds at most " + MAX_BLOCK + " bytes: split the data");
    }
    if (next > MAX_OFFSET) {
      throw new GuestException(route, prefix() + what + " found no offsets left in this call's Extism"
          + " memory (they are never reused within a call)", "");
    }
    byte[] data;
    try {
      data = new byte[(int) n];
    } catch (OutOfMemoryError e) {
      throw new LimitExceededException(route, Limit.MEMORY, prefix() + what + " needs a block of " + n
          + " bytes, but the JVM has no heap left for it: lower the memory limits of concurrent calls"
          + " or give the JVM more heap");
    }
    long start = next;
    live.put(start, new Block(start, data));
    charged += n + BLOCK_OVERHEAD;
    liveBytes += n;
    next = ((start + n + 7) & ~7L) + 8;
    return start;
  }

  /** A new block holding a copy of {@code content}, or 0 if it is empty; see {@link #alloc}. */
  long allocate(String what, byte[] content) {
    long offset = alloc(what, content.length);
    if (offset != 0) {
      System.arraycopy(content, 0, live.get(offset).data(), 0, content.length);
    }
    return offset;
  }

  /**
   * Frees the block starting at {@code offset} and returns it (its bytes stay as they were: no one can
   * reach them through this memory any more); returns null, and does nothing, if there is none.
   */
  @Nullable Block free(long offset) {
    Block block = offset == 0 ? null : live.remove(offset);
    if (block == null) {
      return null;
    }
    charged -= block.length() + BLOCK_OVERHEAD;
    liveBytes -= block.length();
    remember(block);
    return block;
  }

  /** Frees every block. */
  void clear() {
    live.values().forEach(this::remember);
    live.clear();
    charged = 0;
    liveBytes = 0;
  }

  /** The live block starting exactly at {@code offset}, if any. */
  @Nullable Block blockAt(long offset) {
    return offset == 0 ? null : live.get(offset);
  }

  /** The length of the live block starting at {@code offset}; 0 for any other offset. */
  long length(long offset) {
    Block block = blockAt(offset);
    return block == null ? 0 : block.length();
  }

  /**
   * Whether {@code offset} lies in the part of the offset space this call has handed out, from
   * {@link #BASE} up to the end of the newest block: what the Extism kernel calls "in bounds" (it
   * checks against the memory its allocator has grown to).
   */
  boolean handedOut(long offset) {
    return offset >= BASE && offset < next;
  }

  /** Bytes held by live blocks, without their overhead. */
  long liveBytes() {
    return liveBytes;
  }

  /**
   * The live block that holds all of {@code [offset, offset + n)}.
   *
   * @param n 1 or more, unsigned
   * @throws GuestException naming {@code fn} and the offset, saying why the range is not in a block
   */
  Block range(String fn, long offset, long n) {
    Map.Entry<Long, Block> entry = live.floorEntry(offset);
    if (entry != null) {
      Block block = entry.getValue();
      long into = offset - block.start();
      if (into < block.length()) {
        if (Long.compareUnsigned(n, block.length() - into) <= 0) {
          return block;
        }
        throw error(fn, offset, bytes(n) + " from there run past the end of " + describe(block)
            + ", which ends at " + hex(block.start() + block.length()));
      }
    }
    throw error(fn, offset, notInBlock(offset));
  }

  /**
   * The live block starting exactly at {@code offset}: where a function takes a whole block.
   *
   * @throws GuestException naming {@code fn} and the offset otherwise
   */
  Block start(String fn, long offset) {
    Block block = blockAt(offset);
    if (block != null) {
      return block;
    }
    String wanted = "expected the start of a block (an offset alloc returned)";
    Map.Entry<Long, Block> entry = live.floorEntry(offset);
    if (entry != null && offset - entry.getKey() < entry.getValue().length()) {
      throw error(fn, offset, wanted + ", but the offset is " + bytes(offset - entry.getKey())
          + " into " + describe(entry.getValue()));
    }
    throw error(fn, offset, wanted + ", but " + notInBlock(offset));
  }

  /** A failure of the plugin at {@code offset}, as every memory error is worded. */
  GuestException error(String fn, long offset, String why) {
    return new GuestException(route, prefix() + fn + " at offset " + hex(offset) + ": " + why, "");
  }

  /** An unsigned value in decimal and hex: {@code 4104 (0x1008)}. */
  static String hex(long value) {
    return Long.toUnsignedString(value) + " (0x" + Long.toHexString(value) + ")";
  }

  /** {@code 1 byte}, {@code 8 bytes}: an unsigned count of bytes. */
  static String bytes(long n) {
    return Long.toUnsignedString(n) + (n == 1 ? " byte" : " bytes");
  }

  private String prefix() {
    return "plugin " + plugin + ": ";
  }

  private static String describe(Block block) {
    return "the block of " + block.length() + " bytes at offset " + hex(block.start());
  }

  /** Why an offset that is in no live block is not: null, freed, between blocks, or never reached. */
  private String notInBlock(long offset) {
    if (offset == 0) {
      return "the offset is 0, the null offset, which names no block (alloc returns it for 0 bytes)";
    }
    Map.Entry<Long, Integer> gone = freed.floorEntry(offset);
    if (gone != null && offset - gone.getKey() < gone.getValue()) {
      return "the offset lies in the block of " + gone.getValue() + " bytes at offset "
          + hex(gone.getKey()) + ", which was freed (by free or reset)";
    }
    if (Long.compareUnsigned(offset, next) < 0) {
      return "the offset is not inside any live block";
    }
    return "the offset was never allocated (all of this call's blocks lie below " + hex(next) + ")";
  }

  private void remember(Block block) {
    freed.put(block.start(), block.length());
    if (freed.size() > FREED_REMEMBERED) {
      freed.pollFirstEntry();
    }
  }
}
