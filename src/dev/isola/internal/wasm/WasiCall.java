package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * WASI preview 1 for one call, with nothing of the host: the environment, arguments and standard
 * streams given here only, no preopened directory (so no path resolves), the wall clock and a
 * secure random source. {@code proc_exit} ends the call with a {@code WasiExitException}, also for
 * status 0.
 */
final class WasiCall {
  /** Every WASI function Chicory implements; a module importing another one is refused at build. */
  private static final Set<String> PROVIDED;

  static {
    try (WasiPreview1 probe = create(new byte[0], OutputStream.nullOutputStream(), OutputStream.nullOutputStream(),
        Map.of(), "probe", new Random(0))) {
      PROVIDED = Arrays.stream(probe.toHostFunctions()).map(HostFunction::name).collect(Collectors.toUnmodifiableSet());
    }
  }

  private WasiCall() {}

  static boolean provides(String function) {
    return PROVIDED.contains(function);
  }

  /**
   * @param program the program name the guest sees as {@code argv[0]}
   */
  static WasiPreview1 create(byte[] stdin, OutputStream stdout, OutputStream stderr, Map<String, String> environment,
      String program, Random random) {
    WasiOptions.Builder options = WasiOptions.builder()
        .withStdin(new ByteArrayInputStream(stdin))
        .withStdout(stdout)
        .withStderr(stderr)
        .withArguments(List.of(program))
        .withClock(Clock.systemUTC())
        .withRandom(random);
    environment.forEach(options::withEnvironment);
    return WasiPreview1.builder().withOptions(options.build()).build();
  }
}
