package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One instance's linear memory, allocated as the guest touches it, and capped by the route's
 * memory limit.
 *
 * <p><b>Lazy.</b> The memory is a row of {@value #CHUNK}-byte chunks. A chunk the instance has not
 * written is shared and never written: the all-zero {@link #ZERO}, or a chunk of its module's
 * {@link Image} (the initial memory with the data segments in place). The first write to a chunk
 * gives the instance its own copy. So an instance costs what it touches, not its initial size, and
 * data segments are copied once per module instead of once per call. Reads go through {@code chunks},
 * writes through {@code owned}, which holds the same array once the chunk is the instance's own and
 * null before: every write path asks {@link #writable} for its chunk, so a shared chunk is never
 * written.
 *
 * <p><b>Capped.</b> The maximum is the smaller of the module's own maximum and the route's memory
 * limit. A {@code memory.grow} past it fails as the Wasm spec says (it returns -1, and the guest
 * decides what to do); this class remembers that it happened, so that a call which then fails is
 * reported as a crossed memory limit, not as a bug of the guest.
 *
 * <p>Out-of-bounds accesses fail with the same {@link WasmRuntimeException} and message as
 * Chicory's {@code ByteArrayMemory}. The memory is never shared (shared memories are refused at
 * build), so nothing here is synchronized; atomic instructions go through the interface's defaults.
 *
 * <p>The memory also carries its instance's slot ({@link #bind}): the call the instance serves,
 * which the module's imports, linked once per module, look up here.
 */
final class LinearMemory implements Memory {
  static final int CHUNK_SHIFT = 12;
  static final int CHUNK = 1 << CHUNK_SHIFT;
  private static final int CHUNK_MASK = CHUNK - 1;
  private static final int CHUNKS_PER_PAGE = PAGE_SIZE / CHUNK;
  /** What every untouched chunk reads; never written (see {@link #writable}). */
  private static final byte[] ZERO = new byte[CHUNK];

  private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle DOUBLES =
      MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * A module's initial memory, data segments in place, as shared read-only chunks: recorded by the
   * first instance that initialises its memory, and copied (as references) by every later one. The
   * data segments' offsets are constant expressions over the module's own globals (Isola links no
   * imported globals), so every instance of a module starts with the same memory. Thread-safe.
   */
  static final class Image {
    private volatile byte[][] chunks;
  }

  private final MemoryLimits limits;
  private final int moduleMaxPages;
  private final Image image;
  private byte[][] chunks;
  private byte[][] owned;
  private int pages;
  private DataSegment[] segments = new DataSegment[0];
  private int refusedPages;
  /** The call this instance serves. */
  private CallContext slot;

  /**
   * @param limits initial pages and the capped maximum
   * @param moduleMaxPages the maximum the module itself declares ({@link MemoryLimits#MAX_PAGES} if none)
   * @param image where the module's initial memory is kept, shared by its instances
   */
  LinearMemory(MemoryLimits limits, int moduleMaxPages, Image image) {
    this.limits = limits;
    this.moduleMaxPages = moduleMaxPages;
    this.image = image;
    this.pages = limits.initialPages();
    this.chunks = new byte[pages * CHUNKS_PER_PAGE][];
    this.owned = new byte[chunks.length][];
    Arrays.fill(chunks, ZERO);
  }

  /** The size in pages a refused {@code memory.grow} asked for, or 0 if none was refused by the cap. */
  int refusedPages() {
    return refusedPages;
  }

  /**
   * Binds the instance to its call (see {@link WasmHandler}, which links the imports once per
   * module to functions that look here).
   */
  void bind(CallContext call) {
    this.slot = call;
  }

  /** What {@link #bind} set; null until the instance's call starts. */
  CallContext slot() {
    return slot;
  }

  /** How many bytes this memory holds of its own (written chunks), for tests and sizing. */
  long ownedBytes() {
    return Arrays.stream(owned).filter(c -> c != null).count() * CHUNK;
  }

  private int sizeInBytes() {
    return chunks.length << CHUNK_SHIFT;
  }

  /** The chunk at {@code index}, the instance's own from now on. */
  private byte[] writable(int index) {
    byte[] chunk = owned[index];
    return chunk != null ? chunk : own(index);
  }

  private byte[] own(int index) {
    byte[] shared = chunks[index];
    byte[] copy = shared == ZERO ? new byte[CHUNK] : shared.clone();
    owned[index] = copy;
    chunks[index] = copy;
    return copy;
  }

  // ---- size ----

  @Override
  public int pages() {
    return pages;
  }

  @Override
  public int grow(int more) {
    int before = pages;
    long wanted = before + Integer.toUnsignedLong(more);
    if (wanted > maximumPages()) {
      if (wanted <= moduleMaxPages && wanted > refusedPages) {
        refusedPages = (int) wanted;
      }
      return -1;
    }
    int length = (int) wanted * CHUNKS_PER_PAGE;
    chunks = Arrays.copyOf(chunks, length);
    owned = Arrays.copyOf(owned, length);
    Arrays.fill(chunks, before * CHUNKS_PER_PAGE, length, ZERO);
    pages = (int) wanted;
    return before;
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
  }

  @Override
  public boolean shared() {
    return false;
  }

  // ---- threads (never shared: as ByteArrayMemory answers for an unshared memory) ----

  @Override
  public Object lock(int address) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int waitOn(int address, int expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @Override
  public int waitOn(int address, long expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @Override
  public int notify(int address, int count) {
    return 0;
  }

  // ---- data segments ----

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    segments = dataSegments == null ? new DataSegment[0] : dataSegments;
    byte[][] initial = image.chunks;
    if (initial != null && initial.length == chunks.length) {
      System.arraycopy(initial, 0, chunks, 0, initial.length);
      Arrays.fill(owned, null);
      return;
    }
    for (DataSegment segment : segments) {
      if (segment instanceof ActiveDataSegment active) {
        if (active.index() != 0) {
          continue;
        }
        byte[] data = active.data();
        int offset = (int) ConstantEvaluators.computeConstantValue(instance, active.offsetInstructions())[0];
        checkBounds(offset, data.length, sizeInBytes(), UninstantiableException::new);
        write(offset, data, 0, data.length);
      } else if (!(segment instanceof PassiveDataSegment)) {
        throw new ChicoryException("Data segment should be active or passive: " + segment);
      }
    }
    if (initial == null && chunks.length == initialPages() * CHUNKS_PER_PAGE) {
      byte[][] recorded = new byte[chunks.length][];
      for (int i = 0; i < chunks.length; i++) {
        recorded[i] = owned[i] == null ? chunks[i] : owned[i].clone();
      }
      image.chunks = recorded;
    }
  }

  @Override
  public void initPassiveSegment(int segment, int address, int offset, int size) {
    write(address, segments[segment].data(), offset, size);
  }

  @Override
  public void drop(int segment) {
    segments[segment] = PassiveDataSegment.EMPTY;
  }

  // ---- bulk ----

  @Override
  public void zero() {
    Arrays.fill(chunks, ZERO);
    Arrays.fill(owned, null);
  }

  @Override
  public void write(int address, byte[] data, int offset, int size) {
    checkBounds(offset, size, data.length, WasmRuntimeException::new);
    checkBounds(address, size, sizeInBytes(), WasmRuntimeException::new);
    while (size > 0) {
      int at = address & CHUNK_MASK;
      int n = Math.min(size, CHUNK - at);
      System.arraycopy(data, offset, writable(address >>> CHUNK_SHIFT), at, n);
      address += n;
      offset += n;
      size -= n;
    }
  }

  @Override
  public byte[] readBytes(int address, int length) {
    checkBounds(address, length, sizeInBytes(), WasmRuntimeException::new);
    byte[] result = new byte[length];
    for (int done = 0; done < length; ) {
      int at = (address + done) & CHUNK_MASK;
      int n = Math.min(length - done, CHUNK - at);
      System.arraycopy(chunks[(address + done) >>> CHUNK_SHIFT], at, result, done, n);
      done += n;
    }
    return result;
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    int address = fromIndex;
    int size = toIndex - fromIndex;
    checkBounds(address, size, sizeInBytes(), WasmRuntimeException::new);
    while (size > 0) {
      int index = address >>> CHUNK_SHIFT;
      int at = address & CHUNK_MASK;
      int n = Math.min(size, CHUNK - at);
      if (value == 0 && n == CHUNK) {
        chunks[index] = ZERO; // a whole chunk of zeros needs no bytes of its own
        owned[index] = null;
      } else if (value != 0 || chunks[index] != ZERO) {
        Arrays.fill(writable(index), at, at + n, value);
      }
      address += n;
      size -= n;
    }
  }

  /** Copies as if through a temporary buffer (source and destination may overlap). */
  @Override
  public void copy(int destination, int source, int size) {
    int limit = sizeInBytes();
    checkBounds(destination, size, limit, WasmRuntimeException::new);
    checkBounds(source, size, limit, WasmRuntimeException::new);
    if (destination <= source) {
      for (int done = 0; done < size; ) {
        int from = source + done;
        int to = destination + done;
        int n = Math.min(size - done, CHUNK - Math.max(from & CHUNK_MASK, to & CHUNK_MASK));
        copyPiece(from, to, n);
        done += n;
      }
    } else {
      for (int left = size; left > 0; ) { // from the end, so no source byte is overwritten before it is read
        int fromEnd = source + left;
        int toEnd = destination + left;
        int n = Math.min(left, Math.min(((fromEnd - 1) & CHUNK_MASK) + 1, ((toEnd - 1) & CHUNK_MASK) + 1));
        copyPiece(fromEnd - n, toEnd - n, n);
        left -= n;
      }
    }
  }

  /** Copies {@code n} bytes lying inside one source chunk and one destination chunk. */
  private void copyPiece(int from, int to, int n) {
    byte[] target = writable(to >>> CHUNK_SHIFT); // first: owning may replace the source's array
    System.arraycopy(chunks[from >>> CHUNK_SHIFT], from & CHUNK_MASK, target, to & CHUNK_MASK, n);
  }

  // ---- single values ----

  @Override
  public byte read(int address) {
    try {
      return chunks[address >>> CHUNK_SHIFT][address & CHUNK_MASK];
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 1);
    }
  }

  @Override
  public void writeByte(int address, byte value) {
    try {
      writable(address >>> CHUNK_SHIFT)[address & CHUNK_MASK] = value;
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 1);
    }
  }

  @Override
  public short readShort(int address) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 2) {
      try {
        return (short) SHORTS.get(chunks[address >>> CHUNK_SHIFT], at);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 2);
      }
    }
    return (short) readAcross(address, 2);
  }

  @Override
  public long readU16(int address) {
    return readShort(address) & 0xFFFFL;
  }

  @Override
  public void writeShort(int address, short value) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 2) {
      try {
        SHORTS.set(writable(address >>> CHUNK_SHIFT), at, value);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 2);
      }
    } else {
      writeAcross(address, value, 2);
    }
  }

  @Override
  public int readInt(int address) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 4) {
      try {
        return (int) INTS.get(chunks[address >>> CHUNK_SHIFT], at);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 4);
      }
    }
    return (int) readAcross(address, 4);
  }

  @Override
  public void writeI32(int address, int value) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 4) {
      try {
        INTS.set(writable(address >>> CHUNK_SHIFT), at, value);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 4);
      }
    } else {
      writeAcross(address, value, 4);
    }
  }

  @Override
  public long readLong(int address) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 8) {
      try {
        return (long) LONGS.get(chunks[address >>> CHUNK_SHIFT], at);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 8);
      }
    }
    return readAcross(address, 8);
  }

  @Override
  public void writeLong(int address, long value) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 8) {
      try {
        LONGS.set(writable(address >>> CHUNK_SHIFT), at, value);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 8);
      }
    } else {
      writeAcross(address, value, 8);
    }
  }

  @Override
  public float readFloat(int address) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 4) {
      try {
        return (float) FLOATS.get(chunks[address >>> CHUNK_SHIFT], at);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 4);
      }
    }
    return Float.intBitsToFloat((int) readAcross(address, 4));
  }

  @Override
  public long readF32(int address) {
    return readInt(address);
  }

  @Override
  public void writeF32(int address, float value) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 4) {
      try {
        FLOATS.set(writable(address >>> CHUNK_SHIFT), at, value);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 4);
      }
    } else {
      writeAcross(address, Float.floatToRawIntBits(value), 4);
    }
  }

  @Override
  public double readDouble(int address) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 8) {
      try {
        return (double) DOUBLES.get(chunks[address >>> CHUNK_SHIFT], at);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 8);
      }
    }
    return Double.longBitsToDouble(readAcross(address, 8));
  }

  @Override
  public long readF64(int address) {
    return readLong(address);
  }

  @Override
  public void writeF64(int address, double value) {
    int at = address & CHUNK_MASK;
    if (at <= CHUNK - 8) {
      try {
        DOUBLES.set(writable(address >>> CHUNK_SHIFT), at, value);
      } catch (IndexOutOfBoundsException e) {
        throw outOfBounds(address, 8);
      }
    } else {
      writeAcross(address, Double.doubleToRawLongBits(value), 8);
    }
  }

  /** A little-endian value of {@code n} bytes that spans two chunks. */
  private long readAcross(int address, int n) {
    checkBounds(address, n, sizeInBytes(), WasmRuntimeException::new);
    long value = 0;
    for (int i = n - 1; i >= 0; i--) {
      value = value << 8 | read(address + i) & 0xFFL;
    }
    return value;
  }

  private void writeAcross(int address, long value, int n) {
    checkBounds(address, n, sizeInBytes(), WasmRuntimeException::new);
    for (int i = 0; i < n; i++) {
      writeByte(address + i, (byte) (value >>> 8 * i));
    }
  }

  // ---- bounds ----

  private static void checkBounds(int address, int size, int limit, Function<String, ChicoryException> failure) {
    if (address < 0 || size < 0 || (long) address + size > limit) {
      throw failure.apply(message(address, size, limit));
    }
  }

  private WasmRuntimeException outOfBounds(int address, int size) {
    return new WasmRuntimeException(message(address, size, sizeInBytes()));
  }

  private static String message(int address, int size, int limit) {
    return "out of bounds memory access: attempted to access address: " + address + " but limit is: " + limit
        + " and size: " + size;
  }
}
