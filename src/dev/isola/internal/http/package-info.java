/**
 * The rules every HTTP adapter of Isola follows, shared by the dev server ({@code
 * dev.isola.server}) and the servlet adapter ({@code dev.isola.servlet}): request ids ({@link
 * dev.isola.internal.http.RequestIds}), bounded request bodies ({@link
 * dev.isola.internal.http.CappedBody}), the answers to failed calls ({@link
 * dev.isola.internal.http.FailureAnswer}) and which response headers the server owns ({@link
 * dev.isola.internal.http.ResponseRules}). Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.http;

import org.jspecify.annotations.NullMarked;
