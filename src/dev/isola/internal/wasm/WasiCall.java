package dev.isola.internal.wasm;

import com.dylibso.chicory.log.Logger;
import com.dylibso.chicory.log.SystemLogger;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.internal.capability.files.ReadOnlyFileSystem;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * WASI preview 1 for one call, with nothing of the host but what is given here: the environment,
 * arguments and standard streams, the wall clock, a secure random source, and the route's granted
 * directories as read-only preopened directories (guest path = the mount, e.g. {@code /static}).
 * Without a files grant there is no preopened directory, so no path resolves. {@code proc_exit}
 * ends the call with a {@link GuestExit}, also for status 0.
 *
 * <p>Granted directories are read through a {@link ReadOnlyFileSystem}, which keeps reads inside
 * each directory and refuses every change. On top of it, the WASI functions that would change a file
 * answer {@code EROFS} here, before Chicory sees them: Chicory would report the refusal as {@code
 * EIO}, and would end the call on {@code ftruncate} or {@code posix_fallocate} of a file open for
 * reading (it does not catch the channel's {@code NonWritableChannelException} there).
 */
final class WasiCall implements AutoCloseable {
  /** Every WASI function Chicory implements; a module importing another one is refused at build. */
  private static final Set<String> PROVIDED;
  /** Chicory's WASI functions in the order {@link #functions()} lists them, for their names and types. */
  private static final List<HostFunction> PROBED;

  /** WASI preview 1 functions that change files whatever their arguments. */
  private static final Set<String> CHANGING = Set.of("fd_allocate", "fd_filestat_set_size",
      "fd_filestat_set_times", "path_create_directory", "path_filestat_set_times", "path_link",
      "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file");
  /** path_open's arguments (fd, dirflags, path, path_len, oflags, rights, inheriting, fdflags, fd_out). */
  private static final int OPEN_OFLAGS = 4;
  private static final int OPEN_RIGHTS = 5;
  private static final int OPEN_FDFLAGS = 7;
  // Values from the WASI preview 1 witx: oflags creat and trunc, rights fd_write, fdflags append, errno rofs.
  private static final long OFLAGS_CREAT_OR_TRUNC = 1 | 1 << 3;
  private static final long RIGHTS_FD_WRITE = 1 << 6;
  private static final long FDFLAGS_APPEND = 1;
  private static final long ERRNO_ROFS = 69;

  static {
    try (WasiCall probe = create(new byte[0], OutputStream.nullOutputStream(), OutputStream.nullOutputStream(),
        Map.of(), Map.of(), "probe", new Random(0), Clock.systemUTC())) {
      PROBED = List.of(probe.wasi.toHostFunctions());
      PROVIDED = PROBED.stream().map(HostFunction::name).collect(Collectors.toUnmodifiableSet());
    }
  }

  /** {@code proc_exit} as a {@link GuestExit}, which costs no stack trace. */
  private static final HostFunction EXIT = new HostFunction(WasmEngine.WASI, "proc_exit",
      FunctionType.of(List.of(ValType.I32), List.of()), (instance, args) -> {
        throw new GuestExit((int) args[0]);
      });

  /** What Chicory's WASI logs through, as it would pick itself off Android. */
  private static final Logger LOGGER = new SystemLogger();

  private final WasiPreview1 wasi;
  private final boolean readOnlyFiles;
  private HostFunction[] functions;

  private WasiCall(WasiPreview1 wasi, boolean readOnlyFiles) {
    this.wasi = wasi;
    this.readOnlyFiles = readOnlyFiles;
  }

  static boolean provides(String function) {
    return PROVIDED.contains(function);
  }

  /**
   * @param mounts granted directories by guest mount path, each the real path of its directory
   * @param program the program name the guest sees as {@code argv[0]}
   */
  static WasiCall create(byte[] stdin, OutputStream stdout, OutputStream stderr, Map<String, String> environment,
      Map<String, Path> mounts, String program, Random random, Clock clock) {
    WasiOptions.Builder options = WasiOptions.builder()
        .withStdin(new ByteArrayInputStream(stdin))
        .withStdout(stdout)
        .withStderr(stderr)
        .withArguments(List.of(program))
        .withClock(clock)
        .withRandom(random);
    environment.forEach(options::withEnvironment);
    // Sorted, so that a route's preopened directories get the same descriptors on every call.
    if (!mounts.isEmpty()) {
      new TreeMap<>(mounts).forEach((mount, directory) ->
          options.withDirectory(mount, ReadOnlyFileSystem.of(directory)));
    }
    // With a logger given, Chicory's builder skips probing for Android (a Class.forName that fails).
    return new WasiCall(WasiPreview1.builder().withLogger(LOGGER).withOptions(options.build()).build(),
        !mounts.isEmpty());
  }

  /** A WASI function run on a call's Chicory WASI directly, given the guest's memory and arguments. */
  private interface Direct {
    int call(WasiPreview1 wasi, Memory memory, long[] a);
  }

  /**
   * The functions C and Rust programs call on every run, on Chicory's own implementation without
   * {@link WasiPreview1#toHostFunctions} (which makes all of them, for every call). None of them
   * changes files, so the read-only guards of {@link #functions()} do not apply.
   */
  private static final Map<String, Direct> DIRECT = Map.ofEntries(
      Map.entry("args_get", (w, m, a) -> w.argsGet(m, (int) a[0], (int) a[1])),
      Map.entry("args_sizes_get", (w, m, a) -> w.argsSizesGet(m, (int) a[0], (int) a[1])),
      Map.entry("environ_get", (w, m, a) -> w.environGet(m, (int) a[0], (int) a[1])),
      Map.entry("environ_sizes_get", (w, m, a) -> w.environSizesGet(m, (int) a[0], (int) a[1])),
      Map.entry("clock_res_get", (w, m, a) -> w.clockResGet(m, (int) a[0], (int) a[1])),
      Map.entry("clock_time_get", (w, m, a) -> w.clockTimeGet(m, (int) a[0], a[1], (int) a[2])),
      Map.entry("random_get", (w, m, a) -> w.randomGet(m, (int) a[0], (int) a[1])),
      Map.entry("sched_yield", (w, m, a) -> w.schedYield()),
      Map.entry("fd_write", (w, m, a) -> w.fdWrite(m, (int) a[0], (int) a[1], (int) a[2], (int) a[3])),
      Map.entry("fd_read", (w, m, a) -> w.fdRead(m, (int) a[0], (int) a[1], (int) a[2], (int) a[3])),
      Map.entry("fd_close", (w, m, a) -> w.fdClose((int) a[0])),
      Map.entry("fd_seek", (w, m, a) -> w.fdSeek(m, (int) a[0], a[1], (int) a[2], (int) a[3])),
      Map.entry("fd_fdstat_get", (w, m, a) -> w.fdFdstatGet(m, (int) a[0], (int) a[1])),
      Map.entry("fd_fdstat_set_flags", (w, m, a) -> w.fdFdstatSetFlags((int) a[0], (int) a[1])),
      Map.entry("fd_prestat_get", (w, m, a) -> w.fdPrestatGet(m, (int) a[0], (int) a[1])),
      Map.entry("fd_prestat_dir_name", (w, m, a) -> w.fdPrestatDirName(m, (int) a[0], (int) a[1], (int) a[2])));

  /**
   * WASI host functions made once per module: each runs on the WASI {@code call} finds for the
   * calling instance, directly for the common functions, else through the call's {@link
   * #functions()}.
   */
  static List<HostFunction> dispatching(Function<Instance, WasiCall> call) {
    List<HostFunction> functions = new ArrayList<>(PROBED.size());
    for (int i = 0; i < PROBED.size(); i++) {
      HostFunction probed = PROBED.get(i);
      Direct direct = DIRECT.get(probed.name());
      int at = i;
      functions.add(probed.name().equals("proc_exit") ? EXIT
          : new HostFunction(probed.module(), probed.name(), probed.functionType(), direct != null
              ? (instance, args) -> new long[] {direct.call(call.apply(instance).wasi, instance.memory(), args)}
              : (instance, args) -> call.apply(instance).functions()[at].handle().apply(instance, args)));
    }
    return functions;
  }

  /**
   * Chicory's WASI host functions for this call, in the order of {@link #dispatching}, which runs
   * through them what it does not run directly ({@code proc_exit} never: it is {@link #EXIT}); made
   * once.
   */
  HostFunction[] functions() {
    if (functions != null) {
      return functions;
    }
    functions = wasi.toHostFunctions();
    if (readOnlyFiles) {
      for (int i = 0; i < functions.length; i++) {
        functions[i] = readOnly(functions[i]);
      }
    }
    return functions;
  }

  private static HostFunction readOnly(HostFunction function) {
    if (CHANGING.contains(function.name())) {
      return new HostFunction(function.module(), function.name(), function.functionType(),
          (instance, args) -> new long[] {ERRNO_ROFS});
    }
    if (function.name().equals("path_open")) {
      return new HostFunction(function.module(), function.name(), function.functionType(), (instance, args) ->
          (args[OPEN_OFLAGS] & OFLAGS_CREAT_OR_TRUNC) != 0 || (args[OPEN_RIGHTS] & RIGHTS_FD_WRITE) != 0
              || (args[OPEN_FDFLAGS] & FDFLAGS_APPEND) != 0
              ? new long[] {ERRNO_ROFS}
              : function.handle().apply(instance, args));
    }
    return function;
  }

  @Override
  public void close() {
    wasi.close();
  }
}
