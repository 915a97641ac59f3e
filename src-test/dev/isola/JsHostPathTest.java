package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A handler read from a file sees its file name, never where the file lies on the host: in {@code
 * import.meta.url} and in the stacks of its errors.
 */
class JsHostPathTest {
  @TempDir
  Path dir;

  @Test
  void importMetaUrlAndStacks_nameTheFile_notItsHostPath() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("secret-host-folder/api"));
    Path file = folder.resolve("where.js");
    Files.writeString(file, """
        function deeper() { return new Error("probe").stack; }
        export default {
          async fetch(request) {
            return Response.json({ url: import.meta.url, stack: deeper() });
          },
        };
        """);
    try (Isola isola = Isola.newBuilder().route("/where", Handler.javascript(file)).build()) {
      String body = isola.handle(Request.get("/where")).bodyText();

      assertFalse(body.contains("secret-host-folder"), body);
      assertFalse(body.contains(dir.toString()), body);
      assertTrue(body.contains("\"url\":\"file:///where.js\""), body);
      assertTrue(body.contains("where.js:1"), body);
    }
  }

  @Test
  void uncaughtError_stackInTheGuestExceptionNamesTheFile_notItsHostPath() throws IOException {
    Path file = Files.createDirectories(dir.resolve("secret-host-folder")).resolve("fails.js");
    Files.writeString(file, """
        export default {
          async fetch(request) {
            return Response.json({ stack: new Error("visible").stack, thrown: (() => { throw new TypeError("boom"); })() });
          },
        };
        """);
    try (Isola isola = Isola.newBuilder().route("/fails", Handler.javascript(file)).build()) {
      GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/fails")));

      String stack = e.guestStack().orElseThrow();
      assertFalse(stack.contains("secret-host-folder"), stack);
      assertTrue(stack.contains("fails.js:3"), stack);
    }
  }
}
