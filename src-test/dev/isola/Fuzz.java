package dev.isola;

import java.util.SplittableRandom;

/**
 * Budget and randomness for the fuzz tests ({@code *FuzzTest}): a few thousand inputs each in the
 * normal run, {@code -Dfuzz.inputs=N} (the {@code fuzz} Maven profile: a million) for a long run.
 * The seed is printed, and {@code -Dfuzz.seed=S} repeats a run.
 */
public final class Fuzz {
  private Fuzz() {}

  /** How many inputs each fuzz target gets. */
  public static int inputs() {
    return Integer.getInteger("fuzz.inputs", 2_000);
  }

  /** A random source, seeded from {@code fuzz.seed} or the clock, with the seed printed. */
  public static SplittableRandom random(String target) {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    System.out.println("[fuzz] " + target + ": " + inputs() + " inputs, seed " + seed);
    return new SplittableRandom(seed);
  }

  /** Bytes biased toward the characters parsers care about. */
  public static byte[] bytes(SplittableRandom random, int max, String interesting) {
    byte[] out = new byte[random.nextInt(max + 1)];
    for (int i = 0; i < out.length; i++) {
      out[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256)
          : (byte) interesting.charAt(random.nextInt(interesting.length()));
    }
    return out;
  }
}
