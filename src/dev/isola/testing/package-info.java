/**
 * A JUnit 5 kit for testing handlers: {@link dev.isola.testing.IsolaExtension} builds an {@link
 * dev.isola.Isola} for each test with in-memory key-value stores, outbound HTTP answered by stubs
 * (nothing reaches the network; requests are recorded) and the guests' log lines collected.
 *
 * <p>Needs {@code org.junit.jupiter:junit-jupiter-api} on the test class path, which JUnit 5 tests
 * have anyway; on the module path, {@code requires org.junit.jupiter.api}.
 */
@NullMarked
package dev.isola.testing;

import org.jspecify.annotations.NullMarked;
