package dev.isola.jmh;

import java.io.OutputStream;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.SandboxPolicy;

/** GraalJS context settings the benchmarks compare; TRIMMED is what Isola uses. */
final class JsContexts {
  private JsContexts() {}

  /** Only what Isola needs to run a module and read its exports. */
  static final Map<String, String> BASE = Map.of("js.esm-eval-returns-exports", "true");

  /** Isola's settings: builtins a handler does not need are off, TextEncoder/TextDecoder on. */
  static final Map<String, String> TRIMMED = Map.of(
      "js.esm-eval-returns-exports", "true",
      "js.text-encoding", "true",
      "js.load", "false",
      "js.print", "false",
      "js.console", "false",
      "js.graal-builtin", "false",
      "js.webassembly", "false");

  static Context newContext(Engine engine, Map<String, String> options) {
    return Context.newBuilder("js")
        .engine(engine)
        .sandbox(SandboxPolicy.CONSTRAINED)
        .out(OutputStream.nullOutputStream())
        .err(OutputStream.nullOutputStream())
        .options(options)
        .build();
  }
}
