package dev.isola.server;

import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.Limits;
import dev.isola.capability.Audit;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The {@code isola} command: serve or check an {@code isola.toml}.
 *
 * <pre>
 * isola serve [--host H] [--port N] [--components A,B] [--audit[=permissive]] [--verbose] path/to/isola.toml
 * isola check [--verbose] path/to/isola.toml
 * isola --help | --version
 * </pre>
 *
 * <p>{@code serve} builds the manifest's {@link Isola}, starts a {@link DevServer} on the manifest's
 * {@code [server]} address (the flags override it), prints the routes and runs until the process is
 * stopped (Ctrl-C), then closes both. With {@code --audit} it records what each route uses and
 * prints the {@link dev.isola.capability.AuditReport} as TOML to stdout when it stops ({@code
 * --audit=permissive}, for development only, also lets declared but ungranted uses through, with a
 * warning). With {@code --components inventory,billing} it serves only those components (and every
 * route without a {@code name}), whatever {@code [node] components} says: the same manifest split
 * over nodes, each calling the components it does not serve at their {@code [remote.NAME]}
 * ({@code --components ""} serves none). {@code check} loads and builds the manifest, compiling every
 * handler, prints the routes and exits.
 *
 * <p>Exit codes: 0 success, 1 a manifest, handler or server error (printed as one line {@code isola:
 * <message>}; {@code --verbose} adds the stack trace), 2 bad usage.
 */
public final class IsolaCli {
  static final String USAGE = """
      usage: isola serve [--host H] [--port N] [--components A,B] [--audit[=permissive]] [--verbose]
                         path/to/isola.toml
             isola check [--verbose] path/to/isola.toml
             isola --help | --version

        serve    serve the routes of isola.toml over HTTP until stopped (Ctrl-C)
        check    load isola.toml, compile every handler, print the routes, exit
        --host   address to listen on (default: [server] host, else 127.0.0.1)
        --port   port to listen on, 0 for any free port (default: [server] port, else 8080)
        --components  serve only these components, comma-separated ("" for none); calls to
                 the others go to their [remote.NAME] (default: [node] components, else all)
        --audit  record what each route uses; print its least-privilege grants at exit
                 (--audit=permissive, development only: also let ungranted uses of declared
                 stores and variables and of public origins through, logged)
        --verbose  debug logging, and stack traces with errors
      """;

  private IsolaCli() {}

  /** What {@link #launch} produced: an exit code, or a running server. */
  sealed interface Launch permits Exit, Serving {}

  /** The command finished (or never started) with {@code code}. */
  record Exit(int code) implements Launch {}

  /** {@code serve} is running; {@link #close()} stops the server, then the {@code Isola}. */
  static final class Serving implements Launch, AutoCloseable {
    private final Isola isola;
    private final DevServer server;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Where the audit goes at close, or null without {@code --audit}. */
    private final @Nullable PrintStream audit;

    Serving(Isola isola, DevServer server, @Nullable PrintStream audit) {
      this.isola = isola;
      this.server = server;
      this.audit = audit;
    }

    DevServer server() {
      return server;
    }

    void awaitClosed() throws InterruptedException {
      closed.await();
    }

    @Override
    public synchronized void close() {
      if (closed.getCount() == 0) {
        return;
      }
      try {
        server.close();
        if (audit != null) {
          audit.print(isola.audit().toToml());
          audit.flush();
        }
      } finally {
        isola.close();
        closed.countDown();
      }
    }
  }

  /** The parsed command line. */
  private record Command(String name, boolean verbose, @Nullable String host, @Nullable Integer port,
      @Nullable Audit audit, @Nullable List<String> components, Path manifest) {}

  /** Usage errors: the message goes to stderr with the usage text, exit code 2. */
  private static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Runs the command; {@code serve} runs until the JVM shuts down. Exits the JVM with the exit code otherwise. */
  public static void main(String[] args) {
    List<String> arguments = List.of(args);
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", arguments.contains("--verbose") ? "debug" : "info");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    // The dev server runs on whatever JDK the user has; GraalJS' "interpreter only" notice is not news there.
    setIfAbsent("polyglot.engine.WarnInterpreterOnly", "false");
    boundShutdown();
    Launch launch = launch(args, System.out, System.err);
    if (launch instanceof Exit exit) {
      System.exit(exit.code());
    }
    serveUntilShutdown((Serving) launch);
  }

  /**
   * Runs the command with {@code out} and {@code err} instead of the process's streams and returns
   * the exit code instead of exiting. For {@code serve}, returns only after the JVM begins to shut
   * down (a shutdown hook closes the server).
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Launch launch = launch(args, out, err);
    if (launch instanceof Exit exit) {
      return exit.code();
    }
    serveUntilShutdown((Serving) launch);
    return 0;
  }

  /**
   * Makes the process end within {@link #SHUTDOWN_BOUND} of being told to (SIGTERM, Ctrl-C, the end
   * of {@code check}), whatever a guest does: a guest written off because it did not stop may still
   * run, and a shutdown hook that waits for it (closing an engine waits for its contexts) would
   * keep the JVM alive. Past the bound, the JVM halts.
   */
  private static void boundShutdown() {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Thread.ofPlatform().daemon().name("isola-shutdown-bound")
        .start(() -> {
          try {
            Thread.sleep(SHUTDOWN_BOUND);
          } catch (InterruptedException e) {
            return;
          }
          System.err.println("isola: still shutting down after " + SHUTDOWN_BOUND.toSeconds() + " s; halting");
          Runtime.getRuntime().halt(1);
        }), "isola-shutdown-bound-hook"));
  }

  /** How long the process may take to shut down before it halts. */
  static final Duration SHUTDOWN_BOUND = Duration.ofMillis(4500);

  private static void serveUntilShutdown(Serving serving) {
    Runtime.getRuntime().addShutdownHook(new Thread(serving::close, "isola-shutdown"));
    try {
      serving.awaitClosed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      serving.close();
    }
  }

  /**
   * Parses {@code args} and runs {@code check}, {@code --help} or {@code --version} to completion,
   * or starts {@code serve} and returns the running server without waiting.
   */
  static Launch launch(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && List.of("--help", "-h", "help").contains(args[0])) {
      out.print(USAGE);
      return new Exit(0);
    }
    if (args.length == 1 && List.of("--version", "-V", "version").contains(args[0])) {
      out.println("isola " + version());
      return new Exit(0);
    }
    Command command;
    try {
      command = parse(args);
    } catch (UsageException e) {
      err.println("isola: " + e.getMessage());
      err.print(USAGE);
      return new Exit(2);
    }
    try {
      return command.name().equals("check") ? check(command, out) : serve(command, out, err);
    } catch (IsolaException | UncheckedIOException e) {
      return failed(command, err, e, oneLine(e.getMessage()));
    } catch (RuntimeException e) {
      return failed(command, err, e, "unexpected error: " + oneLine(String.valueOf(e)));
    }
  }

  private static Exit failed(Command command, PrintStream err, RuntimeException e, String message) {
    err.println("isola: " + message);
    if (command.verbose()) {
      e.printStackTrace(err);
    }
    return new Exit(1);
  }

  private static Command parse(String[] args) throws UsageException {
    if (args.length == 0) {
      throw new UsageException("no command given: use serve or check");
    }
    String name = args[0];
    if (!name.equals("serve") && !name.equals("check")) {
      throw new UsageException("unknown command \"" + name + "\": use serve or check");
    }
    boolean verbose = false;
    @Nullable String host = null;
    @Nullable Integer port = null;
    @Nullable Audit audit = null;
    @Nullable List<String> components = null;
    List<String> files = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      String option = arg.contains("=") && arg.startsWith("--") ? arg.substring(0, arg.indexOf('=')) : arg;
      String inline = option.equals(arg) ? null : arg.substring(arg.indexOf('=') + 1);
      switch (option) {
        case "--verbose", "-v" -> verbose = true;
        case "--audit" -> {
          if (name.equals("check")) {
            throw new UsageException("--audit is for serve only: it records what routes use while they serve");
          }
          if (inline == null || inline.equals("record")) {
            audit = Audit.RECORD;
          } else if (inline.equals("permissive")) {
            audit = Audit.PERMISSIVE;
          } else {
            throw new UsageException("--audit=" + inline + " is not a mode: use --audit (record only) or"
                + " --audit=permissive (development only: lets declared but ungranted uses through)");
          }
        }
        case "--components" -> {
          if (name.equals("check")) {
            throw new UsageException("--components is for serve only: isola check builds every component");
          }
          String value = inline != null ? inline : ++i < args.length ? args[i] : null;
          if (value == null) {
            throw new UsageException("--components needs a value, e.g. --components inventory,billing"
                + " (or --components \"\" to serve none)");
          }
          components = java.util.Arrays.stream(value.split(",")).map(String::strip).filter(c -> !c.isEmpty()).toList();
        }
        case "--host", "--port" -> {
          if (name.equals("check")) {
            throw new UsageException(option + " is for serve only: isola check takes just the manifest");
          }
          String value = inline != null ? inline : ++i < args.length ? args[i] : null;
          if (value == null || value.isBlank()) {
            throw new UsageException(option + " needs a value, e.g. " + option + (option.equals("--port") ? " 8080" : " 127.0.0.1"));
          }
          if (option.equals("--host")) {
            host = value;
          } else {
            port = port(value);
          }
        }
        default -> {
          if (arg.startsWith("-")) {
            throw new UsageException("unknown option \"" + arg + "\"");
          }
          files.add(arg);
        }
      }
    }
    if (files.size() != 1) {
      throw new UsageException(files.isEmpty()
          ? name + " needs the path of an isola.toml, e.g. isola " + name + " samples/isola.toml"
          : name + " takes one manifest, got " + files.size() + ": " + String.join(" ", files));
    }
    return new Command(name, verbose, host, port, audit, components, Path.of(files.get(0)));
  }

  private static int port(String value) throws UsageException {
    try {
      int port = Integer.parseInt(value.strip());
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--port \"" + value + "\" is not a port: use a number from 1 to 65535, or 0 for any free port");
  }

  private static Exit check(Command command, PrintStream out) {
    Manifest manifest = Manifest.load(command.manifest());
    try (Isola isola = manifest.build()) {
      out.println(manifest.file() + ": " + plural(isola.routes().size(), "route") + ", all handlers load");
      printRoutes(manifest, out, true);
    }
    return new Exit(0);
  }

  private static Serving serve(Command command, PrintStream out, PrintStream err) {
    Manifest loaded = Manifest.load(command.manifest());
    Manifest manifest = command.components() == null ? loaded : loaded.serving(command.components());
    String host = command.host() != null ? command.host() : manifest.host();
    int port = command.port() != null ? command.port() : manifest.port();
    if (command.audit() == Audit.PERMISSIVE) {
      err.println("isola: WARNING: --audit=permissive lets handlers use declared stores and variables, and reach"
          + " public origins, that their routes are NOT granted (each use is logged and reported). For development"
          + " only: never serve anything real this way.");
    }
    Isola isola = manifest.build(command.audit());
    DevServer server;
    try {
      server = DevServer.start(isola, new InetSocketAddress(host, port), manifest.threads(), manifest.queue());
    } catch (RuntimeException e) {
      isola.close();
      throw e;
    }
    String shownHost = host.contains(":") ? "[" + host + "]" : host;
    out.println("Isola serving " + plural(manifest.routes().size(), "route") + " on http://" + shownHost + ":"
        + server.port());
    printRoutes(manifest, out, false);
    if (command.audit() != null) {
      out.println("Auditing (" + command.audit().name().toLowerCase(java.util.Locale.ROOT) + "): the least-privilege"
          + " grants of each route are printed when the server stops");
    }
    out.flush();
    return new Serving(isola, server, command.audit() == null ? null : out);
  }

  private static void printRoutes(Manifest manifest, PrintStream out, boolean withLimits) {
    int width = manifest.routes().stream().mapToInt(r -> r.label().length()).max().orElse(0);
    Path folder = manifest.file().toAbsolutePath().getParent();
    for (Manifest.Route route : manifest.routes()) {
      Path handler = folder != null && route.file().startsWith(folder) ? folder.relativize(route.file()) : route.file();
      out.println("  " + pad(route.label(), width) + "  -> " + handler
          + (withLimits ? "  (" + describe(route.limits()) + ")" : ""));
    }
  }

  private static String describe(Limits limits) {
    return "timeout " + describe(limits.timeout()) + ", memory " + limits.memory() + ", max_request_body "
        + limits.maxRequestBody() + ", max_response_body " + limits.maxResponseBody() + ", max_log_lines "
        + limits.maxLogLines();
  }

  /** A duration the way isola.toml writes it: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
  static String describe(Duration duration) {
    long ms = duration.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  /** Messages on one line: engine errors may carry a source excerpt and caret lines. */
  private static String oneLine(@Nullable String message) {
    if (message == null) {
      return "failed without a message (run with --verbose for the stack trace)";
    }
    return message.lines()
        .map(String::strip)
        .filter(line -> !line.isEmpty() && !line.chars().allMatch(c -> c == '^' || c == '~' || c == ' '))
        .collect(Collectors.joining(" "));
  }

  private static String version() {
    try (InputStream in = IsolaCli.class.getResourceAsStream("/META-INF/maven/dev.isola/isola/pom.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version", "(unknown version)");
      }
    } catch (IOException e) {
      // fall through: a development build
    }
    return "(development build)";
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
