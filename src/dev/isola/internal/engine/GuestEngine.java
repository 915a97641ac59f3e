package dev.isola.internal.engine;

import dev.isola.Handler;
import dev.isola.Limits;

/**
 * One kind of guest code (JavaScript, WebAssembly, ...) behind one interface: {@link #prepare} parses
 * and checks a handler once, at build time; the {@link PreparedHandler} it returns runs each call in
 * a new sandbox. An {@code Isola} starts an engine only when one of its routes needs it, and closes
 * it with itself.
 */
public interface GuestEngine extends AutoCloseable {
  /**
   * Parses and checks {@code handler} for {@code route}.
   *
   * @param code the handler's code as read from its file or given in Java
   * @throws dev.isola.HandlerLoadException naming the handler and the fix when the code cannot run
   */
  PreparedHandler prepare(String route, Handler handler, byte[] code, Limits limits);

  /**
   * Like {@link #prepare(String, Handler, byte[], Limits)}, knowing the route's resolved grants
   * (an engine that builds sandboxes ahead needs to know, for instance, whether the route may send
   * HTTP requests).
   */
  default PreparedHandler prepare(String route, Handler handler, byte[] code, Limits limits,
      dev.isola.internal.capability.RouteCapabilities capabilities) {
    return prepare(route, handler, code, limits);
  }

  /** Releases what the engine holds; calls still running may fail. */
  @Override
  void close();
}
