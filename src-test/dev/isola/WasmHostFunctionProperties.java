package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.isola.LimitExceededException.Limit;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random arguments to every host function a Wasm guest can call, through a real module ({@code
 * extism-probe.wat}: Extism kernel functions and WASI functions, in random sequences), end in a
 * response or in one of Isola's documented exceptions, never in a host exception escaping, and the
 * same Isola keeps serving.
 */
class WasmHostFunctionProperties {
  private static final long PREVIOUS = -1L; // the probe's marker for "the previous result"
  private static final int OPERATIONS = 26;

  private static Isola isola;

  @BeforeContainer
  static void build() {
    // A timeout far longer than any program takes: a call that reaches it is a host function that
    // hangs, not a busy machine.
    Limits limits = Limits.defaults().toBuilder()
        .timeout(Duration.ofSeconds(30))
        .memory(DataSize.ofMiB(4))
        .maxResponseBody(DataSize.ofKiB(64))
        .maxLogLines(5)
        .build();
    isola = Isola.newBuilder()
        .route("POST /probe", Handler.wasm(Path.of("src-test/wasm/extism-probe.wasm")).export("probe")
            .config(java.util.Map.of("key", "value")).limits(limits))
        .route("GET /healthy", Handler.wasm(Path.of("src-test/wasm/wagi-hello.wasm")))
        .build();
  }

  @AfterContainer
  static void close() {
    isola.close();
  }

  record Op(long op, long a, long b) {}

  @Property(tries = 3000)
  void randomHostCalls_endInAResponseOrADocumentedException(@ForAll("programs") List<Op> program) {
    ByteBuffer input = ByteBuffer.allocate(program.size() * 24).order(ByteOrder.LITTLE_ENDIAN);
    program.forEach(op -> input.putLong(op.op()).putLong(op.a()).putLong(op.b()));
    Request request = Request.newBuilder().method("POST").target("/probe").body(input.array()).build();
    try {
      Response response = isola.handle(request);
      assertEquals(200, response.status());
    } catch (GuestException e) {
      assertFalse(e.getMessage().contains("Exception"), "a host exception leaked into: " + e.getMessage());
    } catch (LimitExceededException e) {
      assertNotEquals(Limit.TIMEOUT, e.limit(), e.getMessage());
    }
    // Anything else (an IsolaException from inside Isola, a RuntimeException, an Error) fails the property.
    assertEquals(200, isola.handle(Request.get("/healthy")).status());
  }

  @Provide
  Arbitrary<List<Op>> programs() {
    Arbitrary<Long> op = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(20, Arbitraries.longs().between(0, OPERATIONS - 1)),
        net.jqwik.api.Tuple.of(1, Arbitraries.longs()));
    Arbitrary<Long> arg = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(PREVIOUS)),
        net.jqwik.api.Tuple.of(4, Arbitraries.of(0L, 1L, 7L, 8L, 16L, 24L, 0x1000L, 0x1008L, 0x1010L, 65_535L, 65_536L,
            131_072L, 1L << 20, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 0xffff_ffffL)),
        net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(0, 0x3000)),
        net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(0, 140_000)),
        net.jqwik.api.Tuple.of(1, Arbitraries.longs()));
    return Combinators.combine(op, arg, arg).as(Op::new).list().ofMinSize(1).ofMaxSize(12);
  }
}
