package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.isola.LimitExceededException.Limit;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target of the host functions a Wasm guest calls (Extism's, Isola's key-value store, WASI),
 * through the real {@code extism-probe.wasm}: random programs of calls with random arguments end in
 * a response or a documented exception, and the Isola keeps serving.
 */
class HostFunctionFuzzTest {
  private static final long[] SPECIAL = {-1, 0, 1, 8, 24, 0x1000, 0x1008, 65_535, 65_536, 131_072, 1L << 32,
      Long.MAX_VALUE, Long.MIN_VALUE, 0xffff_ffffL};

  @Test
  void randomHostCallPrograms_answerOrFailWithDocumentedExceptions() {
    // A timeout far longer than any program takes: a call that reaches it is a host function that
    // hangs, not a busy machine.
    Limits limits = Limits.defaults().toBuilder().timeout(Duration.ofSeconds(30)).memory(DataSize.ofMiB(4))
        .maxResponseBody(DataSize.ofKiB(64)).maxLogLines(2).build();
    try (Isola isola = Isola.newBuilder()
        .route("POST /probe", Handler.wasm(Path.of("src-test/wasm/extism-probe.wasm")).export("probe")
            .config(Map.of("key", "value")).limits(limits))
        .route("GET /healthy", Handler.wasm(Path.of("src-test/wasm/wagi-hello.wasm")))
        .build()) {
      SplittableRandom random = Fuzz.random("host functions");
      for (int i = 0; i < Fuzz.inputs(); i++) {
        int ops = 1 + random.nextInt(10);
        ByteBuffer program = ByteBuffer.allocate(ops * 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int op = 0; op < ops; op++) {
          program.putLong(random.nextInt(20) == 0 ? random.nextLong() : random.nextInt(26));
          program.putLong(argument(random)).putLong(argument(random));
        }
        try {
          assertEquals(200, isola.handle(Request.newBuilder().method("POST").target("/probe")
              .body(program.array()).build()).status());
        } catch (GuestException e) {
          assertFalse(e.getMessage().contains("Exception"), "a host exception leaked into: " + e.getMessage());
        } catch (LimitExceededException e) {
          assertNotEquals(Limit.TIMEOUT, e.limit(), e.getMessage());
        }
        if (i % 1000 == 999) {
          assertEquals(200, isola.handle(Request.get("/healthy")).status());
        }
      }
    }
  }

  private static long argument(SplittableRandom random) {
    return switch (random.nextInt(5)) {
      case 0 -> -1; // the probe's "previous result"
      case 1 -> SPECIAL[random.nextInt(SPECIAL.length)];
      case 2 -> random.nextLong(0, 0x3000);
      case 3 -> random.nextLong(0, 140_000);
      default -> random.nextLong();
    };
  }
}
