package dev.isola.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What of a handler's name a guest may see: the file name, never the host's directories. */
class GuestModuleTest {
  private static String programName(String name) {
    return new GuestModule("/r", name, null, null, false, null, 0).programName();
  }

  @Test
  void programName_isTheFileNameAlone() {
    assertEquals("x.wasm", programName("/home/someone/project/x.wasm"));
    assertEquals("x.wasm", programName("C:\\Users\\someone\\x.wasm"));
    assertEquals("x.wasm", programName("x.wasm"));
  }
}
