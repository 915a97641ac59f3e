/**
 * Isola: in-process isolated handlers. The public API is {@code dev.isola}; the dev server and
 * {@code isola} command line are in {@code dev.isola.server}; key-value storage backends are in
 * {@code dev.isola.kv}; the Jakarta Servlet adapter is in {@code dev.isola.servlet}.
 */
module dev.isola {
  requires org.graalvm.polyglot;
  requires com.dylibso.chicory.runtime;
  requires com.dylibso.chicory.wasi;
  requires com.dylibso.chicory.compiler;
  requires org.slf4j;
  requires org.tomlj;
  requires jdk.management;
  requires jdk.httpserver;
  requires java.net.http;
  requires static org.jspecify;
  requires static redis.clients.jedis;
  // Optional: only applications that deploy IsolaServlet have (and need) the Servlet API.
  requires static transitive jakarta.servlet;

  exports dev.isola;
  exports dev.isola.kv;
  exports dev.isola.server;
  exports dev.isola.servlet;
}
