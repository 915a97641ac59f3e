package dev.isola.capability;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One use of a capability's operation by a guest: what was called, with what, for which call.
 *
 * @param <S> what the route's grants resolved to, narrowed for the call
 */
public final class Invocation<S> {
  private final String route;
  private final String requestId;
  private final Operation operation;
  private final List<@Nullable Object> arguments;
  private final S granted;
  private final long deadlineNanos;

  /** Made by Isola for each use; public for tests of capabilities. */
  public Invocation(String route, String requestId, Operation operation, List<@Nullable Object> arguments, S granted,
      long deadlineNanos) {
    this.route = Objects.requireNonNull(route, "route");
    this.requestId = Objects.requireNonNull(requestId, "requestId");
    this.operation = Objects.requireNonNull(operation, "operation");
    this.arguments = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(arguments));
    this.granted = granted;
    this.deadlineNanos = deadlineNanos;
  }

  /** The route as declared, e.g. {@code "POST /orders"}. */
  public String route() {
    return route;
  }

  /** The call's request id (the caller's {@code X-Request-Id} or a new one). */
  public String requestId() {
    return requestId;
  }

  /** The operation called. */
  public Operation operation() {
    return operation;
  }

  /** The arguments, converted to the operation's parameter types (copies: the guest keeps its own). */
  public List<@Nullable Object> arguments() {
    return arguments;
  }

  /** Argument {@code index} as a {@code type}; null for a JSON {@code null}. */
  public <T> @Nullable T argument(int index, Class<T> type) {
    return type.cast(arguments.get(index));
  }

  /** What the route's grants allow, narrowed for this call. */
  public S granted() {
    return granted;
  }

  /** How long the call may still run: what an operation that waits should wait at most. */
  public Duration remaining() {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }
}
