package dev.isola.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isola.CapabilityDeniedException;
import dev.isola.Fuzz;
import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.internal.engine.GuestLog;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.NOPLogger;

/** Fuzz targets of the Wasm ABIs' host side: CGI output parsing and every Extism kernel function. */
class WasmFuzzTest {
  @Test
  void cgiParser_answersOrRefusesAsAGuestError() {
    SplittableRandom random = Fuzz.random("CGI output");
    for (int i = 0; i < Fuzz.inputs(); i++) {
      byte[] out = Fuzz.bytes(random, 300, "Status: 404\r\n\nLocation:Content-Type: text/x\t ");
      try {
        int status = Cgi.parse("/r", "p", out, out.length, 256).status();
        assertEquals(true, status >= 100 && status <= 599);
      } catch (GuestException | LimitExceededException expected) {
        // refused with a message
      }
    }
  }

  @Test
  void extismKernel_randomCalls_endInDocumentedErrorsOnly() {
    SplittableRandom random = Fuzz.random("Extism kernel");
    long[] specials = {0, 1, 8, 0x1000, 0x1008, -1, Long.MAX_VALUE, Long.MIN_VALUE, 0xffff_ffffL};
    for (int i = 0; i < Fuzz.inputs(); i++) {
      ExtismKernel k = new ExtismKernel("/r", "p.wasm", Fuzz.bytes(random, 64, "abc"), Map.of("k", "v"),
          Map.of("request.method", "GET".getBytes()), 1 << 20, 1 << 16, new GuestLog(NOPLogger.NOP_LOGGER, 3));
      long last = 0;
      for (int op = 0; op < 12; op++) {
        long a = random.nextInt(3) == 0 ? last : random.nextBoolean() ? specials[random.nextInt(specials.length)]
            : random.nextLong(0, 0x2000);
        long b = random.nextBoolean() ? random.nextLong(0, 64) : specials[random.nextInt(specials.length)];
        try {
          last = switch (random.nextInt(16)) {
            case 0 -> k.alloc(b);
            case 1 -> { k.free(a); yield 0; }
            case 2 -> k.length(a);
            case 3 -> k.loadU8(a);
            case 4 -> k.loadU64(a);
            case 5 -> { k.storeU8(a, (int) b); yield 0; }
            case 6 -> { k.storeU64(a, b); yield 0; }
            case 7 -> k.inputLoadU8(a);
            case 8 -> k.inputLoadU64(a);
            case 9 -> { k.outputSet(a, b); yield 0; }
            case 10 -> { k.errorSet(a); yield 0; }
            case 11 -> k.configGet(a);
            case 12 -> k.varGet(a);
            case 13 -> { k.varSet(a, b); yield 0; }
            case 14 -> k.errorGet();
            default -> { k.logInfo(a); yield 0; }
          };
        } catch (GuestException | LimitExceededException | CapabilityDeniedException expected) {
          // refused with a message
        }
      }
    }
  }
}
