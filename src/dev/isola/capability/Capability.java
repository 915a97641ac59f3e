package dev.isola.capability;

import dev.isola.Grant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A way for guests to reach the host, granted per route. Isola's own capabilities (key-value,
 * outbound HTTP, variables, secrets, files) and an application's are granted, narrowed and denied
 * the same way; an application's gets its bindings derived from {@link #operations()}:
 *
 * <ul>
 *   <li>JavaScript: {@code await env.NAME.op(arg, ...)}; arguments are checked against the
 *       operation's types (a {@code TypeError} otherwise) and copied; the promise rejects with an
 *       {@code Error} carrying a {@link CapabilityException}'s message, or with a {@code
 *       CapabilityDeniedError} when the route is not granted {@code NAME}.
 *   <li>WebAssembly (WAGI and Extism): the host function {@code isola:host/NAME.op(args, args_len,
 *       out, out_cap) -> i64} takes the arguments as a JSON array of at most 1 MiB ({@link
 *       Operation.Type#BYTES} as base64 strings) and copies the result's JSON to {@code out} if it
 *       fits, answering its length either way; -1 for a null result or none ({@link
 *       Operation.Type#VOID}), -2 denied, -3 bad arguments, -4 failed (the message: {@code
 *       isola:host/call.error(out, out_cap) -> i64}).
 *   <li>Extism plugins also as Extism host functions: {@code extism:host/user} function {@code
 *       NAME_op(i64 args) -> i64}, the arguments' JSON array in a kernel block (0 for none; at
 *       most 1 MiB), the result's JSON in a new block (0 for null or none). A denial or failure
 *       fails the plugin's call, as a host function error does in Extism.
 * </ul>
 *
 * <p>Methods run on the thread of the call that uses the capability, within the call's timeout:
 * {@link Invocation#remaining()} says how long is left; an operation that blocks past it holds that
 * thread (the watchdog stops the guest, not Java code). Implementations must be thread-safe: calls
 * of many routes use them at once.
 *
 * @param <G> the grant type, as routes are given it ({@link NamedGrant} suits capabilities
 *     whose grant is just their name)
 * @param <S> what a route's grants resolve to at build time (and each call's narrowing of it)
 */
public interface Capability<G extends Grant, S> {
  /**
   * The binding's name: {@code env.NAME}, {@code isola:host/NAME}. Letters and digits, starting with
   * a lower-case letter, at most 32; unique in an {@code Isola}, not one of Isola's own ({@code kv},
   * {@code vars}, {@code secrets}, {@code files}, {@code http}, {@code call}, {@code fetch}, {@code
   * log}) and not a name JavaScript calls by itself ({@code then}, {@code toJSON}, {@code toString},
   * {@code valueOf}, {@code toLocaleString}, {@code constructor}, {@code hasOwnProperty}, {@code
   * isPrototypeOf}, {@code propertyIsEnumerable}). {@link dev.isola.Isola.Builder#capability} refuses
   * any other.
   */
  String name();

  /** The type of this capability's grants; a grant of it whose {@link Grant#capability()} is {@link #name()} grants it. */
  Class<G> grantType();

  /** What guests may call; at least one, names unique. */
  List<Operation> operations();

  /**
   * At {@code build()}, for one route: the route's grants of this capability (at least one) and what
   * they allow, handed to every {@link Invocation} of the route's calls.
   *
   * @throws IllegalArgumentException naming what is wrong and the fix; {@code build()} fails with it
   */
  S resolve(String route, List<G> grants);

  /**
   * Per call: narrows what the route was granted with what the embedder passed for this call
   * ({@link dev.isola.CallOptions.Builder#narrow(String, Object)}), never widening it; called on the
   * call's first use of the capability. By default the route's grant, unchanged, and a narrowing
   * value is refused: a capability that takes one says what it means by overriding this.
   *
   * @param narrowing the embedder's value for this call, or null when it passed none
   * @throws IllegalArgumentException if {@code narrowing} is not a value this capability understands
   *     (the call then fails, naming it: an embedder's mistake, not the guest's)
   * @throws dev.isola.CapabilityDeniedException when the call may not use this capability at all
   *     (logged, counted and remembered like every denial)
   */
  default S narrow(S granted, @Nullable Object narrowing) {
    if (narrowing != null) {
      throw new IllegalArgumentException("capability " + name() + " takes no narrowing, got " + narrowing);
    }
    return granted;
  }

  /**
   * Runs one operation for a guest. Arguments have been checked against the operation's types.
   *
   * @return the result, of the operation's result type (null for none)
   * @throws dev.isola.CapabilityDeniedException when what was granted does not allow this use
   *     (logged, counted and remembered like every denial)
   * @throws CapabilityException for a failure whose message the guest may read
   * @throws Exception for any other failure: the guest learns only that the operation failed
   */
  @Nullable Object invoke(Invocation<S> invocation) throws Exception;
}
