package dev.isola.testing;

import dev.isola.CallOptions;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.pipeline.Access;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import dev.isola.kv.StoreLimits;
import dev.isola.server.Manifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that builds an {@link Isola} before each test and closes it after, with the
 * host's side under the test's control:
 *
 * <ul>
 *   <li>key-value stores in memory ({@link #store(String)}, and every store of a manifest), which
 *       the test seeds and inspects with {@link #kv(String)};
 *   <li>outbound HTTP answered by stubs ({@link #stubHttp(String)}), never by the network, every
 *       request recorded ({@link #httpRequests()}); only the exchange is replaced, so grants,
 *       narrowing and the secret headers the host adds are as in production;
 *   <li>the guests' log lines collected ({@link #logs()}), whatever SLF4J backend the tests use.
 * </ul>
 *
 * <pre>{@code
 * class VisitsTest {
 *   @RegisterExtension
 *   IsolaExtension isola = IsolaExtension.of(builder -> builder
 *           .variable("GREETING", "Hi")
 *           .route("GET /visits/:page", Handler.javascript(Path.of("samples/js/visits.js"))
 *               .grants(Grants.keyValue("visits"), Grants.variables("GREETING"))))
 *       .store("visits");
 *
 *   @Test
 *   void visit_countsInTheStore() {
 *     isola.kv("visits").put("home", "41".getBytes(StandardCharsets.UTF_8));
 *     assertEquals(200, isola.get("/visits/home").status());
 *   }
 * }
 * }</pre>
 *
 * <p>Register it with {@code @RegisterExtension} on an instance field; each test gets a fresh
 * {@code Isola}, fresh stores, no stubs and no recorded requests or lines. Not for tests of one
 * class running concurrently on a shared (static) instance.
 */
public final class IsolaExtension implements BeforeEachCallback, AfterEachCallback {
  private final Optional<Consumer<Isola.Builder>> configure;
  private final Optional<Path> manifest;
  private final Set<String> storeNames = new LinkedHashSet<>();
  private @Nullable Path cassette;
  private java.time.@Nullable Clock clock;
  private final Map<String, Fake<?>> fakes = new LinkedHashMap<>();
  private @Nullable TestRun run;

  /** A host interface the test fakes, and what guests called on it. */
  private record Fake<T>(Class<T> type, T implementation, List<HostCall> calls) {
    dev.isola.capability.HostInterface<T> recording(String name) {
      Object proxy = java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
          (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
              return switch (method.getName()) {
                case "toString" -> "fake " + name;
                case "hashCode" -> System.identityHashCode(self);
                default -> self == (args == null ? null : args[0]);
              };
            }
            calls.add(new HostCall(name, method.getName(), args == null ? List.of() : java.util.Arrays.asList(args)));
            try {
              return method.invoke(implementation, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
      return dev.isola.capability.HostInterface.of(name, type, type.cast(proxy));
    }
  }

  /** What one test has: its Isola, stores, stubs, and what its guests sent and logged. */
  private record TestRun(Isola isola, Map<String, KeyValueStore> stores, List<HttpStub.Stub> stubs,
      List<RecordedRequest> requests, List<LogLine> logs, @Nullable KvCassette kvCassette) {}

  private IsolaExtension(Optional<Consumer<Isola.Builder>> configure, Optional<Path> manifest) {
    this.configure = configure;
    this.manifest = manifest;
  }

  /** An extension whose {@code Isola} is built by {@code configure} (routes, variables, secrets, grants). */
  public static IsolaExtension of(Consumer<Isola.Builder> configure) {
    return new IsolaExtension(Optional.of(Objects.requireNonNull(configure, "configure")), Optional.empty());
  }

  /**
   * An extension whose {@code Isola} is built from the manifest {@code isola.toml} (read before each
   * test), except that every {@code [store.NAME]} is an empty store in memory, whatever its type.
   */
  public static IsolaExtension fromManifest(Path manifest) {
    return new IsolaExtension(Optional.empty(), Optional.of(Objects.requireNonNull(manifest, "manifest")));
  }

  /**
   * Registers an empty in-memory store as {@code name} for each test (routes still need the grant,
   * {@code Grants.keyValue(name)}); {@link #kv(String)} gives it to the test.
   */
  public IsolaExtension store(String name) {
    Objects.requireNonNull(name, "name");
    storeNames.add(name);
    return this;
  }

  /**
   * Record and replay outbound HTTP with {@code file}, and key-value calls with {@code file}
   * {@code + ".kv"}. HTTP: while the file does not exist, requests no stub
   * answers reach the network (through every capability check) and their responses are written to
   * it when each test ends; once it exists, they are answered from it, in order, and a request it
   * has no response for fails like a refused connection. Stubs still win. Only responses are
   * stored, never request headers, so the secret headers the host adds stay out of the file. Key-value: recording,
   * the guest's reads and writes are written down; replaying, the stores start with the values the
   * recorded reads saw, and the test fails if the handler's writes differ from the recorded ones.
   * Delete the files to record again; use one file per test.
   */
  public IsolaExtension httpCassette(Path file) {
    this.cassette = Objects.requireNonNull(file, "file");
    return this;
  }

  /**
   * Fixes the time guests see to {@code clock} (JavaScript's {@code Date()} and {@code Date.now()}
   * read its time at the start of each call; WASI's clock reads it throughout), for repeatable tests:
   * e.g. {@code Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC)}. The test's
   * stores expire keys by the same clock, so a clock the test moves tests {@code expirationTtl}
   * without waiting ({@code expiration}, in epoch seconds, is still measured from the wall clock).
   */
  public IsolaExtension clock(java.time.Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Offers {@code fake} to the test's handlers as host interface {@code name} (routes still need
   * the grant: {@code Grants.hostInterface(name)}, or {@code host_interfaces = ["NAME"]} in a
   * manifest), in place of the application's service: the extension's {@code configure} must not
   * register a capability of that name as well, since two capabilities of one name fail the build.
   * Every call guests make is recorded ({@link #hostCalls(String)}). A lambda does for a one-method
   * interface.
   *
   * @throws IllegalArgumentException if {@code name} is not a capability name or {@code type} is
   *     not an interface a host interface can offer (see {@link
   *     dev.isola.capability.HostInterface#of})
   */
  public <T> IsolaExtension hostInterface(String name, Class<T> type, T fake) {
    Objects.requireNonNull(name, "name");
    dev.isola.capability.HostInterface.of(name, type, fake); // checks the name and the interface now
    fakes.put(name, new Fake<>(type, fake, new java.util.concurrent.CopyOnWriteArrayList<>()));
    return this;
  }

  /** The calls this test's guests made on the fake host interface {@code name}, in order. */
  public List<HostCall> hostCalls(String name) {
    Fake<?> fake = fakes.get(name);
    if (fake == null) {
      throw new IllegalArgumentException("no host interface \"" + name + "\" is faked"
          + (fakes.isEmpty() ? "" : " (faked: " + String.join(", ", fakes.keySet()) + ")")
          + ": add it with .hostInterface(\"" + name + "\", Type.class, fake)");
    }
    return List.copyOf(fake.calls());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    fakes.values().forEach(fake -> fake.calls().clear());
    Map<String, KeyValueStore> stores = new LinkedHashMap<>();
    List<HttpStub.Stub> stubs = new CopyOnWriteArrayList<>();
    List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    List<LogLine> logs = new CopyOnWriteArrayList<>();
    KvCassette kvCassette = cassette == null ? null : KvCassette.beside(cassette);
    Map<String, StoreLimits> names = new LinkedHashMap<>();
    Isola.Builder builder = manifest.map(file -> fromManifest(file, names)).orElseGet(Isola::newBuilder);
    storeNames.forEach(name -> names.putIfAbsent(name, StoreLimits.MEMORY_DEFAULTS));
    for (var named : names.entrySet()) {
      String name = named.getKey();
      KeyValueStore store = KeyValueStores.inMemory(named.getValue(), clock == null ? java.time.Clock.systemUTC() : clock);
      stores.put(name, store);
      // The test seeds and inspects the store itself; the guest's calls go through the cassette.
      builder.ownedStore(name, kvCassette == null ? store : kvCassette.wrap(name, store));
    }
    fakes.forEach((name, fake) -> builder.capability(fake.recording(name)));
    configure.ifPresent(c -> c.accept(builder));
    if (clock != null) {
      Access.hooks(builder).guestClock(clock);
    }
    Access.hooks(builder)
        .outboundTransport(new StubTransport(stubs, requests::add, cassette == null ? null : HttpCassette.open(cassette)))
        .guestLogSink((route, level, text) -> logs.add(new LogLine(route, level, text)));
    run = new TestRun(builder.build(), Map.copyOf(stores), stubs, requests, logs, kvCassette);
  }

  /**
   * A builder with the manifest's limits, variables, secrets, routes and components (all of them
   * local), and its stores in memory.
   */
  private static Isola.Builder fromManifest(Path file, Map<String, StoreLimits> storeNames) {
    Manifest manifest = Manifest.load(file);
    Isola.Builder builder = Isola.newBuilder().defaultLimits(manifest.defaultLimits());
    manifest.declarations().variables().forEach(builder::variable);
    manifest.declarations().secrets().forEach(builder::secret);
    manifest.declarations().stores().forEach((name, spec) -> storeNames.put(name, spec.limits()));
    builder.maxCallDepth(manifest.maxCallDepth());
    // Every component in-process, whatever [node] components says: no remotes, no node key.
    for (Manifest.Route route : manifest.serving(manifest.components()).routes()) {
      if (route.spec() != null) {
        builder.route(route.spec(), route.handler());
      }
      if (route.name() != null) {
        builder.component(route.name(), route.handler());
      }
    }
    return builder;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestRun finished = run;
    run = null;
    if (finished != null) {
      finished.isola().close();
      if (finished.kvCassette() != null) {
        finished.kvCassette().finish(); // writes the recording, or fails the test on other writes
      }
    }
  }

  private TestRun run() {
    TestRun current = run;
    if (current == null) {
      throw new IllegalStateException("IsolaExtension has no Isola outside a test: register it with"
          + " @RegisterExtension on a field and use it in @Test or @BeforeEach methods");
    }
    return current;
  }

  /** This test's {@code Isola}. */
  public Isola isola() {
    return run().isola();
  }

  /** {@link Isola#handle(Request)} on this test's {@code Isola}. */
  public Response handle(Request request) {
    return isola().handle(request);
  }

  /** {@link Isola#handle(Request, CallOptions)} on this test's {@code Isola}. */
  public Response handle(Request request, CallOptions options) {
    return isola().handle(request, options);
  }

  /** Handles a GET of {@code target} (path and query, e.g. {@code "/users/1?full=true"}). */
  public Response get(String target) {
    return handle(Request.get(target));
  }

  /** Handles a POST of {@code body} (UTF-8) to {@code target}. */
  public Response post(String target, String body) {
    return handle(Request.post(target, body));
  }

  /**
   * The in-memory store registered as {@code name} for this test, to seed before a call and
   * inspect after it.
   *
   * @throws IllegalArgumentException if no store of that name was declared
   */
  public KeyValueStore kv(String name) {
    KeyValueStore store = run().stores().get(name);
    if (store == null) {
      throw new IllegalArgumentException("no store \"" + name + "\" in this test" + (run().stores().isEmpty() ? ""
          : " (it has " + String.join(", ", new java.util.TreeSet<>(run().stores().keySet())) + ")")
          + ": declare it with IsolaExtension.of(...).store(\"" + name + "\") or [store." + name + "] in the manifest");
    }
    return store;
  }

  /**
   * A stub for requests of any method to {@code url} (exactly, or every URL starting with what comes
   * before a trailing {@code *}); it answers once {@link HttpStub#respond} is called:
   * {@code isola.stubHttp("https://api.example.com/users/1").respond(200, "{\"name\":\"Ada\"}")}.
   *
   * @throws IllegalArgumentException if {@code url} is not an absolute http or https URL
   */
  public HttpStub stubHttp(String url) {
    run();
    return new HttpStub(this, Optional.empty(), url);
  }

  /** Like {@link #stubHttp(String)}, for requests with {@code method} only. */
  public HttpStub stubHttp(String method, String url) {
    run();
    return new HttpStub(this, Optional.of(Objects.requireNonNull(method, "method")), url);
  }

  void addStub(HttpStub.Stub stub) {
    run().stubs().add(stub);
  }

  /**
   * The outbound HTTP requests of this test's guests so far, stubbed or not, in order, each hop of
   * a redirect as one, with their headers as they would have left the host: the guest's as written,
   * plus the header of each secret granted for the hop's origin (see {@link RecordedRequest}).
   */
  public List<RecordedRequest> httpRequests() {
    return List.copyOf(run().requests());
  }

  /** The lines this test's guests logged so far, of every route, in order. */
  public List<LogLine> logs() {
    return List.copyOf(run().logs());
  }

  /**
   * The lines the guest of {@code route} (as declared, e.g. {@code "GET /visits/:page"}) logged so far.
   *
   * @throws IllegalArgumentException if this test's {@code Isola} has no such route (a typo would
   *     otherwise pass as "logged nothing")
   */
  public List<LogLine> logs(String route) {
    Objects.requireNonNull(route, "route");
    if (!isola().routes().contains(route)) {
      throw new IllegalArgumentException("no route \"" + route + "\" in this test's Isola (it has "
          + String.join(", ", isola().routes()) + "): name it as declared");
    }
    List<LogLine> lines = new ArrayList<>();
    for (LogLine line : run().logs()) {
      if (line.route().equals(route)) {
        lines.add(line);
      }
    }
    return lines;
  }
}
