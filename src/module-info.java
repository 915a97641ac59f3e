/**
 * Isola: in-process isolated handlers. The public API is {@code dev.isola}; the dev server and
 * {@code isola} command line are in {@code dev.isola.server}; key-value storage backends are in
 * {@code dev.isola.kv}; the Jakarta Servlet adapter is in {@code dev.isola.servlet}, Spring Boot
 * auto-configuration in {@code dev.isola.spring}; a JUnit 5 kit for testing handlers ({@code
 * IsolaExtension}) is in {@code dev.isola.testing}; the WebAssembly ABIs ({@code WasmAbi}) are in
 * {@code dev.isola.wasm}. Calls are JFR events ({@code dev.isola.Call}) and, with {@code
 * dev.isola.metrics.IsolaMetrics}, Micrometer meters.
 */
module dev.isola {
  requires org.graalvm.polyglot;
  // For one Truffle instrument (dev.isola.internal.js.GuestStop) that stops guests Truffle's cancel cannot.
  requires org.graalvm.truffle;
  requires com.dylibso.chicory.runtime;
  requires com.dylibso.chicory.wasi;
  requires com.dylibso.chicory.log;
  requires com.dylibso.chicory.compiler;
  requires org.slf4j;
  requires org.tomlj;
  requires jdk.management;
  requires jdk.httpserver;
  requires java.net.http;
  requires jdk.jfr;
  requires static org.jspecify;
  requires static redis.clients.jedis;
  // Optional: only applications that deploy IsolaServlet have (and need) the Servlet API.
  requires static transitive jakarta.servlet;
  // Optional: only applications that pass a MeterRegistry to IsolaMetrics have (and need) Micrometer.
  requires static transitive micrometer.core;
  requires static transitive org.junit.jupiter.api; // IsolaExtension's signatures name JUnit types
  // Optional: only Spring Boot applications load dev.isola.spring (through its AutoConfiguration.imports).
  requires static spring.beans;
  requires static spring.context;
  requires static spring.core;
  requires static spring.boot;
  requires static spring.boot.autoconfigure;
  requires static spring.tx;

  provides com.oracle.truffle.api.instrumentation.provider.TruffleInstrumentProvider
      with dev.isola.internal.js.GuestStopProvider;

  exports dev.isola;
  exports dev.isola.capability;
  exports dev.isola.metrics;
  exports dev.isola.wasm;
  exports dev.isola.kv;
  exports dev.isola.server;
  exports dev.isola.servlet;
  exports dev.isola.testing;
  exports dev.isola.spring;
}
