package dev.isola.server;

import dev.isola.internal.route.Suggestions;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Finds the key a misspelled one was meant to be, for "did you mean" hints. */
final class KeySuggestions {
  private KeySuggestions() {}

  /** The known key {@code key} was most likely meant to be, if one is close enough. */
  static Optional<String> nearest(String key, List<String> known) {
    String plain = plain(key);
    for (String candidate : known) {
      if (plain(candidate).equals(plain)) {
        return Optional.of(candidate);
      }
    }
    return Suggestions.nearest(key, known);
  }

  private static String plain(String key) {
    return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "").replace(" ", "");
  }
}
