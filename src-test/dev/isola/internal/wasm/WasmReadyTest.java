package dev.isola.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isola.DataSize;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.Watchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Instances built ahead of their calls: each serves one call, and a call never depends on one. */
class WasmReadyTest {
  private static final Path WASM = Path.of("src-test/wasm");

  private final Watchdog watchdog = new Watchdog("test-watchdog");
  private final SandboxPreparer preparer = new SandboxPreparer(1, "test-prepare");
  private final WasmEngine engine = new WasmEngine(watchdog, Clock.systemUTC(), preparer);

  @AfterEach
  void close() {
    engine.close();
    preparer.close();
    watchdog.close();
  }

  private WasmHandler plugin(String file, String export) {
    return prepare(file, Handler.wasm(WASM.resolve(file)).export(export));
  }

  private WasmHandler prepare(String file, Handler handler) {
    try {
      return (WasmHandler) engine.prepare("/r", handler, Files.readAllBytes(WASM.resolve(file)), Limits.defaults());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Call call(Limits limits) {
    return new Call("/r", Request.get("/r"), Map.of(), "", "id", limits, System.nanoTime() + 10_000_000_000L);
  }

  private static String answer(WasmHandler handler) {
    return handler.call(call(Limits.defaults())).bodyText();
  }

  private static void awaitReady(WasmHandler handler) throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L; // only a preparer that builds nothing waits this long
    while (handler.readyCount() == 0 && System.nanoTime() - end < 0) {
      Thread.sleep(5);
    }
    assertEquals(1, handler.readyCount(), "no instance was built ahead within 30 s");
  }

  @Test
  void call_findsAReadyInstance_andTheNextOneIsBuilt() throws InterruptedException {
    WasmHandler counter = plugin("extism-counter.wasm", "count");
    awaitReady(counter);

    assertEquals("1", answer(counter));

    assertEquals(1, counter.readyTaken.sum());
    awaitReady(counter);
  }

  @Test
  void readyInstances_areFresh_onEveryCall() throws InterruptedException {
    WasmHandler extism = plugin("extism-counter.wasm", "count");
    WasmHandler wagi = prepare("wagi-counter.wasm", Handler.wasm(WASM.resolve("wagi-counter.wasm")));
    for (int i = 0; i < 5; i++) {
      awaitReady(extism);
      awaitReady(wagi);
      assertEquals("1", answer(extism));
      assertEquals("global=1 memory=1\n", answer(wagi));
      assertEquals("1", answer(extism)); // right after: the pool may be empty, the call builds its own
    }
    assertEquals(5, wagi.readyTaken.sum());
  }

  @Test
  void failedCall_onAReadyInstance_leavesNothingForTheNextCall() throws InterruptedException {
    WasmHandler counter = plugin("extism-counter.wasm", "count");
    awaitReady(counter);
    Limits noOutput = Limits.defaults().toBuilder().maxResponseBody(DataSize.ofBytes(0)).build();

    // The counter is incremented before output_set fails.
    assertThrows(LimitExceededException.class, () -> counter.call(call(noOutput)));
    awaitReady(counter);

    assertEquals("1", answer(counter));
    assertEquals(2, counter.readyTaken.sum());
  }

  @Test
  void close_discardsTheReadyInstances() throws InterruptedException {
    WasmHandler counter = plugin("extism-counter.wasm", "count");
    awaitReady(counter);

    engine.close();

    assertEquals(0, counter.readyCount());
  }

  @Test
  void failingBackgroundBuild_leavesTheCallToBuildItsOwn() throws InterruptedException {
    WasmHandler counter = prepare("extism-counter.wasm",
        Handler.wasm(WASM.resolve("extism-counter.wasm")).export("count"));
    counter.closePool();
    counter.prepareAhead(preparer, () -> {
      throw new IllegalStateException("a build that fails in the background");
    });
    Thread.sleep(50);

    assertEquals("1", answer(counter));
    assertEquals("1", answer(counter));

    assertEquals(0, counter.readyTaken.sum());
  }

  @Test
  void moduleWithAStartFunction_isNeverBuiltAhead() throws InterruptedException {
    WasmHandler start = plugin("extism-start.wasm", "count");
    Thread.sleep(50);

    assertEquals(0, start.readyCount());
    assertEquals("2", answer(start));
    assertEquals("2", answer(start));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void counters_answerOne_onEveryCall(int readySandboxes) throws InterruptedException {
    try (Isola isola = Isola.newBuilder().readySandboxes(readySandboxes)
        .route("/wagi", Handler.wasm(WASM.resolve("wagi-counter.wasm")))
        .route("/extism", Handler.wasm(WASM.resolve("extism-counter.wasm")).export("count"))
        .build()) {
      for (int i = 0; i < 20; i++) {
        assertEquals("global=1 memory=1\n", isola.handle(Request.get("/wagi")).bodyText());
        assertEquals("1", isola.handle(Request.get("/extism")).bodyText());
        if (i % 4 == 0) {
          Thread.sleep(5); // now and then long enough for instances to be built ahead
        }
      }
    }
  }
}
