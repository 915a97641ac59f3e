/**
 * Running Isola without writing Java: {@link dev.isola.server.Manifest} reads routes and limits
 * from an {@code isola.toml}, {@link dev.isola.server.DevServer} serves an {@link dev.isola.Isola}
 * over HTTP on the JDK's built-in server, and {@link dev.isola.server.IsolaCli} is the {@code isola}
 * command ({@code isola serve isola.toml}, {@code isola check isola.toml}).
 *
 * <p>The dev server is meant for development, tests and demos. In production, embed {@code Isola}
 * in the application's own HTTP server.
 */
@NullMarked
package dev.isola.server;

import org.jspecify.annotations.NullMarked;
