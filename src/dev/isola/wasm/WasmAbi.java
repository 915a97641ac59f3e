package dev.isola.wasm;

import dev.isola.Handler;

/**
 * How a WebAssembly handler talks to its host. Set with {@link Handler#abi(WasmAbi)}; when unset,
 * Isola picks {@link #EXTISM} for a module that imports {@code extism:host/env} and {@link #WAGI}
 * for any other.
 */
public enum WasmAbi {
  /**
   * CGI over WASI preview 1: any {@code wasm32-wasi} program. Its {@code _start} runs once per
   * request with the request as CGI environment variables and the body on stdin, and answers on
   * stdout with CGI header lines, a blank line and the body. See the README, "WebAssembly handlers".
   */
  WAGI("wagi"),

  /**
   * The Extism plugin ABI: a module importing {@code extism:host/env}, built with any Extism PDK.
   * Its exported function (see {@link Handler#export(String)}) gets the request body as input and
   * answers with its output; request details and the response status and headers travel as Extism
   * vars. See the README, "WebAssembly handlers".
   */
  EXTISM("extism");

  private final String key;

  WasmAbi(String key) {
    this.key = key;
  }

  /** The name in {@code isola.toml}: {@code abi = "wagi"} or {@code abi = "extism"}. */
  public String key() {
    return key;
  }
}
