package dev.isola.internal.js;

import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.capability.RouteCapabilities;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.GuestEngine;
import dev.isola.internal.engine.PreparedHandler;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.GuestThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * JavaScript handlers on GraalJS: one shared {@link Engine} (and so one code cache) per {@code
 * Isola}, each handler's {@link Source} parsed once, and a new {@link Context} for every call.
 *
 * <p>Contexts run under {@link SandboxPolicy#CONSTRAINED}: no host class lookup, no IO, no threads,
 * no native access, no polyglot eval. On top of that the builtins a handler has no use for and that
 * reach outside the sandbox ({@code load}, {@code print}, GraalJS' own {@code console} and {@code
 * Graal} object, {@code WebAssembly}) are switched off; Isola's runtime script supplies the Web APIs.
 */
public final class JsEngine implements GuestEngine {
  static final String RUNTIME_RESOURCE = "isola-runtime.js";
  static final String WARM_UP_RESOURCE = "isola-warm-up.js";
  static final String MODULE_MIME_TYPE = "application/javascript+module";

  private final Engine engine;
  private final Source runtime;
  /** The threads guest code runs on (every call, check and build ahead). */
  private final GuestThreads guests;
  /** Stops guests that Truffle's cancel does not (see {@link GuestStop}). */
  private final GuestStop.Control stop;
  /** Builds contexts ahead of their calls; {@link SandboxPreparer#NONE} for none. */
  private final SandboxPreparer preparer;
  private final java.time.@org.jspecify.annotations.Nullable Clock fixedClock;
  /** The application capabilities' names, packed, for the runtime's start. */
  private final String extensionNames;

  /**
   * @param guests the threads guest code runs on
   * @param fixedClock when not null, what {@code Date} reads in every call (the clock's time when the
   *     call starts): for tests; null for the real time
   * @param preparer builds contexts ahead of their calls
   */
  public JsEngine(GuestThreads guests, java.time.@org.jspecify.annotations.Nullable Clock fixedClock,
      SandboxPreparer preparer) {
    this(guests, fixedClock, preparer, dev.isola.internal.capability.Extensions.NONE);
  }

  /**
   * Like {@link #JsEngine(GuestThreads, java.time.Clock, SandboxPreparer)}, for an Isola with the
   * application capabilities {@code extensions} (env denies each to routes not granted it).
   */
  public JsEngine(GuestThreads guests, java.time.@org.jspecify.annotations.Nullable Clock fixedClock,
      SandboxPreparer preparer, dev.isola.internal.capability.Extensions extensions) {
    this(guests, fixedClock, preparer, extensions, java.util.Set.of());
  }

  /**
   * Like {@link #JsEngine(GuestThreads, java.time.Clock, SandboxPreparer,
   * dev.isola.internal.capability.Extensions)}, with the Isola's components: env denies each to
   * routes not granted calls to it.
   */
  public JsEngine(GuestThreads guests, java.time.@org.jspecify.annotations.Nullable Clock fixedClock,
      SandboxPreparer preparer, dev.isola.internal.capability.Extensions extensions, java.util.Set<String> components) {
    java.util.List<String> names = new java.util.ArrayList<>(extensions.names());
    names.addAll(components);
    this.extensionNames = JsCapabilities.pack(names);
    this.preparer = preparer;
    this.fixedClock = fixedClock;
    this.guests = guests;
    this.engine = Engine.newBuilder("js")
        .sandbox(SandboxPolicy.CONSTRAINED)
        .out(OutputStream.nullOutputStream())
        .err(OutputStream.nullOutputStream())
        .build();
    try {
      this.stop = stopControl(engine);
      this.runtime = Source.newBuilder("js", readResource(RUNTIME_RESOURCE), "isola:runtime.js").buildLiteral();
      warmUp();
    } catch (RuntimeException e) {
      engine.close(true);
      throw e;
    }
  }

  private static GuestStop.Control stopControl(Engine engine) {
    org.graalvm.polyglot.Instrument instrument = engine.getInstruments().get(GuestStop.ID);
    GuestStop.Control control = instrument == null ? null : instrument.lookup(GuestStop.Control.class);
    if (control == null) {
      throw new IllegalStateException("Truffle did not load Isola's instrument \"" + GuestStop.ID + "\": the"
          + " Isola jar's META-INF/services/" + com.oracle.truffle.api.instrumentation.provider.TruffleInstrumentProvider.class.getName()
          + " (or its module's provides clause) is missing; a repackaged jar must merge service files");
    }
    return control;
  }

  GuestThreads guests() {
    return guests;
  }

  GuestStop.Control stop() {
    return stop;
  }

  /**
   * Runs one full call of {@code isola-warm-up.js}, so that the one-time cost of starting the
   * language (tens of MiB of class loading and initialisation in a fresh JVM) is paid here and never
   * charged to the memory limit of a handler's first call, and so that the classes behind common
   * features are initialised while the stack is shallow (see the script's header).
   */
  private void warmUp() {
    String route = "POST /isola/warm-up/:step/...";
    PreparedHandler handler =
        prepare(route, "isola:warm-up.js", "isola:warm-up.js", readResource(WARM_UP_RESOURCE), Limits.defaults(), false, "", false);
    Request request = Request.newBuilder().method("POST").target("/isola/warm-up/1/a/b?a=1")
        .header("Content-Type", "application/json").body("{\"warm\":[1,2,{\"up\":true}]}").build();
    Response response = handler.call(new Call(route, request, Map.of("step", "1"), "a/b", "warm-up",
        Limits.defaults(), System.nanoTime() + Limits.defaults().timeout().toNanos()));
    if (!response.bodyText().contains("\"ok\":true")) {
      throw new IllegalStateException("the JavaScript engine's warm-up call answered " + response.bodyText());
    }
  }

  /** A fresh context on the shared engine; the caller closes it. */
  Context newContext() {
    return Context.newBuilder("js")
        .engine(engine)
        .sandbox(SandboxPolicy.CONSTRAINED)
        .out(OutputStream.nullOutputStream())
        .err(OutputStream.nullOutputStream())
        .option("js.esm-eval-returns-exports", "true")
        .option("js.text-encoding", "true")
        .option("js.load", "false")
        .option("js.print", "false")
        .option("js.console", "false")
        .option("js.graal-builtin", "false")
        .option("js.webassembly", "false")
        .build();
  }

  /**
   * Evaluates the runtime script in {@code context} and returns its dispatch function.
   *
   * @param capabilities the host function behind env's bindings and fetch (see {@link JsCapabilities})
   * @param fetchMode {@code "granted"} to define the global fetch, {@code "none"} to leave it
   *     undefined, {@code "loading"} for a fetch that rejects (build-time checks, which cannot tell)
   * @param prime whether to do the realm's first-use work now (for a context built ahead of its
   *     call, where it moves that work off the call's path)
   */
  Value installRuntime(Context context, ProxyExecutable capabilities, String fetchMode, boolean prime) {
    return context.eval(runtime).execute(capabilities, fetchMode, now(), prime, extensionNames);
  }

  /** What a test's fixed clock reads now, in milliseconds; -1 for the real time. */
  double now() {
    return fixedClock == null ? -1.0 : (double) fixedClock.millis();
  }

  /** Prepares {@code handler} as if its route were granted nothing, and builds no sandbox ahead. */
  @Override
  public PreparedHandler prepare(String route, Handler handler, byte[] code, Limits limits) {
    return prepare(route, handler.name(), guestName(handler), text(route, handler, code), limits, false, "", false);
  }

  @Override
  public PreparedHandler prepare(String route, Handler handler, byte[] code, Limits limits,
      RouteCapabilities capabilities) {
    return prepare(route, handler.name(), guestName(handler), text(route, handler, code), limits,
        capabilities.http() != null, JsCapabilities.extensions(capabilities), true);
  }

  private static String text(String route, Handler handler, byte[] code) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(code)).toString();
    } catch (CharacterCodingException e) {
      throw new HandlerLoadException("handler " + handler.name() + " of route \"" + route
          + "\" is not valid UTF-8 text: save it as UTF-8", e);
    }
  }

  /**
   * Parses {@code code} as an ES module and checks, in a throwaway context under {@code limits}, that
   * its default export has a {@code fetch} method.
   *
   * @param name the handler as the host names it, in messages
   * @param guestName the module's name as the guest sees it (see {@link #guestName})
   * @param fetchGranted whether the route may send HTTP requests (then the global fetch exists)
   * @param extensions the route's application capabilities, for its env (see {@link JsCapabilities#extensions})
   * @param ahead whether to keep contexts ready ahead of calls (with this engine's preparer)
   * @throws HandlerLoadException naming {@code name} (and {@code line:column} for syntax errors)
   */
  private PreparedHandler prepare(String route, String name, String guestName, String code, Limits limits,
      boolean fetchGranted, String extensions, boolean ahead) {
    Source source = Source.newBuilder("js", code, guestName).mimeType(MODULE_MIME_TYPE)
        .uri(guestUri(guestName)).buildLiteral();
    JsHandler handler = new JsHandler(this, route, name, source, fetchGranted, extensions);
    try {
      handler.validate(limits);
    } catch (PolyglotException e) {
      throw loadFailure(route, name, e);
    }
    if (ahead && preparer.perRoute() > 0) {
      handler.prepareAhead(preparer, limits);
    }
    return handler;
  }

  /**
   * The name the guest sees for its module, in stacks and {@code import.meta.url}: a handler read
   * from a file is known by the file's name alone ({@code api/users.js} is {@code users.js}), so no
   * host path reaches the guest or what it answers; a handler given as text keeps the name it was
   * given. Host-side messages keep {@link Handler#name()}.
   */
  static String guestName(Handler handler) {
    return handler.file().map(Path::getFileName).map(Path::toString).orElse(handler.name());
  }

  /** {@code file:///} and the guest name, percent-encoded where a URI needs it. */
  private static URI guestUri(String guestName) {
    try {
      return new URI("file", "", "/" + guestName, null, null);
    } catch (URISyntaxException e) {
      return URI.create("file:///handler.js");
    }
  }

  private static HandlerLoadException loadFailure(String route, String name, PolyglotException e) {
    String where = name;
    if (e.getSourceLocation() != null && e.getSourceLocation().isAvailable()) {
      where = name + ":" + e.getSourceLocation().getStartLine() + ":" + e.getSourceLocation().getStartColumn();
    }
    String kind = e.isSyntaxError() ? "does not parse"
        : e.isCancelled() ? "did not finish loading within its timeout or memory limit"
        : "failed while loading";
    return new HandlerLoadException(
        "handler " + where + " of route \"" + route + "\" " + kind + ": " + e.getMessage()
            + (e.isSyntaxError() ? " (fix the syntax; handlers are ES modules)" : ""),
        e);
  }

  @Override
  public void close() {
    if (guests.running() == 0) {
      engine.close(true);
      return;
    }
    // A guest still runs in one of the engine's contexts (written off, or not yet stopped when the
    // Isola gave up waiting), and closing the engine waits for it. Closing it while the guest runs
    // would hold the engine's lock for as long, and the JVM's exit needs that lock (Truffle's
    // shutdown hook takes it): a process could then never exit normally. So a thread of its own
    // waits for the guests to leave, and only then closes the engine; if they never do, the engine
    // goes with the JVM.
    Thread.ofPlatform().daemon().name("isola-js-close").start(() -> {
      try {
        while (guests.running() > 0) {
          Thread.sleep(100);
        }
        engine.close(true);
      } catch (InterruptedException e) {
        // the JVM is going away
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(JsEngine.class).debug("closing the JavaScript engine failed", e);
      }
    });
  }

  private static String readResource(String resource) {
    try (InputStream in = JsEngine.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is missing from the Isola jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
