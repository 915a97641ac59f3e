package dev.isola;

import java.nio.file.Path;

/**
 * The child JVM of {@link IsolaMetricsTest#withoutMetrics_isolaRunsWithoutMicrometer}, started
 * without Micrometer on its class path: serves one call and prints {@code <status> <micrometer
 * present|absent>}.
 */
public final class WithoutMicrometerChild {
  private WithoutMicrometerChild() {}

  public static void main(String[] args) {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.wasm(Path.of(args[0]))).build()) {
      int status = isola.handle(Request.get("/hello/child")).status();
      System.out.println(status + " micrometer " + (present("io.micrometer.core.instrument.MeterRegistry") ? "present" : "absent"));
    }
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, WithoutMicrometerChild.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
