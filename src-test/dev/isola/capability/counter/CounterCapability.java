package dev.isola.capability.counter;

import dev.isola.CapabilityDeniedException;
import dev.isola.capability.Capability;
import dev.isola.capability.Invocation;
import dev.isola.capability.Operation;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A capability written against the SPI alone, in this one folder: a shared counter. Routes are
 * granted a largest step ({@link CounterGrant}); a call may be narrowed to a smaller one
 * ({@code CallOptions.newBuilder().narrow("counter", 2L)}); a larger step is denied.
 */
public final class CounterCapability implements Capability<CounterGrant, Long> {
  private final AtomicLong value = new AtomicLong();

  @Override
  public String name() {
    return "counter";
  }

  @Override
  public Class<CounterGrant> grantType() {
    return CounterGrant.class;
  }

  @Override
  public List<Operation> operations() {
    return List.of(Operation.of("add", Operation.Type.INTEGER, Operation.Type.INTEGER),
        Operation.of("get", Operation.Type.INTEGER));
  }

  /** Several grants of one route: the smallest step wins. */
  @Override
  public Long resolve(String route, List<CounterGrant> grants) {
    return grants.stream().mapToLong(CounterGrant::max).min().orElseThrow();
  }

  @Override
  public Long narrow(Long granted, @Nullable Object narrowing) {
    if (narrowing == null) {
      return granted;
    }
    if (!(narrowing instanceof Long max)) {
      throw new IllegalArgumentException("the counter is narrowed with a Long, got " + narrowing.getClass().getName());
    }
    return Math.min(granted, max);
  }

  @Override
  public @Nullable Object invoke(Invocation<Long> invocation) {
    return switch (invocation.operation().name()) {
      case "add" -> {
        long delta = invocation.argument(0, Long.class);
        if (delta > invocation.granted()) {
          throw new CapabilityDeniedException("route \"" + invocation.route() + "\" may add at most "
              + invocation.granted() + " to the counter at once, not " + delta + "; grant a larger max");
        }
        yield value.addAndGet(delta);
      }
      case "get" -> value.get();
      default -> throw new IllegalStateException(invocation.operation().name());
    };
  }

  /** The counter's value, for tests. */
  public long value() {
    return value.get();
  }
}
