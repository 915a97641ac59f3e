package dev.isola;

import java.util.concurrent.atomic.AtomicReference;

/** The two kinds of thread a call can come from; limits must hold for both. */
enum Caller {
  PLATFORM, VIRTUAL;

  /** {@code isola.handle(request)} on this kind of thread, rethrowing what it throws. */
  Response handle(Isola isola, Request request) throws InterruptedException {
    if (this == PLATFORM) {
      return isola.handle(request);
    }
    AtomicReference<Object> result = new AtomicReference<>();
    Thread t = Thread.ofVirtual().start(() -> {
      try {
        result.set(isola.handle(request));
      } catch (RuntimeException e) {
        result.set(e);
      }
    });
    t.join();
    if (result.get() instanceof RuntimeException e) {
      throw e;
    }
    return (Response) result.get();
  }
}
