package dev.isola.server;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Finds the key a misspelled one was meant to be, for "did you mean" hints. */
final class KeySuggestions {
  private KeySuggestions() {}

  /** The known key {@code key} was most likely meant to be, if one is close enough. */
  static Optional<String> nearest(String key, List<String> known) {
    String plain = plain(key);
    @Nullable String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      if (plain(candidate).equals(plain)) {
        return Optional.of(candidate);
      }
      int distance = distance(key.toLowerCase(Locale.ROOT), candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    int allowed = key.length() <= 4 ? 1 : 2;
    return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
  }

  private static String plain(String key) {
    return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "").replace(" ", "");
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
