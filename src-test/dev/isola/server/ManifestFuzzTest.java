package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Fuzz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fuzz target of the manifest: random TOML-like text loads or fails with a ManifestException. */
class ManifestFuzzTest {
  private static final String[] PIECES = {"[[route]]\n", "[limits]\n", "[server]\n", "[store.s]\n", "[variables]\n",
      "[secrets]\n", "path = \"/a\"\n", "path = \"GET /u/:id\"\n", "handler = \"a.js\"\n", "handler = \"x.wasm\"\n",
      "timeout = \"2s\"\n", "timeout = 5\n", "memory = \"1KiB\"\n", "max_in_flight = 0\n", "port = 99999\n",
      "type = \"redis\"\n", "key_value = [\"s\"]\n", "outbound_http = [\"ftp://x\"]\n", "files = [\"nope\"]\n",
      "secrets = { K = [\"https://a.example\"] }\n", "secrets = [\"K\"]\n",
      "secrets = { K = { origins = [\"https://a.example\"], header = \"A\", template = \"{}\" } }\n",
      "K = { env = \"UNSET_ISOLA_FUZZ\" }\n", "abi = \"nope\"\n",
      "= \n", "\"\n", "[[\n", "a.b.c = 1\n", "config = { x = 1 }\n",
      "name = \"inv\"\n", "name = \"kv\"\n", "calls = [\"inv\"]\n", "calls = [\"Nope\"]\n", "[remote.inv]\n",
      "url = \"http://127.0.0.1:1\"\n", "url = 3\n", "[node]\n", "key_secret = \"K\"\n", "max_call_depth = 99\n",
      "components = [\"inv\"]\n", "components = \"inv\"\n", "K = \"a-node-key-of-at-least-32-bytes-for-fuzzing\"\n"};

  @Test
  void randomManifests_loadOrFailWithAManifestException(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.js"), "export default { fetch() { return new Response('x'); } };");
    Files.write(dir.resolve("x.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    SplittableRandom random = Fuzz.random("manifests");
    Path file = dir.resolve("isola.toml");
    for (int i = 0; i < Fuzz.inputs(); i++) {
      StringBuilder toml = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        toml.append(random.nextInt(8) == 0 ? new String(Fuzz.bytes(random, 6, "[]=\"{},.\n"), StandardCharsets.ISO_8859_1)
            : PIECES[random.nextInt(PIECES.length)]);
      }
      Files.writeString(file, toml, StandardCharsets.ISO_8859_1);
      try {
        Manifest.load(file);
      } catch (ManifestException refused) {
        assertTrue(refused.getMessage().startsWith(file.toString()), refused.getMessage());
      }
    }
  }
}
