package dev.isola.internal.js;

import dev.isola.HandlerLoadException;
import dev.isola.Limits;
import dev.isola.internal.engine.PreparedHandler;
import dev.isola.internal.engine.Watchdog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * JavaScript handlers on GraalJS: one shared {@link Engine} (and so one code cache) per {@code
 * Isola}, each handler's {@link Source} parsed once, and a new {@link Context} for every call.
 *
 * <p>Contexts run under {@link SandboxPolicy#CONSTRAINED}: no host class lookup, no IO, no threads,
 * no native access, no polyglot eval. On top of that the builtins a handler has no use for and that
 * reach outside the sandbox ({@code load}, {@code print}, GraalJS' own {@code console} and {@code
 * Graal} object, {@code WebAssembly}) are switched off; Isola's runtime script supplies the Web APIs.
 */
public final class JsEngine implements AutoCloseable {
  static final String RUNTIME_RESOURCE = "isola-runtime.js";
  static final String MODULE_MIME_TYPE = "application/javascript+module";

  private final Engine engine;
  private final Source runtime;
  private final Watchdog watchdog;

  public JsEngine(Watchdog watchdog) {
    this.watchdog = watchdog;
    this.engine = Engine.newBuilder("js")
        .sandbox(SandboxPolicy.CONSTRAINED)
        .out(OutputStream.nullOutputStream())
        .err(OutputStream.nullOutputStream())
        .build();
    this.runtime = Source.newBuilder("js", readRuntime(), "isola:runtime.js").buildLiteral();
    warmUp();
  }

  /**
   * Creates one context and runs the runtime script in it, so that the one-time cost of starting
   * the language (tens of MiB of class loading and initialisation in a fresh JVM) is paid here and
   * never charged to the memory budget of a handler's first call.
   */
  private void warmUp() {
    try (Context context = newContext()) {
      installRuntime(context);
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

  /** Evaluates the runtime script in {@code context} and returns its dispatch function. */
  Value installRuntime(Context context) {
    return context.eval(runtime);
  }

  /**
   * Parses {@code code} as an ES module and checks, in a throwaway context under {@code limits}, that
   * its default export has a {@code fetch} method.
   *
   * @throws HandlerLoadException naming {@code name} (and {@code line:column} for syntax errors)
   */
  public PreparedHandler prepare(String route, String name, String code, Limits limits) {
    Source source = Source.newBuilder("js", code, name).mimeType(MODULE_MIME_TYPE).buildLiteral();
    JsHandler handler = new JsHandler(this, watchdog, route, name, source);
    try {
      handler.validate(limits);
    } catch (PolyglotException e) {
      throw loadFailure(route, name, e);
    }
    return handler;
  }

  private static HandlerLoadException loadFailure(String route, String name, PolyglotException e) {
    String where = name;
    if (e.getSourceLocation() != null && e.getSourceLocation().isAvailable()) {
      where = name + ":" + e.getSourceLocation().getStartLine() + ":" + e.getSourceLocation().getStartColumn();
    }
    String kind = e.isSyntaxError() ? "does not parse"
        : e.isCancelled() ? "did not finish loading within its timeout or memory budget"
        : "failed while loading";
    return new HandlerLoadException(
        "handler " + where + " of route \"" + route + "\" " + kind + ": " + e.getMessage()
            + (e.isSyntaxError() ? " (fix the syntax; handlers are ES modules)" : ""),
        e);
  }

  @Override
  public void close() {
    engine.close(true);
  }

  private static String readRuntime() {
    try (InputStream in = JsEngine.class.getResourceAsStream(RUNTIME_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RUNTIME_RESOURCE + " is missing from the Isola jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
