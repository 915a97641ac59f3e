package dev.isola.server;

import dev.isola.DataSize;
import dev.isola.Grant;
import dev.isola.Handler;
import dev.isola.wasm.WasmAbi;
import dev.isola.Isola;
import dev.isola.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads one {@code isola.toml} into a {@link Manifest}, turning every problem into a {@link
 * ManifestException} that points at the line and key. Used once per {@link Manifest#load(Path)}.
 */
final class ManifestReader {
  private static final List<String> TOP_KEYS = List.of("server", "limits", "store", "variables", "secrets",
      "extension_methods", "route", "remote", "node");
  private static final List<String> SERVER_KEYS = List.of("host", "port", "ready_sandboxes", "threads", "queue");
  private static final List<String> LIMIT_KEYS =
      List.of("timeout", "memory", "max_request_body", "max_response_body", "max_log_lines", "max_in_flight");
  private static final List<String> WASM_KEYS = List.of("abi", "export", "config");
  private static final List<String> ROUTE_KEYS =
      Stream.of(List.of("path", "name", "handler"), WASM_KEYS, CapabilityReader.GRANT_KEYS, LIMIT_KEYS)
          .flatMap(List::stream).toList();

  private static final Pattern DURATION = Pattern.compile("(\\d{1,18})(ms|s|m|h)");

  /** A value of one section: where it is written and what that section is called in messages. */
  record Entry(TomlTable table, String key, Object value, String section) {}

  final Path file;
  final Path folder;

  ManifestReader(Path file) {
    this.file = Files.isDirectory(file) ? file.resolve("isola.toml") : file;
    Path parent = this.file.toAbsolutePath().getParent();
    this.folder = parent == null ? Path.of("").toAbsolutePath() : parent;
  }

  Manifest read() {
    TomlParseResult toml = parse();
    checkKeys(toml, TOP_KEYS, "at the top level");
    String host = Manifest.DEFAULT_HOST;
    int port = Manifest.DEFAULT_PORT;
    int ready = Manifest.DEFAULT_READY_SANDBOXES;
    int threads = DevServer.defaultThreads();
    int queue = -1;
    TomlTable server = section(toml, "server");
    if (server != null) {
      checkKeys(server, SERVER_KEYS, "in [server]");
      host = host(server);
      port = port(server);
      ready = readySandboxes(server);
      threads = integer(server, "threads", threads, 1, 1024, "an integer from 1 to 1024", "threads = 8",
          "use 1 to 1024 request threads, e.g. threads = 8");
      queue = integer(server, "queue", -1, 0, 65536, "an integer from 0 to 65536", "queue = 32",
          "use 0 (answer 503 whenever every thread is busy) to 65536, e.g. queue = 32");
    }
    if (queue < 0) {
      queue = DevServer.DEFAULT_QUEUE_PER_THREAD * threads;
    }
    TomlTable limits = section(toml, "limits");
    if (limits != null) {
      checkKeys(limits, LIMIT_KEYS, "in [limits]");
    }
    Limits defaults = limits == null ? Limits.defaults() : limits(limits, Limits.defaults(), "in [limits]");
    CapabilityReader capabilities = new CapabilityReader(this);
    Manifest.Declarations declarations = capabilities.declarations(toml);
    List<String> extensionMethods = extensionMethods(toml);
    NodeReader nodeReader = new NodeReader(this);
    java.util.Map<String, java.net.URI> remotes = nodeReader.remotes(toml);
    List<Manifest.Route> routes = routes(toml, defaults, capabilities, extensionMethods);
    Manifest.Nodes nodes = nodeReader.node(toml, declarations, routes, remotes);
    return new Manifest(file, host, port, ready, threads, queue, defaults, declarations, extensionMethods,
        routes, nodes);
  }

  private TomlParseResult parse() {
    if (!Files.exists(file)) {
      throw new ManifestException(file, 0, 0, null, "the manifest does not exist (looked for "
          + file.toAbsolutePath() + "): check the path, or start from samples/isola.toml", null);
    }
    if (!Files.isRegularFile(file)) {
      throw new ManifestException(file, 0, 0, null,
          "the manifest is not a regular file: give the path of an isola.toml", null);
    }
    TomlParseResult result;
    try {
      result = Toml.parse(file);
    } catch (IOException e) {
      throw new ManifestException(file, 0, 0, null,
          "the manifest cannot be read (" + e + "): check that it is a readable file", e);
    } catch (TomlParseError e) {
      // tomlj reports some errors (an invalid escape in a quoted key) by throwing, not in the result.
      throw new ManifestException(file, e.position().line(), e.position().column(), null,
          "not valid TOML: " + e.getMessage() + "; fix the syntax, see https://toml.io", e);
    } catch (RuntimeException e) {
      throw new ManifestException(file, 0, 0, null, "not valid TOML: the parser failed (" + e
          + "); fix the syntax, see https://toml.io", e);
    }
    if (result.hasErrors()) {
      TomlParseError first = result.errors().get(0);
      int more = result.errors().size() - 1;
      throw new ManifestException(file, first.position().line(), first.position().column(), null,
          "not valid TOML: " + first.getMessage() + (more > 0 ? " (and " + more + " more errors)" : "")
              + "; fix the syntax, see https://toml.io",
          first);
    }
    return result;
  }

  // ---- sections -------------------------------------------------------------------------------

  @Nullable TomlTable section(TomlTable top, String key) {
    Object value = top.get(List.of(key));
    if (value == null) {
      return null;
    }
    if (value instanceof TomlTable table) {
      return table;
    }
    throw wrongType(new Entry(top, key, value, "at the top level"),
        "a table", "[" + key + "] on its own line, with its keys below it");
  }

  private String host(TomlTable server) {
    Object value = server.get(List.of("host"));
    if (value == null) {
      return Manifest.DEFAULT_HOST;
    }
    Entry entry = new Entry(server, "host", value, "in [server]");
    if (!(value instanceof String host)) {
      throw wrongType(entry, "a string", "host = \"127.0.0.1\"");
    }
    if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == '/')) {
      throw fail(entry, "is not a host name or address:"
          + " write e.g. host = \"127.0.0.1\" (this machine only) or host = \"0.0.0.0\" (every interface)");
    }
    return host;
  }

  private int port(TomlTable server) {
    return integer(server, "port", Manifest.DEFAULT_PORT, 0, 65535, "an integer from 0 to 65535", "port = 8080",
        "use a port from 1 to 65535 (0 picks any free port), e.g. port = 8080");
  }

  private int readySandboxes(TomlTable server) {
    return integer(server, "ready_sandboxes", Manifest.DEFAULT_READY_SANDBOXES, 0, 16, "an integer from 0 to 16",
        "ready_sandboxes = 1", "use 0 (build every sandbox in its call) to 16, e.g. ready_sandboxes = 1");
  }

  /** An integer key of [server] from {@code min} to {@code max}, or {@code absent} when not set. */
  private int integer(TomlTable server, String key, int absent, int min, int max, String type, String example,
      String range) {
    Object value = server.get(List.of(key));
    if (value == null) {
      return absent;
    }
    Entry entry = new Entry(server, key, value, "in [server]");
    if (!(value instanceof Long number)) {
      throw wrongType(entry, type, example);
    }
    if (number < min || number > max) {
      throw fail(entry, "is out of range: " + range);
    }
    return number.intValue();
  }

  private Limits limits(TomlTable table, Limits base, String section) {
    Limits.Builder builder = base.toBuilder();
    for (String key : LIMIT_KEYS) {
      Object value = table.get(List.of(key));
      if (value == null) {
        continue;
      }
      Entry entry = new Entry(table, key, value, section);
      try {
        switch (key) {
          case "timeout" -> builder.timeout(duration(entry));
          case "memory" -> builder.memory(size(entry, "\"256MiB\""));
          case "max_request_body" -> builder.maxRequestBody(size(entry, "\"8MiB\""));
          case "max_response_body" -> builder.maxResponseBody(size(entry, "\"8MiB\""));
          case "max_log_lines" -> builder.maxLogLines(count(entry));
          case "max_in_flight" -> builder.maxInFlight(count(entry));
          default -> throw new AssertionError(key);
        }
      } catch (IllegalArgumentException e) {
        throw fail(entry, switch (key) {
          case "timeout" -> "is out of range: use from \"1ms\" to \"24h\"";
          case "memory" -> "is too small: use at least \"1MiB\", e.g. \"32MiB\"";
          case "max_in_flight" -> "must be at least 1 (leave it out for no limit)";
          default -> "is too large: bodies are held in memory, use less than 2GiB, e.g. \"8MiB\"";
        }, e);
      }
    }
    return builder.build();
  }

  private Duration duration(Entry entry) {
    if (!(entry.value() instanceof String text)) {
      throw wrongType(entry, "a string with a unit", entry.key() + " = \"10s\"");
    }
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw fail(entry, "is not a duration: write a whole number and a unit (ms, s, m or h),"
          + " e.g. \"250ms\", \"2s\", \"1m\", \"1h\"");
    }
    long amount = Long.parseLong(m.group(1));
    try {
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    } catch (ArithmeticException e) {
      throw fail(entry, "is out of range: use from \"1ms\" to \"24h\"", e);
    }
  }

  DataSize size(Entry entry, String example) {
    if (!(entry.value() instanceof String text)) {
      throw wrongType(entry, "a string with a unit", entry.key() + " = " + example);
    }
    try {
      return DataSize.parse(text);
    } catch (IllegalArgumentException e) {
      throw fail(entry, "is not a data size: write a whole number and a unit (B, KiB, MiB or GiB),"
          + " e.g. " + example, e);
    }
  }

  private int count(Entry entry) {
    if (!(entry.value() instanceof Long n)) {
      throw wrongType(entry, "an integer", entry.key() + " = 100");
    }
    if (n < 0 || n > Integer.MAX_VALUE) {
      throw fail(entry, "is out of range: use 0 or more, up to " + Integer.MAX_VALUE + ", e.g. 100");
    }
    return n.intValue();
  }

  // ---- routes ---------------------------------------------------------------------------------

  /** The top-level extension_methods: methods beyond RFC 9110's and PATCH that routes may name. */
  private List<String> extensionMethods(TomlParseResult toml) {
    Object value = toml.get(List.of("extension_methods"));
    if (value == null) {
      return List.of();
    }
    Entry entry = new Entry(toml, "extension_methods", value, "at the top level");
    if (!(value instanceof TomlArray array) || !array.toList().stream().allMatch(String.class::isInstance)) {
      throw wrongType(entry, "an array of strings", "extension_methods = [\"PROPFIND\"]");
    }
    List<String> methods = array.toList().stream().map(String.class::cast).toList();
    try {
      Isola.newBuilder().extensionMethods(methods.toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      throw fail(entry, "is not a list of methods: " + e.getMessage(), e);
    }
    return methods;
  }

  private List<Manifest.Route> routes(TomlParseResult toml, Limits defaults, CapabilityReader capabilities,
      List<String> extensionMethods) {
    Object value = toml.get(List.of("route"));
    if (value instanceof TomlTable) {
      TomlPosition at = toml.inputPositionOf(List.of("route"));
      throw new ManifestException(file, line(at), column(at), "route", "[route] declares one table, but"
          + " routes are an array of tables: write [[route]] (double brackets) above each route", null);
    }
    if (value != null && !(value instanceof TomlArray)) {
      throw wrongType(new Entry(toml, "route", value, "at the top level"), "an array of tables",
          "[[route]] followed by path = ... and handler = ...");
    }
    @Nullable TomlArray array = (TomlArray) value;
    if (array == null || array.isEmpty()) {
      throw new ManifestException(file, 0, 0, "route", "declares no routes: add at least one, e.g."
          + " [[route]] with path = \"GET /hello/:name\" and handler = \"js/hello.js\" below it", null);
    }
    Isola.Builder validator = Isola.newBuilder().extensionMethods(extensionMethods.toArray(String[]::new));
    Map<String, Integer> declared = new HashMap<>();
    Map<String, Integer> components = new HashMap<>();
    List<Manifest.Route> routes = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      TomlPosition at = array.inputPositionOf(i);
      String section = "in [[route]] #" + (i + 1);
      if (!(array.get(i) instanceof TomlTable table)) {
        throw new ManifestException(file, at.line(), at.column(), "route", "route entry #" + (i + 1) + " is "
            + typeOf(array.get(i)) + ", but routes must be tables: write [[route]] entries", null);
      }
      checkKeys(table, ROUTE_KEYS, section);
      if (!table.contains(List.of("path")) && !table.contains(List.of("name"))) {
        throw new ManifestException(file, at.line(), at.column(), "path", "the [[route]] here (#" + (i + 1)
            + ") has no path and no name: add path = \"GET /hello/:name\" (a public route), name = \"inventory\""
            + " (a component other routes call with calls = [\"inventory\"]), or both", null);
      }
      @Nullable String spec = table.contains(List.of("path"))
          ? requiredString(table, "path", section, at, "path = \"GET /hello/:name\"") : null;
      @Nullable String name = table.contains(List.of("name"))
          ? requiredString(table, "name", section, at, "name = \"inventory\"") : null;
      Entry pathEntry = new Entry(table, "path", spec, section);
      Path file = handlerFile(new Entry(table, "handler",
          requiredString(table, "handler", section, at, "handler = \"js/hello.js\""), section));
      if (spec != null) {
        Integer earlier = declared.putIfAbsent(spec, at.line());
        if (earlier != null) {
          throw fail(pathEntry, "declares the same route as the [[route]] at line " + earlier + ": keep one");
        }
      }
      Handler handler = handler(table, section, file).limits(limits(table, defaults, section))
          .grants(capabilities.grants(table, section).toArray(Grant[]::new));
      if (spec != null) {
        try {
          validator.route(spec, handler);
        } catch (IllegalArgumentException e) {
          throw fail(pathEntry, "is not a valid route: " + e.getMessage(), e);
        }
      }
      if (name != null) {
        Entry nameEntry = new Entry(table, "name", name, section);
        Integer earlier = components.putIfAbsent(name, at.line());
        if (earlier != null) {
          throw fail(nameEntry, "declares the same component as the [[route]] at line " + earlier
              + ": give each component its own name");
        }
        try {
          validator.component(name, handler);
        } catch (IllegalArgumentException e) {
          throw fail(nameEntry, "is not a valid component name: " + e.getMessage(), e);
        }
      }
      routes.add(new Manifest.Route(spec, name, handler, at.line()));
    }
    return routes;
  }

  private String requiredString(TomlTable table, String key, String section, TomlPosition at, String example) {
    Object value = table.get(List.of(key));
    if (value == null) {
      throw new ManifestException(file, at.line(), at.column(), key,
          "the [[route]] here has no " + key + ": add e.g. " + example, null);
    }
    if (!(value instanceof String text)) {
      throw wrongType(new Entry(table, key, value, section), "a string", example);
    }
    if (text.isBlank()) {
      throw fail(new Entry(table, key, value, section), "is empty: write e.g. " + example);
    }
    return text;
  }

  /** The handler of a route: JavaScript or WebAssembly by the file's extension, with its Wasm settings. */
  private Handler handler(TomlTable table, String section, Path file) {
    boolean wasm = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wasm");
    if (!wasm) {
      for (String key : WASM_KEYS) {
        if (table.contains(List.of(key))) {
          throw fail(new Entry(table, key, table.get(List.of(key)), section), "applies to WebAssembly handlers"
              + " (.wasm), and this route's handler is JavaScript: remove it");
        }
      }
      return Handler.javascript(file);
    }
    Handler handler = Handler.wasm(file);
    Object abi = table.get(List.of("abi"));
    if (abi != null) {
      Entry entry = new Entry(table, "abi", abi, section);
      if (!(abi instanceof String text)) {
        throw wrongType(entry, "a string", "abi = \"wagi\" or abi = \"extism\"");
      }
      WasmAbi chosen = java.util.Arrays.stream(WasmAbi.values()).filter(a -> a.key().equals(text)).findFirst()
          .orElseThrow(() -> fail(entry, "is not an ABI Isola knows: write abi = \"wagi\" (a wasm32-wasi program"
              + " speaking CGI) or abi = \"extism\" (an Extism plugin)"));
      handler = handler.abi(chosen);
    }
    Object export = table.get(List.of("export"));
    if (export != null) {
      Entry entry = new Entry(table, "export", export, section);
      if (!(export instanceof String text) || text.isBlank()) {
        throw wrongType(entry, "the name of a function", "export = \"greet\"");
      }
      handler = handler.export(text);
    }
    Object config = table.get(List.of("config"));
    if (config != null) {
      Entry entry = new Entry(table, "config", config, section);
      if (!(config instanceof TomlTable values)) {
        throw wrongType(entry, "a table of strings", "config = { greeting = \"Hello\" }");
      }
      Map<String, String> map = new java.util.LinkedHashMap<>();
      for (String key : values.keySet()) {
        if (!(values.get(List.of(key)) instanceof String value)) {
          throw fail(entry, "has " + key + " = " + show(values.get(List.of(key))) + ", but config values are text:"
              + " write " + key + " = \"...\"");
        }
        map.put(key, value);
      }
      handler = handler.config(map);
    }
    return handler;
  }

  private Path handlerFile(Entry entry) {
    String text = (String) entry.value();
    String name = text.toLowerCase(Locale.ROOT);
    if (!name.endsWith(".js") && !name.endsWith(".mjs") && !name.endsWith(".wasm")) {
      throw fail(entry, "has an unknown extension: handlers are JavaScript modules (.js, .mjs) or WebAssembly"
          + " modules (.wasm)");
    }
    Path handler;
    try {
      handler = folder.resolve(text).normalize();
    } catch (InvalidPathException e) {
      throw fail(entry, "is not a valid path (" + e.getReason() + "): write a path relative to " + folder, e);
    }
    if (!Files.exists(handler)) {
      throw fail(entry, "names a file that does not exist (" + handler + "): handler paths are relative to"
          + " the manifest's folder " + folder + "; fix the path or create the file");
    }
    if (!Files.isRegularFile(handler) || !Files.isReadable(handler)) {
      throw fail(entry, "names " + handler + ", which is not a readable file: point it at a .js or .wasm file");
    }
    return handler;
  }

  // ---- keys and messages ----------------------------------------------------------------------

  void checkKeys(TomlTable table, List<String> known, String section) {
    for (String key : table.keySet()) {
      if (known.contains(key)) {
        continue;
      }
      TomlPosition at = table.inputPositionOf(List.of(key));
      String quoted = '"' + key + '"';
      String fix = KeySuggestions.nearest(key, known)
          .map(near -> "did you mean \"" + near + "\"?")
          .or(() -> home(key).map(home -> quoted + " belongs " + home))
          .orElse("remove it; the keys allowed here are " + String.join(", ", known));
      throw new ManifestException(file, line(at), column(at), key,
          "unknown key " + quoted + " " + section + ": " + fix, null);
    }
  }

  ManifestException wrongType(Entry entry, String expected, String example) {
    return fail(entry, "is " + typeOf(entry.value()) + ", but it must be " + expected + ": write " + example);
  }

  ManifestException fail(Entry entry, String problem) {
    return fail(entry, problem, null);
  }

  /** {@code key = value in section <problem>}, at the key's line. */
  ManifestException fail(Entry entry, String problem, @Nullable Throwable cause) {
    TomlPosition at = entry.table().inputPositionOf(List.of(entry.key()));
    return new ManifestException(file, line(at), column(at), entry.key(),
        entry.key() + " = " + show(entry.value()) + " " + entry.section() + " " + problem, cause);
  }

  private static int line(@Nullable TomlPosition at) {
    return at == null ? 0 : at.line();
  }

  private static int column(@Nullable TomlPosition at) {
    return at == null ? 0 : at.column();
  }

  private static String typeOf(@Nullable Object value) {
    return switch (value) {
      case String s -> "a string";
      case Long l -> "an integer";
      case Double d -> "a float";
      case Boolean b -> "a boolean";
      case TomlArray a -> "an array";
      case TomlTable t -> "a table";
      case null -> "nothing";
      default -> "a date/time";
    };
  }

  /** The value as TOML would show it, cut short when long. */
  private static String show(Object value) {
    String shown = switch (value) {
      case String s -> "\"" + Toml.tomlEscape(s) + "\"";
      case TomlArray a -> "[...]";
      case TomlTable t -> "{...}";
      default -> String.valueOf(value);
    };
    return shown.length() > 80 ? shown.substring(0, 77) + "..." : shown;
  }

  /** Where a key that is valid elsewhere in the manifest belongs. */
  private static Optional<String> home(String key) {
    if (SERVER_KEYS.contains(key)) {
      return Optional.of("in [server]");
    }
    if (LIMIT_KEYS.contains(key)) {
      return Optional.of("in [limits] (for every route) or in a [[route]] entry (for that route)");
    }
    if (ROUTE_KEYS.contains(key)) {
      return Optional.of("in a [[route]] entry: write [[route]] on the line above it");
    }
    if (NodeReader.NODE_KEYS.contains(key)) {
      return Optional.of("in [node]");
    }
    if (NodeReader.REMOTE_KEYS.contains(key)) {
      return Optional.of("in a [remote.NAME] table: where component NAME runs when this node does not serve it");
    }
    if (CapabilityReader.STORE_QUOTA_KEYS.contains(key)) {
      return Optional.of("in a [store.NAME] table: quotas are per key-value store");
    }
    return Optional.empty();
  }
}
