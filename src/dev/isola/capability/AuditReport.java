package dev.isola.capability;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an audited {@code Isola}'s routes used ({@link dev.isola.Isola#audit()}): per route, the
 * least-privilege grants as {@code isola.toml} lines, the grants never used (candidates to remove)
 * and the uses denied (candidates to add, if the handler is meant to have them). {@link #toToml()}
 * prints it as a commented TOML fragment per route. A snapshot: immutable, taken when asked.
 *
 * <p>What is observed: key-value stores and a short summary of the keys used in each (prefixes up
 * to the first {@code : / . - _ # |}, at most {@value #MAX_KEY_SHAPES} per store, merged into a
 * common prefix past that), each origin reached (redirect hops too), variables and readable secrets
 * read, injected secrets sent and to which origins, file mounts read through {@code env.files} or
 * {@code isola:host/files}, application capabilities and their operations called. Not observed:
 * files read through WASI preopens ({@code fopen} in WAGI programs and WASI plugins), so a files
 * grant of a WebAssembly route may be listed as unused while it is read. (In an audited call,
 * JavaScript's {@code env.vars} and {@code env.secrets} ask the host for each value as the handler
 * reads it, so only the ones it reads count as used.)
 *
 * @param mode the mode the {@code Isola} was built with
 * @param routes every route, in declaration order
 */
public record AuditReport(Audit mode, List<RouteAudit> routes) {
  /** The most key shapes kept per store and route; more are merged into common prefixes. */
  public static final int MAX_KEY_SHAPES = 8;

  public AuditReport {
    Objects.requireNonNull(mode, "mode");
    routes = List.copyOf(routes);
  }

  /** The audit of route {@code spec} (as declared), if there is such a route. */
  public Optional<RouteAudit> route(String spec) {
    return routes.stream().filter(r -> r.route().equals(spec)).findFirst();
  }

  /**
   * One line of a route's audit.
   *
   * @param toml a grant as written in {@code isola.toml}, e.g. {@code key_value = ["sessions"]}
   * @param note what was seen, e.g. the keys used, or how often a denied use was asked for; may be
   *     empty
   * @param times how many uses (for a denial: how many times it was asked for); 0 for an unused grant
   */
  public record Line(String toml, String note, long times) {
    public Line {
      Objects.requireNonNull(toml, "toml");
      Objects.requireNonNull(note, "note");
    }
  }

  /**
   * One route's audit.
   *
   * @param route the route as declared
   * @param calls how many calls of it ran since the {@code Isola} was built
   * @param needed the grants its calls used, narrowed to what was used (concrete origins rather than
   *     a wildcard, only the variables read): the least-privilege fragment; in {@link
   *     Audit#PERMISSIVE} mode it also holds uses let through without a grant (their note says so)
   * @param unused grants the route has that no call used: candidates to remove
   * @param denied uses the route was not granted: candidates to add, only if the handler is meant
   *     to have them
   * @param deniedNotShown distinct denials past the {@value RouteAudit#MAX_DENIALS} kept (still
   *     counted here)
   */
  public record RouteAudit(String route, long calls, List<Line> needed, List<Line> unused, List<Line> denied,
      long deniedNotShown) {
    /** The most distinct denials kept per route. */
    public static final int MAX_DENIALS = 32;

    public RouteAudit {
      Objects.requireNonNull(route, "route");
      needed = List.copyOf(needed);
      unused = List.copyOf(unused);
      denied = List.copyOf(denied);
    }

    /** The needed grants' TOML lines, e.g. {@code ["key_value = [\"sessions\"]"]}. */
    public List<String> neededToml() {
      return needed.stream().map(Line::toml).toList();
    }

    /** The unused grants' TOML lines. */
    public List<String> unusedToml() {
      return unused.stream().map(Line::toml).toList();
    }

    /** The denied uses' TOML lines (grants that would have allowed them). */
    public List<String> deniedToml() {
      return denied.stream().map(Line::toml).toList();
    }

    /**
     * This route as TOML: a {@code [[route]]} table with its {@code path} and needed grants, then
     * the unused and denied grants as comments.
     */
    public String toToml() {
      StringBuilder out = new StringBuilder();
      out.append("# route \"").append(route).append("\": ").append(calls).append(calls == 1 ? " call" : " calls")
          .append('\n');
      out.append("[[route]]\n");
      out.append("path = ").append(quoted(route)).append('\n');
      for (Line line : needed) {
        out.append(line.toml());
        if (!line.note().isEmpty()) {
          out.append("  # ").append(oneLine(line.note()));
        }
        out.append('\n');
      }
      if (!unused.isEmpty()) {
        out.append("# granted but never used (candidates to remove):\n");
        for (Line line : unused) {
          out.append("#   ").append(oneLine(line.toml()));
          if (!line.note().isEmpty()) {
            out.append("  # ").append(oneLine(line.note()));
          }
          out.append('\n');
        }
      }
      if (!denied.isEmpty() || deniedNotShown > 0) {
        out.append("# denied (candidates to add, only if the handler is meant to have them):\n");
        for (Line line : denied) {
          out.append("#   ").append(oneLine(line.toml())).append("  # ").append(oneLine(line.note())).append('\n');
        }
        if (deniedNotShown > 0) {
          out.append("#   ... and ").append(deniedNotShown).append(" more denials not kept\n");
        }
      }
      return out.toString();
    }
  }

  /** Every route as a commented TOML fragment, in declaration order. */
  public String toToml() {
    StringBuilder out = new StringBuilder();
    out.append("# Isola audit (").append(mode.name().toLowerCase(java.util.Locale.ROOT))
        .append("): the grants each route used since the Isola was built, as isola.toml lines.\n");
    out.append(mode == Audit.RECORD
        ? "# Grants were enforced: denied uses stayed denied.\n"
        : "# PERMISSIVE (development only): some ungranted uses were let through; they are listed as denied.\n");
    for (RouteAudit route : routes) {
      out.append('\n').append(route.toToml());
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return toToml();
  }

  /** {@code text} as a TOML basic string. */
  static String quoted(String text) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** A comment must not run onto the next line (notes may hold names a guest chose). */
  private static String oneLine(String text) {
    return text.replace('\n', ' ').replace('\r', ' ').replace('\u2028', ' ').replace('\u2029', ' ');
  }
}
