package dev.isola;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of bytes, written the way people write them: {@code DataSize.ofMiB(32)} in code,
 * {@code "32MiB"} in {@code isola.toml}. Binary units (KiB, MiB, GiB) are powers of 1024; {@code KB},
 * {@code MB}, {@code GB} are accepted as the same binary units, since that is what people mean for
 * memory.
 */
public record DataSize(long bytes) implements Comparable<DataSize> {
  private static final Pattern SYNTAX =
      Pattern.compile("\\s*(\\d+)\\s*(B|KIB|KB|K|MIB|MB|M|GIB|GB|G)?\\s*", Pattern.CASE_INSENSITIVE);

  /** Validates that the size is not negative. */
  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("data size must not be negative, got " + bytes + " bytes");
    }
  }

  public static DataSize ofBytes(long bytes) {
    return new DataSize(bytes);
  }

  public static DataSize ofKiB(long kib) {
    return new DataSize(Math.multiplyExact(kib, 1024L));
  }

  public static DataSize ofMiB(long mib) {
    return new DataSize(Math.multiplyExact(mib, 1024L * 1024));
  }

  public static DataSize ofGiB(long gib) {
    return new DataSize(Math.multiplyExact(gib, 1024L * 1024 * 1024));
  }

  /**
   * Parses {@code "512"} (bytes), {@code "64KiB"}, {@code "32MiB"}, {@code "1GiB"} (also {@code KB},
   * {@code MB}, {@code GB}, {@code K}, {@code M}, {@code G}; case-insensitive).
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static DataSize parse(String text) {
    Matcher m = SYNTAX.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a data size: write a whole number with an optional unit,"
              + " e.g. \"512\" (bytes), \"64KiB\", \"32MiB\", \"1GiB\"");
    }
    long amount;
    try {
      amount = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + text + "\" is too large for a data size", e);
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    try {
      return switch (unit.charAt(0)) {
        case 'K' -> ofKiB(amount);
        case 'M' -> ofMiB(amount);
        case 'G' -> ofGiB(amount);
        default -> ofBytes(amount);
      };
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("\"" + text + "\" is too large for a data size", e);
    }
  }

  @Override
  public int compareTo(DataSize other) {
    return Long.compare(bytes, other.bytes);
  }

  /** The shortest exact form, e.g. {@code 32MiB}, {@code 1500B}. */
  @Override
  public String toString() {
    String[] units = {"B", "KiB", "MiB", "GiB"};
    long value = bytes;
    int unit = 0;
    while (unit < units.length - 1 && value != 0 && value % 1024 == 0) {
      value /= 1024;
      unit++;
    }
    return value + units[unit];
  }
}
