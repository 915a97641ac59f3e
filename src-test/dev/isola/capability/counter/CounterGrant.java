package dev.isola.capability.counter;

import dev.isola.Grant;

/**
 * The counter capability's own grant type: a route may add at most {@code max} per use.
 *
 * @param max the largest delta one use may add
 */
public record CounterGrant(long max) implements Grant {
  public CounterGrant {
    if (max < 1) {
      throw new IllegalArgumentException("a counter grant's max " + max + " must be at least 1");
    }
  }

  @Override
  public String capability() {
    return "counter";
  }

  @Override
  public String toToml() {
    return "counter = { max = " + max + " }";
  }
}
