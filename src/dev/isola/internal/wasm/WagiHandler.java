package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.Response;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.GuestLog;
import dev.isola.internal.engine.Watchdog;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * A WAGI program: {@code _start} runs once per call in a new instance with a new WASI, the request
 * as CGI variables (see {@link Cgi}) and its body on stdin; stdout is read back as a CGI response and
 * stderr goes to the route's guest log. The route's granted directories are preopened, read-only
 * (see {@link WasiCall}). {@code exit(0)} or returning from {@code _start} ends the
 * call normally; any other exit status is a {@link GuestException}.
 */
final class WagiHandler extends WasmHandler {
  private final Logger logger;

  WagiHandler(GuestModule guest, Watchdog watchdog, SecureRandom random, java.time.Clock clock) {
    super(guest, watchdog, random, clock);
    this.logger = GuestLog.loggerFor(guest.route());
  }

  @Override
  void check(String where) {
    checkExport(where, "_start", FunctionType.empty(),
        "a WAGI handler is a wasm32-wasi command (a program with main), e.g. clang --target=wasm32-wasi");
    try (CallContext context = new CallContext(null, Call.withoutCapabilities(guest.route()),
        this::emptyWasi)) {
      checkInstantiates(where, context);
    }
  }

  /** WASI, then Isola's host functions. */
  @Override
  List<HostFunction> functions(Function<Instance, CallContext> context) {
    List<HostFunction> functions = new ArrayList<>(WasiCall.dispatching(instance -> context.apply(instance).wasi()));
    functions.addAll(IsolaHost.functions(instance -> context.apply(instance).host()));
    functions.addAll(CapabilityFunctions.isolaHost(guest.extensions(), instance -> context.apply(instance).host()));
    return functions;
  }

  @Override
  public Response call(Call call) {
    String route = guest.route();
    long maxBody = call.limits().maxResponseBody().bytes();
    BoundedOutput stdout = new BoundedOutput(maxBody + Cgi.MAX_HEADER_BYTES,
        () -> new LimitExceededException(route, Limit.RESPONSE_BODY, guest.name() + " wrote more than "
            + call.limits().maxResponseBody() + " (max_response_body) and " + Cgi.MAX_HEADER_BYTES / 1024
            + " KiB of headers to stdout; send less or raise maxResponseBody"));
    GuestLog log = new GuestLog(logger, call.limits().maxLogLines(), route, call.logSink());
    LogLines stderr = new LogLines(log, "warn");
    Outcome<Void> outcome;
    // The WASI (with the CGI environment) is made when the program first calls it.
    CallContext context = new CallContext(null, call.capabilities(), () -> WasiCall.create(
        call.request().bodyBytes(), stdout, stderr, Cgi.environment(call), call.capabilities().route().mounts(),
        guest.programName(), random, clock));
    try {
      outcome = run(call, context, instance -> {
        instance.export("_start").apply();
        return null;
      });
    } finally {
      stderr.close();
      log.finish();
    }
    if (outcome.exitStatus() != 0 && outcome.refusedPages() > 0) {
      throw memoryRefused(outcome.refusedPages(), call);
    }
    if (outcome.exitStatus() != 0) {
      throw new GuestException(route, guest.name() + " exited with status " + outcome.exitStatus()
          + " (its stderr went to logger " + GuestLog.loggerName(route) + ")", "", 500);
    }
    return Cgi.parse(route, guest.name(), stdout.buffer(), stdout.size(), maxBody);
  }
}
