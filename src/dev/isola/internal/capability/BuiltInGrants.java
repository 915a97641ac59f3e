package dev.isola.internal.capability;

import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.http.OutboundHttp;
import dev.isola.Grant;
import dev.isola.internal.http.Tokens;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The grants of Isola's own capabilities, made by {@link dev.isola.Grants}'s factories and resolved
 * by {@link GrantResolver}. Applications name only {@link Grant} and {@link dev.isola.Grants}; these
 * records are internal so that their shape may change.
 */
public final class BuiltInGrants {
  private BuiltInGrants() {}

  /** Read and write the key-value store registered as {@code store}. */
  public record KeyValue(String store) implements Grant {
    public KeyValue {
      checkName(store, "store", "sessions");
    }

    @Override
    public String capability() {
      return "kv";
    }

    @Override
    public String toToml() {
      return "key_value = [\"" + store + "\"]";
    }
  }

  /**
   * HTTP requests to these origins ({@code https://api.example.com}, {@code https://*.example.com},
   * {@code http://127.0.0.1:8080}), redirects included, each hop checked again. Loopback, private and
   * link-local addresses only when an origin names them literally.
   */
  public record OutboundHttp(List<String> origins) implements Grant {
    public OutboundHttp {
      origins = List.copyOf(origins);
      if (origins.isEmpty()) {
        throw new IllegalArgumentException("an outbound HTTP grant needs at least one origin, e.g."
            + " \"https://api.example.com\"");
      }
      OriginAllowList.of(origins); // throws IllegalArgumentException naming a bad entry
    }

    @Override
    public String capability() {
      return "http";
    }

    @Override
    public String toToml() {
      return "outbound_http = [" + String.join(", ", origins.stream().map(o -> "\"" + o + "\"").toList()) + "]";
    }
  }

  /** Call these components ({@code env.NAME.fetch(...)}, {@code http://NAME.internal/...}). */
  public record Calls(List<String> components) implements Grant {
    public Calls {
      components = List.copyOf(components);
      components.forEach(dev.isola.internal.capability.component.Components::checkName);
    }

    @Override
    public String capability() {
      return "calls";
    }

    @Override
    public String toToml() {
      return "calls = [" + String.join(", ", components.stream().map(n -> "\"" + n + "\"").toList()) + "]";
    }
  }

  /** Read these variables by name. */
  public record Variables(List<String> names) implements Grant {
    public Variables {
      names = List.copyOf(names);
      names.forEach(n -> checkName(n, "variable", "GREETING"));
    }

    @Override
    public String capability() {
      return "vars";
    }

    @Override
    public String toToml() {
      return "variables = [" + String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList()) + "]";
    }
  }

  /**
   * Read-only access to the files under {@code directory}, seen by the guest under {@code mount}
   * (e.g. {@code /static}): {@code env.files.read("/static/app.css")} in JavaScript, {@code
   * isola:host/files.read} in Wasm, and for WAGI programs and WASI Extism plugins a preopened
   * directory, so plain {@code fopen("/static/app.css", "r")}, {@code opendir} and {@code stat}
   * work. Paths that leave the directory ({@code ..}, symbolic links out of it) are refused; every
   * change (through WASI: write, create, truncate, delete, rename, link, mkdir, set times) fails
   * ({@code EROFS}) and leaves the directory as it was.
   */
  public record Files(java.nio.file.Path directory, String mount) implements Grant {
    public Files {
      java.util.Objects.requireNonNull(directory, "directory");
      java.util.Objects.requireNonNull(mount, "mount");
      if (!mount.startsWith("/") || mount.contains("//") || mount.contains("/../") || mount.endsWith("/..")
          || mount.contains("/./") || mount.length() > 1 && mount.endsWith("/")) {
        throw new IllegalArgumentException("files mount \"" + mount + "\" must be an absolute guest path without"
            + " '.', '..' or a trailing '/', e.g. \"/static\"");
      }
    }

    @Override
    public String capability() {
      return "files";
    }

    @Override
    public String toToml() {
      return "files = [\"" + directory + ":" + mount + "\"]";
    }
  }

  /**
   * Secret {@code name} sent by the host, never by the guest: to every request (and redirect hop)
   * whose origin is one of {@code origins}, the host adds header {@code header} with the value
   * {@code template} with its {@code {}} replaced by the secret, e.g. {@code Authorization: Bearer
   * {}}. The guest never sees the value and cannot choose where it goes: nothing it writes is
   * substituted (a header value {@code {{secrets.NAME}}} is sent as the text it is). A header of the
   * same name set by the guest is replaced by the host's for those origins; for other origins the
   * secret is not sent, nor after a redirect has left {@code origins}. Made by {@link
   * dev.isola.Grants#secret(String)}.
   *
   * @param name the secret, as the {@code Isola} declares it
   * @param header the request header the host sets, e.g. {@code Authorization}; a valid HTTP field
   *     name that is not one the host controls ({@code Host}, {@code Content-Length}, ...)
   * @param template the header's value, with exactly one {@code {}} where the secret goes, e.g.
   *     {@code "Bearer {}"}; only visible ASCII and spaces
   * @param origins the origins the secret is sent to (each must also be granted by an outbound
   *     HTTP grant of the route); at least one
   */
  public record InjectedSecret(String name, String header, String template, List<String> origins) implements Grant {
    public InjectedSecret {
      checkName(name, "secret", "API_KEY");
      java.util.Objects.requireNonNull(header, "header");
      java.util.Objects.requireNonNull(template, "template");
      origins = List.copyOf(origins);
      String example = "Grants.secret(\"" + name + "\").injectAs(\"Authorization\", \"Bearer {}\")"
          + ".into(\"https://api.example.com\")";
      if (!Tokens.isToken(header)) {
        throw new IllegalArgumentException("secret " + name + ": \"" + header + "\" is not an HTTP header name"
            + " (letters, digits and !#$%&'*+-.^_`|~), e.g. " + example);
      }
      String lower = header.toLowerCase(java.util.Locale.ROOT);
      if (isHostHeader(lower)) {
        throw new IllegalArgumentException("secret " + name + ": header " + header + " is set by the host for the"
            + " connection, not by a grant; inject the secret into another header, e.g. " + example);
      }
      int first = template.indexOf("{}");
      if (first < 0 || template.indexOf("{}", first + 2) >= 0) {
        throw new IllegalArgumentException("secret " + name + ": template \"" + template + "\" must contain {} exactly"
            + " once, where the secret goes, e.g. \"Bearer {}\" or \"{}\"");
      }
      if (!template.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("secret " + name + ": template \"" + template + "\" may hold only visible"
            + " ASCII characters and spaces, e.g. \"Bearer {}\"");
      }
      if (origins.isEmpty()) {
        throw new IllegalArgumentException("secret " + name + " names no origin to send it to, e.g. " + example);
      }
      try {
        OriginAllowList.of(origins);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("secret " + name + ": " + e.getMessage(), e);
      }
    }

    @Override
    public String capability() {
      return "secrets";
    }

    @Override
    public String toToml() {
      return "secrets = { " + name + " = { origins = [" + String.join(", ", origins.stream()
          .map(o -> "\"" + o + "\"").toList()) + "], header = \"" + header + "\", template = \"" + template + "\" } }";
    }
  }

  /**
   * Read these secrets' plain values ({@code env.secrets.NAME} in JavaScript): only when the guest
   * must, for the guest may then send them anywhere it may reach. Prefer {@link InjectedSecret}.
   */
  public record ReadableSecrets(List<String> names) implements Grant {
    public ReadableSecrets {
      names = List.copyOf(names);
      names.forEach(n -> checkName(n, "secret", "API_KEY"));
    }

    @Override
    public String capability() {
      return "secrets";
    }

    @Override
    public String toToml() {
      return "readable_secrets = [" + String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList()) + "]";
    }
  }

  /** Names of stores, variables and secrets: letters, digits, {@code _ - .}, 1 to 64 characters. */
  public static String checkName(String name, String what, String example) {
    Objects.requireNonNull(name, what);
    if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(
        c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.'))) {
      throw new IllegalArgumentException(what + " name \"" + name + "\" must be 1 to 64 letters, digits, '_', '-'"
          + " or '.', e.g. \"" + example + "\"");
    }
    return name;
  }

  /** Headers the host sets or drops itself (framing, connection, proxies): never a secret's header. */
  static boolean isHostHeader(String lowerCaseName) {
    return HOST_HEADERS.contains(lowerCaseName) || lowerCaseName.startsWith("proxy-");
  }

  private static final Set<String> HOST_HEADERS = Set.of("host", "connection", "content-length",
      "transfer-encoding", "upgrade", "expect", "te", "trailer", "keep-alive");
}
