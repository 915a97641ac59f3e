package dev.isola.internal.engine;

import dev.isola.IsolaException;
import org.jspecify.annotations.Nullable;

/**
 * One kind of way a call can fail, as an engine's {@link FailureClassifier} recognises it; {@link
 * SandboxRunner} makes the exception and its message. Made only on a failure, never on a call that
 * answers.
 *
 * @param kind what happened
 * @param detail the engine's own words about it, for the message ({@code ""} if none); for {@link
 *     Kind#GUEST_ERROR} the whole message after the route
 * @param guestStack the guest's stack trace as text, for {@link Kind#GUEST_ERROR} ({@code ""} if none)
 * @param status the HTTP status of a {@link Kind#GUEST_ERROR}
 * @param cause the engine's exception, kept as the cause where it helps diagnose Isola itself
 * @param answer the exception the call ends with, for {@link Kind#DECIDED}
 */
public record Failure(Kind kind, String detail, String guestStack, int status, @Nullable Throwable cause,
    @Nullable IsolaException answer) {

  /** The kinds, each ending the call with one exception (see {@link SandboxRunner#failure}). */
  public enum Kind {
    /** The guest's own error (it threw, trapped, misused WASI): {@code GuestException}. */
    GUEST_ERROR,
    /** The guest overflowed its call stack: {@code GuestException}, the same message for every engine. */
    STACK_OVERFLOW,
    /** The JVM ran out of memory (or the engine reports its resources exhausted): the memory limit. */
    RESOURCE_EXHAUSTED,
    /** The calling thread was interrupted: {@code IsolaException}, the interrupt kept. */
    INTERRUPTED,
    /** The engine cancelled the call, not the guard: {@code IsolaException}. */
    CANCELLED,
    /** The engine or Isola failed, not the guest: {@code IsolaException} with the cause. */
    INTERNAL,
    /** The engine saw its run stopped: the guard's limit, or closing; cancelled if neither. */
    STOPPED_BY_GUARD,
    /** The engine already knows the exception (a host function's limit or denial): as it is. */
    DECIDED
  }

  /** The guest's error: {@code message} follows the route, e.g. {@code handler a.js threw TypeError: x}. */
  public static Failure guestError(String message, String guestStack, int status) {
    return new Failure(Kind.GUEST_ERROR, message, guestStack, status, null, null);
  }

  /** The guest overflowed its call stack. */
  public static Failure stackOverflow() {
    return new Failure(Kind.STACK_OVERFLOW, "", "", 500, null, null);
  }

  /** The JVM ran out of memory; {@code detail} is what the engine said ({@code ""} if nothing). */
  public static Failure resourceExhausted(String detail) {
    return new Failure(Kind.RESOURCE_EXHAUSTED, detail, "", 500, null, null);
  }

  /** The calling thread was interrupted. */
  public static Failure interrupted(Throwable cause) {
    return new Failure(Kind.INTERRUPTED, "", "", 500, cause, null);
  }

  /** The engine cancelled the call. */
  public static Failure cancelled() {
    return new Failure(Kind.CANCELLED, "", "", 500, null, null);
  }

  /** The engine or Isola failed: {@code detail} says how, {@code cause} is kept. */
  public static Failure internal(String detail, Throwable cause) {
    return new Failure(Kind.INTERNAL, detail, "", 500, cause, null);
  }

  /** The engine saw its run stopped (its sandbox closed under it). */
  public static Failure stoppedByGuard() {
    return new Failure(Kind.STOPPED_BY_GUARD, "", "", 500, null, null);
  }

  /** The call ends with {@code answer}, as it is. */
  public static Failure decided(IsolaException answer) {
    return new Failure(Kind.DECIDED, "", "", 500, null, answer);
  }
}
