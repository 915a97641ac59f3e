package dev.isola.internal.js;

import dev.isola.GuestException;
import dev.isola.Headers;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.GuestLog;
import dev.isola.internal.engine.GuestThreads;
import dev.isola.internal.engine.Failure;
import dev.isola.internal.engine.FailureClassifier;
import dev.isola.internal.engine.PreparedHandler;
import dev.isola.internal.engine.SandboxFactory;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.SandboxRunner;
import dev.isola.internal.engine.Watchdog;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.slf4j.Logger;

/**
 * One JavaScript handler: a parsed module run in a new context per call.
 *
 * <p>A call's context is a {@link Sandbox}: a fresh context with Isola's runtime and the handler
 * module loaded. It is built either in the call, or ahead of it by the engine's {@link
 * SandboxPreparer} (under the route's timeout and memory limit, like a call). Either way the host
 * is unreachable until its call starts: the capability function answers that it is not, the call
 * then points it at the call's own capabilities, and the request, grants, log and clock reach the
 * guest through {@code dispatch}. A sandbox serves one call and is closed after it.
 */
final class JsHandler implements PreparedHandler {
  private static final char SEP = '\0';
  /** Response header names and values together, as characters: 64 KiB, like common HTTP servers. */
  static final int MAX_HEADER_CHARS = 64 * 1024;
  /** What the capability function answers while a module is checked at build time (see JsCapabilities). */
  private static final String NOTHING_WHILE_LOADING =
      "enothing of the host is reachable while the module is checked at build time";
  /** What it answers to the module's top level, which runs before the request arrives. */
  private static final String NOTHING_BEFORE_CALL = "ethe host is reachable only inside fetch(): the module's"
      + " top level runs before its request arrives, so move this call into fetch()";
  private static final ProxyExecutable BEFORE_CALL = args -> NOTHING_BEFORE_CALL;

  private final JsEngine engine;
  private final String route;
  private final String name;
  private final Source source;
  private final Logger guestLogger;
  /** "granted" when the route may send HTTP requests, else "none" (see the runtime's start). */
  private final String fetchMode;
  /** The route's application capabilities, packed for the runtime's env. */
  private final String extensions;
  /** Takes or builds a call's sandbox, discards it after the call, and maps its failures. */
  private final SandboxRunner<Sandbox, Call, Response> runner;

  JsHandler(JsEngine engine, String route, String name, Source source, boolean fetchGranted, String extensions) {
    this.extensions = extensions;
    this.engine = engine;
    this.route = route;
    this.name = name;
    this.source = source;
    this.guestLogger = GuestLog.loggerFor(route);
    this.fetchMode = fetchGranted ? "granted" : "none";
    Sandboxes sandboxes = new Sandboxes();
    this.runner = new SandboxRunner<>(route, name, sandboxes, sandboxes);
  }

  /** What the runner needs of this engine: sandboxes (contexts) and what its failures are. */
  private final class Sandboxes implements SandboxFactory<Sandbox, Call, Response>, FailureClassifier<Call> {
    /** A new context, made on the caller's thread; the runtime and module load in {@link #run}. */
    @Override
    public Sandbox build(Call call) {
      return new Sandbox();
    }

    @Override
    public Response run(Sandbox sandbox, boolean fresh, Call call, Watchdog.Guard guard) {
      return runCall(call, sandbox, !fresh, guard);
    }

    @Override
    public void discard(Sandbox sandbox) {
      closeQuietly(sandbox.context);
    }

    @Override
    public Failure classify(Throwable failure, Call call) {
      if (failure instanceof PolyglotException e) {
        if (e.isResourceExhausted()) {
          return Failure.resourceExhausted(String.valueOf(e.getMessage()));
        }
        if (e.isInterrupted()) {
          return Failure.interrupted(e);
        }
        if (e.isCancelled()) {
          return Failure.cancelled();
        }
        if (e.isInternalError()) {
          return Failure.internal("the JavaScript engine failed: " + e.getMessage(), e);
        }
        return Failure.guestError("handler " + name + " threw " + e.getMessage(), guestStack(e), 500);
      }
      if (failure instanceof IllegalStateException e) {
        return Failure.internal("its context failed: " + e.getMessage(), e);
      }
      return Failure.internal(String.valueOf(failure), failure);
    }
  }

  /** A new context with the runtime and the module loaded, not yet bound to a call. */
  private final class Sandbox {
    final Context context = engine.newContext();
    /** Where the runtime's capability function leads: nowhere until the call starts. */
    volatile ProxyExecutable capabilities = BEFORE_CALL;
    Value dispatch;
    Value module;

    /** Runs the runtime and the module's top level: guest code, so only under a watchdog guard. */
    Sandbox load(String mode, boolean ahead) {
      dispatch = engine.installRuntime(context, args -> capabilities.execute(args), mode, ahead);
      module = context.eval(source);
      return this;
    }
  }

  /** Evaluates the module once, as a call would, and checks the shape of its default export. */
  void validate(Limits limits) {
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    Sandbox sandbox = new Sandbox();
    sandbox.capabilities = args -> NOTHING_WHILE_LOADING;
    engine.guests().call(route, "build", deadline, limits.memory().bytes(), new Run<Void>(sandbox, limits) {
      @Override
      Void body(Watchdog.Guard guard) {
        Value main;
        try {
          main = sandbox.load("loading", false).module.getMember("default");
        } catch (PolyglotException | IllegalStateException e) {
          throw guard.tripped().isPresent() || guard.closing() ? stopped(guard.tripped()) : e;
        }
        if (main == null || !main.hasMember("fetch") || !main.getMember("fetch").canExecute()) {
          throw new dev.isola.HandlerLoadException(
              "handler " + name + " of route \"" + route + "\" has no default export with a fetch method:"
                  + " write export default { async fetch(request, env, ctx) { return new Response(\"hi\"); } }");
        }
        return null;
      }

      @Override
      RuntimeException overflowed() {
        return new dev.isola.HandlerLoadException("handler " + name + " of route \"" + route + "\" overflowed the"
            + " call stack while its top level ran at build time (its recursion is too deep): a stack overflow ends the"
            + " run, it cannot be caught; recurse less deeply");
      }

      @Override
      public RuntimeException stopped(Optional<Limit> limit) {
        return new dev.isola.HandlerLoadException("handler " + name + " of route \"" + route + "\" "
            + limit.map(l -> "crossed its " + l.key() + " limit while its top level ran at build time ("
                + (l == Limit.TIMEOUT ? "timeout " + limits.timeout().toMillis() + " ms" : "memory " + limits.memory())
                + "): make the module's top level do less, or raise the route's limit")
                .orElse("was stopped while loading: the Isola is closing"));
      }
    });
  }

  /** Starts keeping sandboxes ready for calls, built under {@code limits}. */
  void prepareAhead(SandboxPreparer preparer, Limits limits) {
    runner.prepareAhead(preparer, () -> buildAhead(limits));
  }

  /**
   * Builds a sandbox for the preparer, on a guest thread, under the route's timeout and memory
   * limit: a module's top level is guest code like any other.
   *
   * @throws IsolaException if loading failed or crossed a limit (the pool drops it; the next call
   *     builds its own sandbox and reports what goes wrong)
   */
  private Sandbox buildAhead(Limits limits) {
    Sandbox sandbox = new Sandbox();
    engine.guests().call(route, "ahead", System.nanoTime() + limits.timeout().toNanos(), limits.memory().bytes(),
        new Run<Void>(sandbox, limits) {
          @Override
          Void body(Watchdog.Guard guard) {
            sandbox.load(fetchMode, true);
            guard.close();
            if (guard.tripped().isPresent() || guard.closing()) {
              throw stopped(guard.tripped());
            }
            keep = true;
            return null;
          }

          @Override
          public RuntimeException stopped(Optional<Limit> limit) {
            return new IsolaException("route \"" + route + "\": loading " + name + " ahead was stopped"
                + limit.map(l -> " by its " + l.key() + " limit").orElse(": the Isola is closing"));
          }
        });
    return sandbox;
  }

  /**
   * A guest run of this handler on one sandbox, on a guest thread: cancelled by stopping it in
   * {@link GuestStop} and closing the context; the sandbox is discarded once the guest has left
   * (never before: closing a context another thread runs in waits for that thread).
   */
  private abstract class Run<T> implements GuestThreads.Guest<T> {
    final Sandbox sandbox;
    final Limits limits;
    private final GuestStop.Run stop = new GuestStop.Run();
    /** Set by a run whose context outlives it (a sandbox built ahead). */
    boolean keep;
    /** The run's guard, once it runs: what stopped it, for the caller of a written-off run. */
    private volatile Watchdog.@org.jspecify.annotations.Nullable Guard guard;

    Run(Sandbox sandbox, Limits limits) {
      this.sandbox = sandbox;
      this.limits = limits;
    }

    /** The guest's work, on its thread, under {@code guard}. */
    abstract T body(Watchdog.Guard guard);

    @Override
    public final T run(Watchdog.Guard guard) {
      this.guard = guard;
      GuestStop.enter(stop);
      try {
        return body(guard);
      } catch (RuntimeException | Error e) {
        if (stop.overflowed() && guard.tripped().isEmpty() && !guard.closing()) {
          throw overflowed();
        }
        throw e;
      } finally {
        GuestStop.exit();
      }
    }

    /** What the run ends with when its stack overflowed. */
    RuntimeException overflowed() {
      return runner.overflowed();
    }

    @Override
    public void cancel() {
      stop.stop();
      sandbox.context.close(true);
    }

    @Override
    public void left() {
      if (!keep) {
        runner.release(sandbox);
      }
    }

    @Override
    public void dropped() {
      closeQuietly(sandbox.context);
    }

    @Override
    public RuntimeException stopped(Optional<Limit> limit) {
      Watchdog.Guard g = guard;
      return runner.stopped(limit, g == null ? Optional.empty() : g.memoryStop(), limits);
    }
  }

  /**
   * Runs the call on a guest thread ({@link GuestThreads}); this thread only takes or builds its
   * sandbox and waits for its answer.
   */
  @Override
  public Response call(Call call) {
    Sandbox taken = runner.take();
    Sandbox sandbox = taken != null ? taken : runner.build(call);
    return engine.guests().call(route, call.requestId(), call.deadlineNanos(), call.limits().memory().bytes(),
        new Run<Response>(sandbox, call.limits()) {
          @Override
          Response body(Watchdog.Guard guard) {
            return runner.runGuarded(sandbox, taken == null, call, call.limits(), guard);
          }
        });
  }

  @Override
  public boolean runsOnOwnThreads() {
    return true;
  }

  /** The call itself, on its guest thread under {@code guard}. */
  private Response runCall(Call call, Sandbox sandbox, boolean loaded, Watchdog.Guard guard) {
    GuestLog guestLog = new GuestLog(guestLogger, call.limits().maxLogLines(), route, call.logSink());
    Context context = sandbox.context;
    Outcome outcome = new Outcome(context, call.limits());
    call.capabilities().guarded(guard::expire); // a local component call stops with its caller
    JsCapabilities capabilities = new JsCapabilities(route, call.capabilities(), outcome::stop);
    try {
      if (!loaded) {
        sandbox.load(fetchMode, false);
      }
      sandbox.capabilities = outcome.host(capabilities::call);
      sandbox.dispatch.executeVoid(
          sandbox.module,
          call.request().method(),
          url(call.request()),
          flatHeaders(call.request().headers()),
          flat(call.params()),
          call.tail(),
          route,
          call.requestId(),
          capabilities.stores(),
          capabilities.variables(),
          capabilities.readableSecrets(),
          capabilities.hasFiles(),
          extensions,
          outcome.host(args -> call.request().bodyText()),
          outcome.host(args -> fill(args[0].execute(call.request().bodyLength()), call.request().body())),
          outcome.host(args -> {
            guestLog.line(text(args[0], "info"), text(args[1], "(a log line that is not a string)"));
            return null;
          }),
          call.limits().maxResponseBody().bytes(),
          outcome.host(args -> outcome.done(args[0])),
          outcome.host(args -> outcome.fail(args[0], args[1])),
          engine.now());
      guard.close();
      outcome.throwIfStopped(guard);
      if (guard.tripped().isPresent() || guard.closing()) {
        throw runner.stopped(guard, call.limits());
      }
      return outcome.response(call.limits());
    } catch (PolyglotException | IllegalStateException e) {
      // An IllegalStateException: the watchdog closed the context between two guest steps.
      guard.close();
      outcome.throwIfStopped(guard);
      throw runner.failure(e, guard, call.limits(), call);
    } finally {
      guard.close();
      guestLog.finish();
    }
  }

  /** A guest value as text: strings as they are, anything else as {@code otherwise}. */
  private static String text(Value value, String otherwise) {
    return value.isString() ? value.asString() : otherwise;
  }

  private static String guestStack(PolyglotException e) {
    StringBuilder b = new StringBuilder();
    for (PolyglotException.StackFrame frame : e.getPolyglotStackTrace()) {
      if (frame.isGuestFrame()) {
        b.append("    at ").append(frame).append('\n');
      }
    }
    return b.toString();
  }

  /** Copies {@code body} into the guest's fresh ArrayBuffer, eight bytes per interop call. */
  static Value fill(Value buffer, ByteBuffer body) {
    body.order(ByteOrder.LITTLE_ENDIAN);
    int n = body.remaining();
    int i = 0;
    for (; i + Long.BYTES <= n; i += Long.BYTES) {
      buffer.writeBufferLong(ByteOrder.LITTLE_ENDIAN, i, body.getLong(i));
    }
    for (; i < n; i++) {
      buffer.writeBufferByte(i, body.get(i));
    }
    return buffer;
  }

  private static void closeQuietly(Context context) {
    try {
      context.close();
    } catch (PolyglotException | IllegalStateException e) {
      // Already closed or being cancelled by the watchdog: nothing is left to release.
    }
  }

  private static String url(Request request) {
    String origin = request.origin().orElseGet(() -> "http://" + request.headers().first("Host")
        .filter(JsHandler::isPlainAuthority)
        .orElse("localhost"));
    return request.origin().isPresent() ? request.target() : origin + request.target();
  }

  /** A Host header usable in a URL: host name or address and an optional port, nothing else. */
  private static boolean isPlainAuthority(String host) {
    return !host.isEmpty() && host.length() <= 255 && host.chars().allMatch(
        c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".-:[]".indexOf(c) >= 0);
  }

  private static String flatHeaders(Headers headers) {
    StringBuilder b = new StringBuilder();
    headers.forEach((k, v) -> b.append(k).append(SEP).append(v).append(SEP));
    return b.toString();
  }

  private static String flat(Map<String, String> pairs) {
    StringBuilder b = new StringBuilder();
    pairs.forEach((k, v) -> b.append(k).append(SEP).append(v).append(SEP));
    return b.toString();
  }

  /** What the guest reported through done() or fail(); read while its context is still open. */
  private final class Outcome {
    private final Context context;
    private Response response;
    private IsolaException failure;
    private IsolaException stopped;
    private long tooLarge = -1;

    private final dev.isola.Limits limits;

    Outcome(Context context, dev.isola.Limits limits) {
      this.context = context;
      this.limits = limits;
    }

    /**
     * Ends the call with {@code e}, out of the handler's reach: the context is cancelled when control
     * returns to the guest, so no handler code can catch it or run on.
     */
    void stop(IsolaException e) {
      if (stopped == null) {
        stopped = e;
      }
      context.close(true);
    }

    /**
     * Throws what stopped the call from the host, if anything did: the guard's limit instead when
     * the host stopped only because the guard's cancel interrupted it in a blocking call (an outbound
     * request, a component call), so the call ends with the limit that fired.
     */
    void throwIfStopped(Watchdog.Guard guard) {
      if (stopped != null) {
        if (stopped.getCause() instanceof InterruptedException && (guard.tripped().isPresent() || guard.closing())) {
          throw runner.stopped(guard, limits);
        }
        throw stopped;
      }
    }

    /**
     * A host function for the guest that never throws into it: a host failure caused by a guest
     * value is recorded as this call's failure, so a handler can neither catch nor read it.
     */
    ProxyExecutable host(java.util.function.Function<Value[], Object> body) {
      return args -> {
        try {
          return body.apply(args);
        } catch (PolyglotException e) {
          throw e; // cancellation and guest errors pass through unchanged
        } catch (RuntimeException e) {
          if (failure == null) {
            failure = new GuestException(route, "handler " + name + " passed the host a value it cannot use: " + e.getClass().getSimpleName(), "");
          }
          return null;
        }
      };
    }

    Object done(Value result) {
      try {
        int status = result.getArrayElement(0).asInt();
        String kind = result.getArrayElement(2).asString();
        if ("too-large".equals(kind)) {
          tooLarge = result.getArrayElement(3).asLong();
          return null;
        }
        String headers = result.getArrayElement(1).asString();
        if (headers.length() > MAX_HEADER_CHARS) {
          throw new IllegalArgumentException("its headers hold " + headers.length() + " characters, more than the "
              + MAX_HEADER_CHARS + " allowed");
        }
        Response.Builder b = Response.newBuilder().status(status).headers(parseHeaders(headers));
        Value body = result.getArrayElement(3);
        switch (kind) {
          case "s" -> b.body(body.asString());
          case "b" -> {
            byte[] bytes = new byte[Math.toIntExact(body.getBufferSize())];
            body.readBuffer(0, bytes, 0, bytes.length);
            b.body(bytes);
          }
          default -> { }
        }
        response = b.build();
      } catch (PolyglotException e) {
        throw e;
      } catch (RuntimeException e) {
        failure = new GuestException(route, "handler " + name + " returned an unusable response: " + e.getMessage(), "",
            502);
      }
      return null;
    }

    Object fail(Value message, Value stack) {
      failure = new GuestException(route, "handler " + name + " threw " + text(message, "a value that is not a string"),
          text(stack, ""));
      return null;
    }

    Response response(Limits limits) {
      if (failure != null) {
        throw failure;
      }
      long max = limits.maxResponseBody().bytes();
      if (tooLarge >= 0 || (response != null && response.bodyLength() > max)) {
        long size = tooLarge >= 0 ? tooLarge : response.bodyLength();
        throw new LimitExceededException(route, Limit.RESPONSE_BODY,
            "the response body (" + size + " bytes or more) is larger than max_response_body "
                + limits.maxResponseBody() + "; raise maxResponseBody or answer with less");
      }
      if (response == null) {
        throw new GuestException(route, "handler " + name + " never settled the promise fetch returned:"
            + " there are no timers or I/O to wait for, so resolve it or return a Response directly", "");
      }
      return response;
    }

    private Headers parseHeaders(String flat) {
      Headers.Builder b = Headers.newBuilder();
      int start = 0;
      while (start < flat.length()) {
        int nameEnd = flat.indexOf(SEP, start);
        int valueEnd = flat.indexOf(SEP, nameEnd + 1);
        if (nameEnd < 0 || valueEnd < 0) {
          throw new IllegalArgumentException("malformed header list");
        }
        b.add(flat.substring(start, nameEnd), flat.substring(nameEnd + 1, valueEnd));
        start = valueEnd + 1;
      }
      return b.build();
    }
  }
}
