package dev.isola.internal.capability.http;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * Collects a response body up to a cap. The body arrives one batch at a time (it asks for the next
 * only when it has stored the last), so the client never buffers far ahead; the batch that would
 * cross the cap cancels the subscription, which closes the stream or connection, and fails the body
 * with the exception {@code overflow} supplies. At most {@code cap} bytes are ever kept.
 */
public final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final long cap;
  private final Supplier<? extends RuntimeException> overflow;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final List<byte[]> chunks = new ArrayList<>();
  private long size;
  private Flow.Subscription subscription;

  private BoundedBody(long cap, Supplier<? extends RuntimeException> overflow) {
    this.cap = cap;
    this.overflow = overflow;
  }

  /**
   * A body of at most {@code cap} bytes. A response that declares a longer {@code Content-Length} is
   * refused before any of its body is read.
   */
  public static BoundedBody capped(long cap, HttpResponse.ResponseInfo info, Supplier<? extends RuntimeException> overflow) {
    BoundedBody body = new BoundedBody(cap, overflow);
    if (info.headers().firstValueAsLong("content-length").orElse(-1) > cap) {
      body.result.completeExceptionally(overflow.get());
    }
    return body;
  }

  /** A body that is not read at all: the stream is cancelled at once and the body is empty. */
  static BoundedBody skipped() {
    BoundedBody body = new BoundedBody(0, IllegalStateException::new);
    body.result.complete(new byte[0]);
    return body;
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (result.isDone()) {
      subscription.cancel();
    } else {
      subscription.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer buffer : buffers) {
      int length = buffer.remaining();
      if (size + length > cap) {
        subscription.cancel();
        chunks.clear();
        result.completeExceptionally(overflow.get());
        return;
      }
      byte[] chunk = new byte[length];
      buffer.get(chunk);
      chunks.add(chunk);
      size += length;
    }
    subscription.request(1);
  }

  @Override
  public void onError(Throwable error) {
    chunks.clear();
    result.completeExceptionally(error);
  }

  @Override
  public void onComplete() {
    byte[] all = new byte[(int) size];
    int at = 0;
    for (byte[] chunk : chunks) {
      System.arraycopy(chunk, 0, all, at, chunk.length);
      at += chunk.length;
    }
    chunks.clear();
    result.complete(all);
  }
}
