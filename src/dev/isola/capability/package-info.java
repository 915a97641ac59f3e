/**
 * The capability SPI: how a guest reaches the host, and how an application adds its own ways.
 *
 * <p>A {@link dev.isola.capability.Capability} has a name, a grant type, a typed list of {@link
 * dev.isola.capability.Operation operations}, a build-time resolution of a route's grants and a
 * per-call narrowing step. Isola derives the guests' bindings from the operations: {@code
 * env.NAME.op(...)} in JavaScript (each answers a promise), the host function {@code
 * isola:host/NAME.op} for WebAssembly (WAGI programs and Extism plugins alike, JSON in and out), and
 * {@code extism:host/user} functions {@code NAME_op} for Extism plugins, as Extism's host functions
 * are. Register one with {@link dev.isola.Isola.Builder#capability}; grant it per route like any
 * built-in capability. A route not granted it is denied with {@link
 * dev.isola.CapabilityDeniedException} naming the grant.
 *
 * <p>{@link dev.isola.capability.HostInterface} makes such a capability from a Java interface and
 * an implementation: the usual way for an application to let its handlers call its own services.
 */
@NullMarked
package dev.isola.capability;

import org.jspecify.annotations.NullMarked;
