package dev.isola.internal.engine;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One routed call of an {@code Isola}, as a JDK Flight Recorder event ({@code dev.isola.Call}): its
 * duration is the caller's wait, from routing to the answer or the exception. Enabled with the
 * recording, like any JDK event: {@code java -XX:StartFlightRecording ...} or {@code jcmd <pid>
 * JFR.start}.
 *
 * <p>Fields are set only when {@link #shouldCommit()} says the event is wanted, so a call pays one
 * check when no recording runs.
 */
@Name("dev.isola.Call")
@Label("Isola call")
@Category("Isola")
@Description("A request routed by an Isola and answered by a handler in a sandbox, or refused")
@StackTrace(false) // the stack is always Isola.handle's; leaving it out keeps recordings small
public final class CallEvent extends jdk.jfr.Event {
  /** The longest path kept; longer ones are cut, so a huge request target cannot bloat a recording. */
  static final int MAX_PATH = 256;

  @Label("Route")
  @Description("The route as declared, e.g. GET /users/:id")
  String route;

  @Label("Method")
  String method;

  @Label("Path")
  @Description("The raw request path, cut to 256 characters")
  String path;

  @Label("Status")
  @Description("The response's status, or the httpStatus() of the exception the call ended with")
  int status;

  @Label("Outcome")
  @Description("ok, guest-error, limit:<name>, denied, overloaded or error")
  String outcome;

  @Label("Request Id")
  String requestId;

  /**
   * A begun event. Callers create one only once {@code jdk.jfr.FlightRecorder.isInitialized()}: until
   * JFR has run in the JVM, this class is not even loaded (loading an event class costs about a
   * quarter of a second at start-up), and a recording started later with {@code jcmd} still sees the
   * calls from then on.
   */
  public static CallEvent begun() {
    CallEvent event = new CallEvent();
    event.begin();
    return event;
  }

  /** Commits this event with the call's fields if a recording wants it; cheap when none does. */
  public void commitIfWanted(String route, String method, String path, int status, String outcome,
      String requestId) {
    if (!shouldCommit()) {
      return;
    }
    this.route = route;
    this.method = method;
    this.path = path.length() > MAX_PATH ? path.substring(0, MAX_PATH) : path;
    this.status = status;
    this.outcome = outcome;
    this.requestId = requestId;
    commit();
  }
}
