/**
 * Isola in a Jakarta Servlet container: {@link dev.isola.servlet.IsolaServlet} hands each request
 * to an {@link dev.isola.Isola}. Needs the Servlet 6 API ({@code jakarta.servlet}), which the
 * container provides; Isola's dependency on it is optional.
 */
@NullMarked
package dev.isola.servlet;

import org.jspecify.annotations.NullMarked;
