package dev.isola;

import dev.isola.internal.capability.OriginAllowList;
import java.util.List;

/**
 * One capability granted to a route (with {@link Handler#grants(Grant...)}) or to every route (with
 * {@link Isola.Builder#defaultGrants(Grant...)}). A route with no grant can compute and answer,
 * nothing else. Create grants with {@link Grants}; names are checked against what the {@link Isola}
 * declares when it is built.
 */
public sealed interface Grant {
  /** How the grant is written in {@code isola.toml}, for messages. */
  String toToml();

  /** Read and write the key-value store registered as {@code store}. */
  record KeyValue(String store) implements Grant {
    public KeyValue {
      Grants.checkName(store, "store", "sessions");
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
  record OutboundHttp(List<String> origins) implements Grant {
    public OutboundHttp {
      origins = List.copyOf(origins);
      if (origins.isEmpty()) {
        throw new IllegalArgumentException("an outbound HTTP grant needs at least one origin, e.g."
            + " \"https://api.example.com\"");
      }
      OriginAllowList.of(origins); // throws IllegalArgumentException naming a bad entry
    }

    @Override
    public String toToml() {
      return "outbound_http = [" + String.join(", ", origins.stream().map(o -> "\"" + o + "\"").toList()) + "]";
    }
  }

  /** Read these variables by name. */
  record Variables(List<String> names) implements Grant {
    public Variables {
      names = List.copyOf(names);
      names.forEach(n -> Grants.checkName(n, "variable", "GREETING"));
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
  record Files(java.nio.file.Path directory, String mount) implements Grant {
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
    public String toToml() {
      return "files = [\"" + directory + ":" + mount + "\"]";
    }
  }

  /**
   * Use these secrets by name: the host substitutes a secret's value where an outbound request's
   * header names it ({@code {{secrets.NAME}}}), for granted origins only, or only for {@code
   * origins} when they are given (a secret then never reaches another granted origin, such as one
   * that would echo headers back). The guest reads the plain
   * value only when {@code readable} is true.
   */
  record Secrets(List<String> names, boolean readable, List<String> origins) implements Grant {
    /**
     * @param origins the only origins the secrets may be sent to (each also granted by an outbound
     *     HTTP grant); empty for any origin the route may reach
     */
    public Secrets {
      names = List.copyOf(names);
      names.forEach(n -> Grants.checkName(n, "secret", "API_KEY"));
      origins = List.copyOf(origins);
      if (!origins.isEmpty()) {
        OriginAllowList.of(origins); // throws IllegalArgumentException naming a bad entry
      }
    }

    /** Secrets usable with every origin the route may reach. */
    public Secrets(List<String> names, boolean readable) {
      this(names, readable, List.of());
    }

    @Override
    public String toToml() {
      if (!origins.isEmpty()) {
        return "secrets = { " + String.join(", ", names.stream().map(n -> n + " = ["
            + String.join(", ", origins.stream().map(o -> "\"" + o + "\"").toList()) + "]").toList()) + " }";
      }
      return (readable ? "readable_secrets" : "secrets") + " = ["
          + String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList()) + "]";
    }
  }

}
