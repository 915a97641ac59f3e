package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.GuestException;
import dev.isola.Response;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.GuestLog;
import dev.isola.internal.engine.Watchdog;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * An Extism plugin: each call runs the plugin's exported function ({@code () -> i32}) in a new
 * instance with a new {@link ExtismKernel}. Input is the request body, output the response body.
 *
 * <p>Request details are vars the plugin reads with {@code var_get}: {@code request.method}, {@code
 * request.path} (as sent), {@code request.query} (as sent, without {@code ?}), {@code
 * request.header.<name>} (name in lower case, repeated headers joined with {@code ", "}), {@code
 * request.param.<name>}, {@code request.tail}, {@code request.route} and {@code request.id}. The
 * plugin sets the response's status and headers with {@code var_set}: {@code response.status}
 * (decimal text, default 200) and {@code response.header.<Name>}; without a {@code Content-Type}
 * the response is {@code application/octet-stream}. A non-zero return is a {@link GuestException}
 * carrying the plugin's {@code error_set} message. Plugins built for WASI get a WASI with nothing of
 * the host but the route's granted directories, read-only (see {@link WasiCall}); their stdout and
 * stderr go to the route's guest log. As in the Extism runtime, the output and the error are read
 * after the function returns, and an error set with {@code error_set} fails the call even when the
 * function returns 0.
 */
final class ExtismHandler extends WasmHandler {
  static final String STATUS_VAR = "response.status";
  static final String HEADER_VAR_PREFIX = "response.header.";
  private static final FunctionType PLUGIN_FUNCTION = FunctionType.returning(ValType.I32);
  private static final String INITIALIZE = "_initialize";

  private final String function;
  private final Map<String, String> config;
  private final boolean usesWasi;
  private final boolean hasInitialize;
  private final Logger logger;

  ExtismHandler(GuestModule guest, Watchdog watchdog, SecureRandom random, java.time.Clock clock, String function,
      Map<String, String> config) {
    super(guest, watchdog, random, clock);
    this.function = function;
    this.config = config;
    this.usesWasi = guest.module().importSection().stream().anyMatch(i -> i.module().equals(WasmEngine.WASI));
    this.hasInitialize = exportType(guest.module(), INITIALIZE).filter(FunctionType.empty()::equals).isPresent();
    this.logger = GuestLog.loggerFor(guest.route());
  }

  @Override
  void check(String where) {
    checkExport(where, function, PLUGIN_FUNCTION, "an Extism plugin function takes no parameters and returns"
        + " an i32 (0 for success); name the one to run with export = \"...\"");
    ExtismKernel kernel = new ExtismKernel(guest.route(), guest.name(), new byte[0], config, Map.of(), 1 << 20, 0,
        new GuestLog(logger, 0));
    try (CallContext context = new CallContext(kernel, Call.withoutCapabilities(guest.route()),
        this::emptyWasi)) {
      checkInstantiates(where, context);
    }
  }

  /** The kernel, Isola's host functions, and WASI if the plugin imports it. */
  @Override
  List<HostFunction> functions(Function<Instance, CallContext> context) {
    List<HostFunction> functions = new ArrayList<>(ExtismKernel.hostFunctions(i -> context.apply(i).kernel()));
    functions.addAll(IsolaHost.functions(instance -> context.apply(instance).host()));
    functions.addAll(CapabilityFunctions.isolaHost(guest.extensions(), instance -> context.apply(instance).host()));
    functions.addAll(CapabilityFunctions.extismUser(guest.extensions(), instance -> context.apply(instance)));
    if (usesWasi) {
      functions.addAll(WasiCall.dispatching(instance -> context.apply(instance).wasi()));
    }
    return functions;
  }

  @Override
  public Response call(Call call) {
    String route = guest.route();
    GuestLog log = new GuestLog(logger, call.limits().maxLogLines(), route, call.logSink());
    // config_get reads the route's granted variables, then the handler's own config on top.
    Map<String, String> pluginConfig = new HashMap<>(call.capabilities().route().variables());
    pluginConfig.putAll(config);
    ExtismKernel kernel = new ExtismKernel(route, guest.name(), call.request().bodyBytes(), pluginConfig,
        requestVars(call), call.limits().memory().bytes(), call.limits().maxResponseBody().bytes(), log);
    kernel.http(call.capabilities()); // denials included: logged, counted and named by the capabilities
    LogLines stdout = new LogLines(log, "info");
    LogLines stderr = new LogLines(log, "warn");
    // Host details (the module's path) never reach the guest: argv[0] is the file name alone.
    Outcome<Integer> outcome;
    // A WASI is made only if the plugin calls one of its functions.
    CallContext context = new CallContext(kernel, call.capabilities(), () -> WasiCall.create(new byte[0], stdout,
        stderr, Map.of(), call.capabilities().route().mounts(), guest.programName(), random, clock));
    try {
      outcome = run(call, context, instance -> {
        if (hasInitialize) {
          instance.export(INITIALIZE).apply();
        }
        return (int) instance.export(function).apply()[0];
      });
    } finally {
      stdout.close();
      stderr.close();
      log.finish();
    }
    String plugin = guest.name() + " (" + function + ")";
    int result = outcome.value() == null ? 0 : outcome.value();
    // As in the Extism runtime: an error the plugin set fails the call however the function ended
    // (returning 0, or WASI proc_exit, 0 included), and its message is the call's error.
    Optional<String> error = kernel.error();
    if (outcome.refusedPages() > 0 && (outcome.exitStatus() != 0 || result != 0 || error.isPresent())) {
      throw memoryRefused(outcome.refusedPages(), call);
    }
    if (error.isPresent()) {
      String how = outcome.exitStatus() != 0 ? " (it exited with status " + outcome.exitStatus() + ")"
          : result == 0 ? " (set with error_set; a call with an error fails even when the function returns 0)" : "";
      throw new GuestException(route, plugin + " failed: " + printable(error.get()) + how, "", 500);
    }
    if (outcome.exitStatus() != 0) {
      throw new GuestException(route, plugin + " exited with status " + outcome.exitStatus(), "", 500);
    }
    if (result != 0) {
      String dangling = kernel.errorOffset() == 0 ? "" : "; error_set was given offset "
          + ExtismMemory.hex(kernel.errorOffset()) + ", where no live block starts now (freed, or not an offset"
          + " alloc returned), so, as in Extism, there is no error message";
      throw new GuestException(route, plugin + " failed: it returned " + result
          + " without setting an error message (error_set)" + dangling, "", 500);
    }
    return response(route, plugin, kernel);
  }

  private static Map<String, byte[]> requestVars(Call call) {
    Map<String, byte[]> vars = new HashMap<>();
    var request = call.request();
    vars.put("request.method", utf8(request.method()));
    vars.put("request.path", utf8(request.path()));
    vars.put("request.query", utf8(request.query().orElse("")));
    for (String name : request.headers().names()) {
      vars.put("request.header." + name.toLowerCase(Locale.ROOT), utf8(String.join(", ", request.headers().all(name))));
    }
    call.params().forEach((name, value) -> vars.put("request.param." + name, utf8(value)));
    vars.put("request.tail", utf8(call.tail()));
    vars.put("request.route", utf8(call.route()));
    vars.put("request.id", utf8(call.requestId()));
    return vars;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Response response(String route, String plugin, ExtismKernel kernel) {
    Response.Builder response = Response.newBuilder();
    boolean contentType = false;
    for (Map.Entry<String, byte[]> var : kernel.vars().entrySet()) {
      String key = var.getKey();
      String value = new String(var.getValue(), StandardCharsets.UTF_8);
      try {
        if (key.equals(STATUS_VAR)) {
          response.status(status(value));
        } else if (key.startsWith(HEADER_VAR_PREFIX)) {
          String name = key.substring(HEADER_VAR_PREFIX.length());
          response.header(name, value);
          contentType |= name.equalsIgnoreCase("Content-Type");
        }
      } catch (IllegalArgumentException e) {
        throw new GuestException(route, plugin + " set var \"" + key + "\" to " + quote(value)
            + ", which is not a usable response " + (key.equals(STATUS_VAR) ? "status" : "header") + ": " + e.getMessage(),
            "", 502);
      }
    }
    if (!contentType) {
      response.header("Content-Type", "application/octet-stream");
    }
    return response.body(kernel.output()).build();
  }

  private static int status(String text) {
    String trimmed = text.strip();
    if (trimmed.length() != 3 || !trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("write the status as three digits, e.g. \"404\"");
    }
    return Integer.parseInt(trimmed);
  }

  private static String quote(String value) {
    return "\"" + printable(value.length() > 60 ? value.substring(0, 60) + "…" : value) + "\"";
  }

  /**
   * Guest text fit for an exception message: at most {@link GuestLog#MAX_LINE_CHARS} characters, with
   * control characters escaped, so a plugin can neither flood nor forge the embedder's log lines.
   */
  static String printable(String text) {
    String cut = text.length() > GuestLog.MAX_LINE_CHARS
        ? text.substring(0, GuestLog.MAX_LINE_CHARS) + "… (" + text.length() + " chars)"
        : text;
    StringBuilder b = new StringBuilder(cut.length());
    cut.chars().forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : String.valueOf((char) c)));
    return b.toString();
  }
}
