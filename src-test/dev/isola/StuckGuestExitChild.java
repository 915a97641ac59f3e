package dev.isola;

import java.time.Duration;

/**
 * The child JVM of {@link CancellationTest#close_withWrittenOffGuest_jvmStillExits}: closes an
 * Isola while a written-off guest still runs, then exits; prints what it saw on the way.
 */
public final class StuckGuestExitChild {
  private StuckGuestExitChild() {}

  public static void main(String[] args) {
    Isola isola = Isola.newBuilder()
        .route("/stuck", Handler.javascript("stuck.js", CancellationTest.UNSTOPPABLE)
            .limits(Limits.newBuilder().timeout(Duration.ofMillis(200)).build()))
        .build();
    try {
      isola.handle(Request.get("/stuck"));
      System.out.println("answered");
    } catch (LimitExceededException e) {
      System.out.println("stopped " + e.limit().key());
    }
    isola.close();
    System.out.println("closed");
    System.out.flush();
    System.exit(0);
  }
}
