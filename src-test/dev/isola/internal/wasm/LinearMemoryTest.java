package dev.isola.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@link LinearMemory} against Chicory's {@link ByteArrayMemory} as the model, operation by operation. */
class LinearMemoryTest {
  private static final int PAGE = Memory.PAGE_SIZE;

  private static DataSegment[] segments(SplittableRandom random) {
    byte[] text = new byte[1 + random.nextInt(3 * LinearMemory.CHUNK)];
    random.nextBytes(text);
    byte[] passive = new byte[64];
    random.nextBytes(passive);
    return new DataSegment[] {
        active(random.nextInt(PAGE), text), new PassiveDataSegment(passive), active(PAGE - 3, new byte[] {1, 2, 3})};
  }

  private static ActiveDataSegment active(int offset, byte[] data) {
    return new ActiveDataSegment(0, List.of(new Instruction(0, OpCode.I32_CONST, new long[] {offset})), data);
  }

  @Test
  void randomOperations_matchByteArrayMemory() {
    for (long seed = 0; seed < 40; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      MemoryLimits limits = new MemoryLimits(2, 5);
      LinearMemory.Image image = new LinearMemory.Image();
      DataSegment[] segments = segments(new SplittableRandom(seed));
      // Two lazy memories of one module: the first records the image, the second starts from it.
      for (int instance = 0; instance < 2; instance++) {
        Memory model = new ByteArrayMemory(limits);
        LinearMemory lazy = new LinearMemory(limits, 5, image);
        model.initialize(null, segments.clone());
        lazy.initialize(null, segments.clone());
        for (int op = 0; op < 400; op++) {
          apply(random, model, lazy, "seed " + seed + " op " + op);
        }
        assertArrayEquals(model.readBytes(0, model.pages() * PAGE), lazy.readBytes(0, lazy.pages() * PAGE),
            "seed " + seed);
      }
    }
  }

  /** One random operation on both memories; both must answer alike, or fail alike. */
  private static void apply(SplittableRandom random, Memory model, LinearMemory lazy, String where) {
    int size = model.pages() * PAGE;
    int address = random.nextInt(8) == 0 ? size - random.nextInt(16) : near(random, size);
    long value = random.nextLong();
    int length = random.nextInt(4) == 0 ? random.nextInt(3 * LinearMemory.CHUNK) : random.nextInt(16);
    int other = near(random, size);
    int kind = random.nextInt(18);
    byte fillValue = random.nextInt(3) == 0 ? 0 : (byte) value;
    boolean grow = random.nextInt(30) == 0;
    Function<Memory, Object> op = switch (kind) {
      case 0 -> m -> { m.writeByte(address, (byte) value); return null; };
      case 1 -> m -> { m.writeShort(address, (short) value); return null; };
      case 2 -> m -> { m.writeI32(address, (int) value); return null; };
      case 3 -> m -> { m.writeLong(address, value); return null; };
      case 4 -> m -> { m.writeF32(address, Float.intBitsToFloat((int) value)); return null; };
      case 5 -> m -> { m.writeF64(address, Double.longBitsToDouble(value)); return null; };
      case 6 -> m -> m.read(address);
      case 7 -> m -> m.readShort(address) + "/" + m.readU16(address);
      case 8 -> m -> m.readInt(address) + "/" + m.readF32(address);
      case 9 -> m -> m.readLong(address) + "/" + m.readF64(address);
      case 10 -> m -> Float.floatToRawIntBits(m.readFloat(address)) + "/"
          + Double.doubleToRawLongBits(m.readDouble(address));
      case 11 -> m -> Arrays.hashCode(m.readBytes(address, length));
      case 12 -> m -> { m.fill(fillValue, address, address + length); return null; };
      case 13 -> m -> { m.copy(other, address, length); return null; };
      case 14 -> m -> { m.write(address, new byte[length + 2], 1, length); return null; };
      case 16 -> m -> { m.initPassiveSegment(1, address, 3, Math.min(length, 61)); return null; };
      case 17 -> m -> { m.drop(1); return null; };
      default -> m -> grow ? m.grow(1) : m.pages();
    };
    assertEquals(run(op, model), run(op, lazy), where + " kind " + kind);
  }

  private static int near(SplittableRandom random, int size) {
    int chunk = random.nextInt(size / LinearMemory.CHUNK + 1) * LinearMemory.CHUNK;
    return chunk + random.nextInt(-8, 9);
  }

  private static Object run(Function<Memory, Object> op, Memory memory) {
    try {
      return op.apply(memory);
    } catch (RuntimeException e) {
      // Chicory reads a value that spans pages byte by byte and names the first byte outside; the
      // trap itself is what must match.
      String message = String.valueOf(e.getMessage());
      return e.getClass().getSimpleName() + ": "
          + (message.startsWith("out of bounds memory access") ? "out of bounds memory access" : message);
    }
  }

  @Test
  void copy_overlapping_movesLikeMemmove() {
    LinearMemory memory = new LinearMemory(new MemoryLimits(1, 1), 1, new LinearMemory.Image());
    byte[] data = new byte[3 * LinearMemory.CHUNK];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    memory.write(100, data);
    memory.copy(150, 100, data.length);
    assertArrayEquals(data, memory.readBytes(150, data.length));
    memory.copy(90, 150, data.length);
    assertArrayEquals(data, memory.readBytes(90, data.length));
  }

  @Test
  void untouchedMemory_ownsNoChunks_andReadsZero() {
    LinearMemory memory = new LinearMemory(new MemoryLimits(16, 16), 16, new LinearMemory.Image());
    memory.zero();
    assertEquals(0, memory.readLong(16 * PAGE - 8));
    memory.writeI32(70_000, 1);
    assertEquals(LinearMemory.CHUNK, memory.ownedBytes());
  }

  @Test
  void secondInstance_startsFromTheImage_andItsWritesStayItsOwn() {
    LinearMemory.Image image = new LinearMemory.Image();
    DataSegment[] segments = {active(10, new byte[] {42, 43})};
    LinearMemory first = new LinearMemory(new MemoryLimits(1, 1), 1, image);
    first.initialize(null, segments.clone());
    first.writeByte(10, (byte) 7);
    LinearMemory second = new LinearMemory(new MemoryLimits(1, 1), 1, image);
    second.initialize(null, segments.clone());
    assertEquals(0, second.ownedBytes());
    assertEquals(42, second.read(10));
    second.writeByte(11, (byte) 9);
    LinearMemory third = new LinearMemory(new MemoryLimits(1, 1), 1, image);
    third.initialize(null, segments.clone());
    assertEquals(42, third.read(10));
    assertEquals(43, third.read(11));
    assertEquals(0, new LinearMemory(new MemoryLimits(1, 1), 1, new LinearMemory.Image()).read(10));
  }

  @Test
  void dataSegmentOutOfBounds_isUninstantiable_andRecordsNoImage() {
    LinearMemory.Image image = new LinearMemory.Image();
    DataSegment[] segments = {active(PAGE - 1, new byte[] {1, 2})};
    assertThrows(UninstantiableException.class,
        () -> new LinearMemory(new MemoryLimits(1, 1), 1, image).initialize(null, segments.clone()));
    assertThrows(UninstantiableException.class,
        () -> new LinearMemory(new MemoryLimits(1, 1), 1, image).initialize(null, segments.clone()));
  }

  @Test
  void grow_pastTheCap_isRefused_andRemembered() {
    LinearMemory memory = new LinearMemory(new MemoryLimits(1, 3), 10, new LinearMemory.Image());
    assertEquals(1, memory.grow(2));
    assertEquals(-1, memory.grow(1));
    assertEquals(4, memory.refusedPages());
    assertEquals(-1, memory.grow(-1));
    assertEquals(4, memory.refusedPages()); // past the module's own maximum: the guest's error, not the cap
    assertEquals(0, memory.readLong(3 * PAGE - 8));
  }
}
