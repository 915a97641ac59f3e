/**
 * Route specs and request matching: {@link dev.isola.internal.route.RoutePattern} parses a spec
 * such as {@code "GET /users/:id"}, {@link dev.isola.internal.route.Router} picks the route for a
 * request and answers with a {@link dev.isola.internal.route.Lookup}.
 *
 * <p>Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.route;

import org.jspecify.annotations.NullMarked;
