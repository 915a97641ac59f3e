package dev.isola.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.GuestException;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.capability.counter.CounterCapability;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests and failing implementations against host interfaces: what a handler or plugin can
 * learn of the host, and what it can make the host do, through {@code env.NAME.op}, {@code
 * isola:host/NAME.op} and {@code extism:host/user}.
 */
class HostInterfaceHostileTest {
  private static final Path WASM = Path.of("src-test/wasm");
  private static final String SECRET = "password=hunter2";

  /** What the guests call; named billing/invoice so that extism-user.wasm links against it. */
  public interface Billing {
    String invoice(String kind, long cents);

    default double scale(double x) {
      return x * 2;
    }
  }

  /** An Error of the application's own, as a library might throw. */
  static final class VaultError extends Error {
    private static final long serialVersionUID = 1L;

    VaultError(String message) {
      super(message);
    }
  }

  /** Throws any Throwable, checked or not, as some libraries do. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  /** Fails the way {@code kind} names, every message holding the secret. */
  static final class Failing implements Billing {
    @Override
    public String invoice(String kind, long cents) {
      return switch (kind) {
        case "error" -> throw new VaultError(SECRET);
        case "assert" -> throw new AssertionError(SECRET);
        case "oom" -> throw new OutOfMemoryError(SECRET);
        case "overflow" -> invoice(kind, cents + 1) + SECRET;
        case "throwable" -> throw sneaky(new Throwable(SECRET));
        case "deny\r\nWARN forged\u2028line" -> throw new dev.isola.CapabilityDeniedException("customer " + kind
            + " is not this route's");
        default -> "inv-" + kind + "-" + cents;
      };
    }
  }

  private Isola isola;

  @AfterEach
  void close() {
    if (isola != null) {
      isola.close();
    }
  }

  private Isola isola(Billing billing, Handler handler) {
    isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, billing))
        .capability(new CounterCapability())
        .route("/x", handler.grants(Grants.hostInterface("billing")))
        .build();
    return isola;
  }

  @Test
  void anErrorOfTheImplementationNeverReachesTheGuest() {
    String out = isola(new Failing(), Handler.javascript("h.js", "export default { async fetch(req, env) {"
        + " const out = [];"
        + " for (const k of ['error', 'assert', 'oom', 'overflow', 'throwable']) {"
        + "  try { await env.billing.invoice(k, 1); out.push('no'); }"
        + "  catch (e) { out.push(String(e.name) + ': ' + e.message + ' ' + e.stack); } }"
        + " return new Response(out.join('|')); } }"))
        .handle(Request.get("/x")).bodyText();
    assertFalse(out.contains("hunter2") || out.contains("java.") || out.contains("VaultError"), out);
    assertEquals(5, out.split("Error: billing.invoice failed \\(the host logged why\\) Error:", -1).length - 1, out);
  }

  @Test
  void anErrorOfTheImplementationNeverReachesAnExtismPlugin() {
    isola(new Failing(), Handler.wasm(WASM.resolve("extism-user.wasm")).export("invoice"));
    for (String kind : List.of("error", "assert", "oom", "overflow", "throwable")) {
      GuestException e = assertThrows(GuestException.class,
          () -> isola.handle(Request.post("/x", "[\"" + kind + "\", 1]")), kind);
      assertTrue(e.getMessage().contains("host function billing_invoice failed: billing.invoice failed"
          + " (the host logged why)") && !e.getMessage().contains("hunter2"), e.getMessage());
    }
    assertEquals("\"inv-ok-2\"", isola.handle(Request.post("/x", "[\"ok\", 2]")).bodyText());
  }

  /** What scale was called with: nothing a double cannot hold should get there. */
  private final List<Double> scaled = new CopyOnWriteArrayList<>();

  /** The routes of extism-capability-hostile.wasm, one per export; args_loop has 2 s, the rest 60. */
  private Isola hostileWasm() {
    Billing billing = new Billing() {
      @Override
      public String invoice(String kind, long cents) {
        return "inv-" + kind + "-" + cents;
      }

      @Override
      public double scale(double x) {
        scaled.add(x);
        return 1;
      }
    };
    Isola.Builder b = Isola.newBuilder().capability(HostInterface.of("billing", Billing.class, billing));
    for (String export : List.of("args_oob", "args_huge", "args_neg_ptr", "out_oob", "out_small", "error_first",
        "error_oob", "deep", "not_utf8", "infinity", "args_loop", "user_garbage", "user_freed", "user_reuse")) {
      b.route("/" + export, Handler.wasm(WASM.resolve("extism-capability-hostile.wasm")).export(export)
          .grants(Grants.hostInterface("billing"))
          .limits(Limits.defaults().toBuilder().timeout(Duration.ofSeconds(export.equals("args_loop") ? 2 : 60))
              .build()));
    }
    isola = b.build();
    return isola;
  }

  /** The i64 the export's last host call answered. */
  private long code(String export) {
    byte[] body = isola.handle(Request.get("/" + export)).bodyBytes();
    assertEquals(8, body.length, export);
    return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private void traps(String export, String what) {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/" + export)), export);
    assertTrue(e.getMessage().contains(what), e.getMessage());
  }

  @Test
  void wasmPointersAndLengthsOutsideMemoryTrap() {
    hostileWasm();
    traps("args_oob", "trapped: out of bounds memory access: isola host function read 100 bytes at 1114100");
    traps("args_neg_ptr", "trapped: out of bounds memory access: isola host function read 1 bytes at 4294967295");
    traps("out_oob", "trapped: out of bounds memory access: isola host function wrote 11 bytes at 1114106");
    traps("error_oob", "trapped: out of bounds memory access: isola host function wrote");
    assertEquals(11, code("out_small")); // "inv-c-1-5" does not fit in 2 bytes: its length, nothing written
    assertEquals(0, code("error_first"));
  }

  @Test
  void wasmArgumentsThatAreNotJsonAreInvalid() {
    hostileWasm();
    assertEquals(-3, code("deep"));
    assertEquals(-3, code("not_utf8"));
  }

  @Test
  void wasmExtismBlocksThatAreNoArgumentsFailTheCall() {
    hostileWasm();
    traps("user_garbage", "billing_invoice at offset 9223372036854775552 (0x7fffffffffffff00): expected the start"
        + " of a block");
    traps("user_freed", "which was freed");
    traps("user_reuse", "host function billing_invoice failed: the arguments must be a JSON array");
  }

  @Test
  void wasmArgumentsInALoopEndAtTheTimeout() {
    hostileWasm();
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(Request.get("/args_loop")));
    assertEquals(LimitExceededException.Limit.TIMEOUT, e.limit());
  }

  @Test
  void wasmArgumentsLongerThanTheHostTakesAreInvalidNotAHostFailure() {
    hostileWasm();
    assertEquals(-3, code("args_huge"));
  }

  @Test
  void numbersBeyondADoubleAreInvalid() {
    hostileWasm();
    assertEquals(-3, code("infinity"));
    assertEquals(List.of(), scaled);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.isola.internal.json.Json.parse("{\"a\": [1, -1e400]}"));
    assertEquals("malformed JSON at character 10: the number -1e400 is beyond a double's range (about ±1.8e308)",
        e.getMessage());
  }

  /** Numbers at the edges of what the operation's types hold. */
  public interface Numbers {
    long big(long n);

    float narrow(float x);
  }

  private String numbers(String code) {
    List<Float> seen = new CopyOnWriteArrayList<>();
    Numbers numbers = new Numbers() {
      @Override
      public long big(long n) {
        return n == 0 ? Long.MAX_VALUE : n == 1 ? -(1L << 53) : (1L << 53) - 1;
      }

      @Override
      public float narrow(float x) {
        seen.add(x);
        return 0;
      }
    };
    isola = Isola.newBuilder().capability(HostInterface.of("numbers", Numbers.class, numbers))
        .route("/x", Handler.javascript("n.js", code).grants(Grants.hostInterface("numbers")))
        .build();
    String out = isola.handle(Request.get("/x")).bodyText();
    return out + (seen.isEmpty() ? "" : " seen " + seen);
  }

  @Test
  void anIntegerResultBeyondTheSafeRangeFailsRatherThanRounds() {
    assertEquals("Error: numbers.big failed (the host logged why)|Error: numbers.big failed (the host logged why)"
        + "|9007199254740991", numbers("export default { async fetch(req, env) { const out = [];"
        + " for (const n of [0, 1, 2]) { try { out.push(String(await env.numbers.big(n))); }"
        + "  catch (e) { out.push(e.name + ': ' + e.message); } }"
        + " return new Response(out.join('|')); } }"));
  }

  @Test
  void aFloatParameterIsNotGivenInfinityForAFiniteDouble() {
    assertEquals("Error: numbers.narrow: argument 1 (1.0E300) is out of the range of a float|0",
        numbers("export default { async fetch(req, env) { const out = [];"
        + " for (const x of [1e300, 3.4e38]) { try { out.push(String(await env.numbers.narrow(x))); }"
        + "  catch (e) { out.push(e.name + ': ' + e.message); } }"
        + " return new Response(out.join('|')); } }").replace(" seen [3.4E38]", ""));
  }

  @Test
  void aDenialOfTheImplementationIsLoggedOnOneLine() {
    // The denial is logged: the customer the guest chose, quoted in it, must not start log lines of its own.
    isola(new Failing(), Handler.javascript("d.js", "export default { async fetch(req, env) {"
        + " return new Response(await env.billing.invoice('deny\\r\\nWARN forged\\u2028line', 1)); } }"));
    dev.isola.CapabilityDeniedException e = assertThrows(dev.isola.CapabilityDeniedException.class,
        () -> isola.handle(Request.get("/x")));
    assertEquals("customer deny\\u000d\\u000aWARN forged\\u2028line is not this route's", e.getMessage());
    assertEquals(Map.of("/x", 1L), isola.capabilityDenials());
  }

  /** Parameters whose Java type is narrower than the operation's type. */
  public interface Typed {
    long keys(Map<String, Object> object);

    long small(int n);
  }

  @Test
  void argumentsThatDoNotFitTheJavaParameterAreInvalidNotFailures() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    Typed typed = new Typed() {
      @Override
      public long keys(Map<String, Object> object) {
        return object.size();
      }

      @Override
      public long small(int n) {
        return n;
      }
    };
    isola = Isola.newBuilder().metrics(dev.isola.metrics.IsolaMetrics.micrometer(registry))
        .capability(HostInterface.of("typed", Typed.class, typed))
        .route("/x", Handler.javascript("t.js", "export default { async fetch(req, env) { const out = [];"
            + " for (const f of [() => env.typed.keys([1]), () => env.typed.small(2 ** 31), () => env.typed.keys({a: 1})]) {"
            + "  try { out.push(String(await f())); } catch (e) { out.push(e.message); } }"
            + " return new Response(out.join('|')); } }").grants(Grants.hostInterface("typed")))
        .build();
    assertEquals("typed.keys: argument 1 must be a JSON object|typed.small: argument 1 (2147483648) is out of the"
        + " range of an int|1", isola.handle(Request.get("/x")).bodyText());
    assertEquals(List.of("keys", "small"), registry.get("isola.capability.calls").tag("outcome", "invalid").timers()
        .stream().map(t -> t.getId().getTag("operation")).sorted().toList());
    assertEquals(0, registry.find("isola.capability.calls").tag("outcome", "failed").timers().size());
  }

  /** Denies every use on calls narrowed to "none", from narrow rather than invoke. */
  static final class Gate implements Capability<NamedGrant, String> {
    @Override
    public String name() {
      return "gate";
    }

    @Override
    public Class<NamedGrant> grantType() {
      return NamedGrant.class;
    }

    @Override
    public List<Operation> operations() {
      return List.of(Operation.of("open", Operation.Type.STRING));
    }

    @Override
    public String resolve(String route, List<NamedGrant> grants) {
      return "all";
    }

    @Override
    public String narrow(String granted, @org.jspecify.annotations.Nullable Object narrowing) {
      if ("none".equals(narrowing)) {
        throw new dev.isola.CapabilityDeniedException("this call may not open the gate");
      }
      return granted;
    }

    @Override
    public Object invoke(Invocation<String> invocation) {
      return "open";
    }
  }

  @Test
  void aDenialFromNarrowIsCountedLikeEveryDenial() {
    isola = Isola.newBuilder().capability(new Gate())
        .route("/x", Handler.javascript("g.js", "export default { async fetch(req, env) {"
            + " try { return new Response(await env.gate.open()); } catch (e) { return new Response(e.name); } } }")
            .grants(Grants.hostInterface("gate")))
        .build();
    assertEquals("open", isola.handle(Request.get("/x")).bodyText());
    assertEquals("CapabilityDeniedError", isola.handle(Request.get("/x"),
        dev.isola.CallOptions.newBuilder().narrow("gate", "none").build()).bodyText());
    assertEquals(Map.of("/x", 1L), isola.capabilityDenials());
  }

  @Test
  void extismArgumentsAreBoundedLikeIsolaHostArguments() {
    // Parsed, 1 MiB of "{}," is some 30 MiB of maps on the host's heap: a block of the plugin's whole
    // memory would be gigabytes. extism:host/user takes at most what isola:host/NAME.op takes.
    isola(new Failing(), Handler.wasm(WASM.resolve("extism-user.wasm")).export("invoice"));
    String big = "[\"" + "x".repeat(1 << 20) + "\", 1]";
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.post("/x", big)));
    assertTrue(e.getMessage().contains("host function billing_invoice failed: billing.invoice: " + big.length()
        + " bytes of arguments is more than the 1048576 it takes"), e.getMessage());
    String fits = "[\"" + "x".repeat((1 << 20) - 16) + "\", 1]";
    assertEquals("\"inv-" + "x".repeat((1 << 20) - 16) + "-1\"", isola.handle(Request.post("/x", fits)).bodyText());
  }

  @Test
  void aJavaScriptHandlerThatRewritesBuiltInsReachesNothingMore() {
    isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, new Failing()))
        .capability(new CounterCapability())
        .route("/x", Handler.javascript("t.js", """
            export default { async fetch(req, env) {
              let out = "";
              const t = async (f) => {
                try { const v = await f(); out += "|" + (typeof v === "string" ? v : typeof v); }
                catch (e) { out += "|" + e.name + ": " + e.message; }
              };
              JSON.stringify = () => '["forged", 1]';
              JSON.parse = () => "forged";
              let seen = ""; // JSON text or a result the binding handled, if an index accessor saw one
              const spy = (v) => { if (typeof v === "string" && (v.includes("inv-") || v.includes('"'))) seen += v; };
              Object.defineProperty(Array.prototype, "0", { set: spy, configurable: true });
              Object.defineProperty(Array.prototype, "1", { set: spy, configurable: true });
              Array.prototype[Symbol.iterator] = function* () { yield "forged"; };
              Object.prototype.toJSON = function () { return "forged"; };
              await t(() => env.billing.invoice("a", 1));
              await t(() => env.billing.invoice.call({ billing: 1 }, "b", -0));
              await t(() => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(env), "counter").get.call(env));
              await t(() => env.billing.invoice({ toString() { return "c"; } }, 1));
              await t(() => env.billing.invoice(new Proxy(["p"], {}), 1));
              await t(() => env.billing.invoice("d", 2 ** 53));
              await t(() => env.billing.invoice("d", 1n));
              await t(async () => (await env.billing.invoice("\ud800", 1)) === "inv-\ud800-1" ? "lone surrogate kept" : "lost");
              await t(() => env.billing.scale(1e308));
              return new Response(out + "|seen: " + seen);
            } }""").grants(Grants.hostInterface("billing")))
        .build();
    assertEquals("|inv-a-1|inv-b-0"
        + "|CapabilityDeniedError: route \"/x\": the handler read env.counter, but the capability \"counter\" is not"
        + " granted to it; grant it with a CounterGrant for it (it cannot be written in isola.toml) in isola.toml or a"
        + " CounterGrant in Java"
        + "|TypeError: billing.invoice: argument 1 must be a string, got an object ({  })" // the handler broke inspect
        + "|TypeError: billing.invoice: argument 1 must be a string, got an array"
        + "|TypeError: billing.invoice: argument 2 must be a safe integer, got a number (9007199254740992)"
        + "|TypeError: billing.invoice: argument 2 must be a safe integer, got a bigint (1n)"
        + "|lone surrogate kept|Error: billing.scale failed (the host logged why)|seen: ",
        isola.handle(Request.get("/x")).bodyText());
    assertEquals(Map.of("/x", 1L), isola.capabilityDenials());
  }

  /** Bytes and a JSON value after them, whose toJSON runs between the check of the bytes and their use. */
  public interface Blobs {
    long size(byte[] data, Object meta);
  }

  @Test
  void aDetachedArrayBufferIsEmptyBytesNotAHostFailure() {
    isola = Isola.newBuilder().capability(HostInterface.of("blobs", Blobs.class, (data, meta) -> data.length))
        .route("/x", Handler.javascript("b.js", """
            export default { async fetch(req, env) {
              const gone = new ArrayBuffer(8);
              gone.transfer();
              const later = new ArrayBuffer(8); // detached by the next argument's toJSON, after its check
              return new Response(await env.blobs.size(gone, 1) + " "
                + await env.blobs.size(later, { toJSON() { later.transfer(); return 1; } }));
            } }""").grants(Grants.hostInterface("blobs")))
        .build();
    assertEquals("0 0", isola.handle(Request.get("/x")).bodyText());
  }
}
