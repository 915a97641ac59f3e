package dev.isola.internal.capability.http;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The answer to an outbound HTTP request, after any redirects were followed.
 *
 * @param status the HTTP status of the last response
 * @param headers its headers, names case-insensitive, as the JDK client gives them
 * @param body its body, complete and no longer than the call's cap
 * @param finalUri the URL that gave the last response (the request's own URL when not redirected)
 */
public record HttpResult(int status, Map<String, List<String>> headers, byte[] body, URI finalUri) {}
