package dev.isola.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isola.DataSize;
import dev.isola.GuestException;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every routed call is one {@code dev.isola.Call} JFR event with the call's fields. */
class CallEventTest {
  private static Isola isola;

  @TempDir
  Path dir;

  @BeforeAll
  static void build() {
    isola = Isola.newBuilder()
        .route("GET /hello/:name", Handler.javascript("hello.js",
            "export default { fetch(request, env, ctx) { return new Response('Hello, ' + ctx.params.name); } };"))
        .route("/files/...", Handler.javascript("files.js",
            "export default { fetch() { return new Response('file'); } };"))
        .route("GET /boom", Handler.javascript("boom.js",
            "export default { fetch() { throw new Error('boom'); } };"))
        // Only the timeout can stop the loop (it allocates nothing like 64 GiB); 2 s leaves its module
        // room to load at build() on a busy machine.
        .route("GET /loop", Handler.javascript("loop.js", "export default { fetch() { while (true) {} } };")
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(2)).memory(DataSize.ofGiB(64)).build()))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  @Test
  void handle_ok_recordsOneEventWithTheCallsFields() throws Exception {
    Request request = Request.newBuilder().target("/hello/world?x=1").header("X-Request-Id", "req-1").build();

    List<RecordedEvent> events = record(() -> isola.handle(request));

    assertEquals(1, events.size(), events.toString());
    RecordedEvent event = events.get(0);
    assertEquals("GET /hello/:name", event.getString("route"));
    assertEquals("GET", event.getString("method"));
    assertEquals("/hello/world", event.getString("path"));
    assertEquals(200, event.getInt("status"));
    assertEquals("ok", event.getString("outcome"));
    assertEquals("req-1", event.getString("requestId"));
  }

  @Test
  void handle_guestError_recordsGuestErrorWithItsStatus() throws Exception {
    List<RecordedEvent> events = record(() -> assertThrows(GuestException.class, () -> isola.handle(Request.get("/boom"))));

    assertEquals(1, events.size(), events.toString());
    assertEquals("guest-error", events.get(0).getString("outcome"));
    assertEquals(500, events.get(0).getInt("status"));
    assertEquals("GET /boom", events.get(0).getString("route"));
  }

  @Test
  void handle_timeout_recordsTheLimitWithItsStatus() throws Exception {
    List<RecordedEvent> events = record(() ->
        assertThrows(LimitExceededException.class, () -> isola.handle(Request.get("/loop"))));

    assertEquals(1, events.size(), events.toString());
    assertEquals("limit:timeout", events.get(0).getString("outcome"));
    assertEquals(504, events.get(0).getInt("status"));
  }

  @Test
  void handle_longPath_recordsItCutTo256Characters() throws Exception {
    String path = "/files/" + "a".repeat(500);

    List<RecordedEvent> events = record(() -> isola.handle(Request.get(path)));

    assertEquals(path.substring(0, CallEvent.MAX_PATH), events.get(0).getString("path"));
  }

  @Test
  void handle_noRoute_recordsNothing() throws Exception {
    List<RecordedEvent> events = record(() -> isola.handle(Request.get("/nope")));

    assertEquals(List.of(), events);
  }

  /** The {@code dev.isola.Call} events recorded while {@code calls} runs. */
  private List<RecordedEvent> record(Runnable calls) throws Exception {
    Path file = dir.resolve("calls.jfr");
    try (Recording recording = new Recording()) {
      recording.enable(CallEvent.class);
      recording.start();
      calls.run();
      recording.stop();
      recording.dump(file);
    }
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals("dev.isola.Call"))
        .toList();
  }
}
