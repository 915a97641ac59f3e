package dev.isola.testing;

import dev.isola.Headers;
import dev.isola.internal.capability.http.HttpTransport;
import dev.isola.internal.capability.http.OutboundHttpException;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers outbound HTTP hops with the test's stubs instead of the network: no name lookups, no
 * connections. A hop without a stub fails the way a refused connection does, so the guest sees
 * what it would see in production when a service is down.
 */
final class StubTransport implements HttpTransport {
  private static final Logger log = LoggerFactory.getLogger(IsolaExtension.class);

  private final List<HttpStub.Stub> stubs;
  private final Consumer<RecordedRequest> recorder;
  private final @org.jspecify.annotations.Nullable HttpTransport fallback;

  /**
   * @param stubs the test's stubs, read at each hop (so stubs declared after building count)
   * @param fallback what answers a hop no stub matches (an {@link HttpCassette}), or null
   */
  StubTransport(List<HttpStub.Stub> stubs, Consumer<RecordedRequest> recorder,
      @org.jspecify.annotations.Nullable HttpTransport fallback) {
    this.stubs = stubs;
    this.recorder = recorder;
    this.fallback = fallback;
  }

  @Override
  public Exchange exchange(Hop hop) {
    var call = hop.call();
    HttpStub.Stub answer = null;
    for (HttpStub.Stub stub : stubs) { // the last declared match wins
      if (stub.match().matches(call.method(), call.uri())) {
        answer = stub;
      }
    }
    Headers.Builder headers = Headers.newBuilder();
    call.headers().forEach((name, values) -> values.forEach(value -> headers.add(name, value)));
    recorder.accept(new RecordedRequest(hop.route(), call.method(), call.uri(), headers.build(), call.body(),
        answer != null || fallback != null));
    if (answer == null && fallback != null) {
      return fallback.exchange(hop);
    }
    if (answer == null) {
      log.warn("route \"{}\": no HTTP stub for {} {}; the guest's request fails as if the connection was refused"
          + " (declare one with isola.stubHttp(\"{}\").respond(200, \"...\"))", hop.route(), call.method(), call.uri(),
          call.uri());
      throw new OutboundHttpException("connection refused: " + hop.origin());
    }
    return new Exchange(answer.status(), HttpHeaders.of(answer.headers().toMap(), (name, value) -> true),
        answer.body());
  }

  @Override
  public void close() {
    if (fallback != null) {
      fallback.close(); // a recording cassette writes its file here
    }
  }
}
