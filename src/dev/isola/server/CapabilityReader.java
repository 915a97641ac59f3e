package dev.isola.server;

import dev.isola.Grant;
import dev.isola.Grants;
import dev.isola.internal.capability.BuiltInGrants;
import dev.isola.server.ManifestReader.Entry;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import dev.isola.DataSize;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.StoreLimits;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * Reads the capability parts of {@code isola.toml}: the {@code [store.NAME]}, {@code [variables]}
 * and {@code [secrets]} declarations, and each route's grant keys ({@code key_value}, {@code
 * outbound_http}, {@code variables}, {@code secrets} (a table: where the host sends each secret),
 * {@code readable_secrets}, {@code host_interfaces} (application capabilities the embedding
 * application registers), {@code calls} (components the route calls), {@code files} as
 * {@code "DIRECTORY:/mount"} with the directory relative to the manifest). Errors point at the
 * line and key, like the rest of the manifest.
 */
final class CapabilityReader {
  static final List<String> GRANT_KEYS =
      List.of("key_value", "outbound_http", "variables", "secrets", "readable_secrets", "files", "host_interfaces",
          "calls");
  static final List<String> STORE_QUOTA_KEYS = List.of("max_value_size", "max_keys", "max_bytes");
  private static final List<String> STORE_KEYS =
      List.of("type", "path", "uri", "prefix", "max_value_size", "max_keys", "max_bytes");

  private final ManifestReader reader;

  CapabilityReader(ManifestReader reader) {
    this.reader = reader;
  }

  Manifest.Declarations declarations(TomlTable toml) {
    Map<String, Manifest.StoreSpec> stores = new LinkedHashMap<>();
    TomlTable storeSection = reader.section(toml, "store");
    if (storeSection != null) {
      for (String name : storeSection.keySet()) {
        Entry entry = new Entry(storeSection, name, storeSection.get(List.of(name)), "in [store]");
        if (!(entry.value() instanceof TomlTable table)) {
          throw reader.wrongType(entry, "a table", "[store." + name + "] with type = \"file\" below it");
        }
        stores.put(checkName(entry, name, "store"), store(name, table));
      }
    }
    return new Manifest.Declarations(stores, strings(toml, "variables", "GREETING = \"Hello\"", Function.identity()),
        strings(toml, "secrets", "API_KEY = { env = \"API_KEY\" }", null));
  }

  private Manifest.StoreSpec store(String name, TomlTable table) {
    String section = "in [store." + name + "]";
    reader.checkKeys(table, STORE_KEYS, section);
    String type = text(table, "type", section, "file", "type = \"file\"");
    StoreLimits limits = limits(table, section, Manifest.StoreSpec.defaultLimits(type));
    return switch (type) {
      case "memory" -> new Manifest.StoreSpec(name, type, null, null, "", limits);
      case "file" -> {
        String path = text(table, "path", section, ".isola/stores/" + name, "path = \"data/" + name + "\"");
        try {
          yield new Manifest.StoreSpec(name, type, reader.folder.resolve(path).normalize(), null, "", limits);
        } catch (InvalidPathException e) {
          throw reader.fail(new Entry(table, "path", path, section), "is not a valid path: " + e.getReason(), e);
        }
      }
      case "redis" -> {
        String uri = text(table, "uri", section, null, "uri = \"redis://127.0.0.1:6379/0\"");
        if (uri == null) {
          throw new ManifestException(reader.file, 0, 0, "uri", "[store." + name + "] is a redis store without a uri:"
              + " add uri = \"redis://127.0.0.1:6379/0\"", null);
        }
        yield new Manifest.StoreSpec(name, type, null, uri, text(table, "prefix", section, "", "prefix = \"app:\""),
            limits);
      }
      default -> throw reader.fail(new Entry(table, "type", type, section),
          "is not a store type: write type = \"file\" (durable, the default), \"memory\" or \"redis\"");
    };
  }

  /** The quota keys of a [store.NAME] table over {@code defaults}. */
  private StoreLimits limits(TomlTable table, String section, StoreLimits defaults) {
    StoreLimits limits = defaults;
    Object valueSize = table.get(List.of("max_value_size"));
    if (valueSize != null) {
      Entry entry = new Entry(table, "max_value_size", valueSize, section);
      long bytes = reader.size(entry, "\"1MiB\"").bytes();
      if (bytes > KeyValueStore.MAX_VALUE_BYTES) {
        throw reader.fail(entry, "is more than the largest value any store takes, 16MiB: use at most \"16MiB\"");
      }
      limits = limits.withMaxValueSize(DataSize.ofBytes(bytes));
    }
    Object keys = table.get(List.of("max_keys"));
    if (keys != null) {
      Entry entry = new Entry(table, "max_keys", keys, section);
      if (!(keys instanceof Long n)) {
        throw reader.wrongType(entry, "an integer", "max_keys = 10000");
      }
      if (n < 0) {
        throw reader.fail(entry, "is negative: use 0 or more, e.g. max_keys = 10000");
      }
      limits = limits.withMaxKeys(n);
    }
    Object bytes = table.get(List.of("max_bytes"));
    if (bytes != null) {
      limits = limits.withMaxBytes(reader.size(new Entry(table, "max_bytes", bytes, section), "\"64MiB\""));
    }
    return limits;
  }

  private @Nullable String text(TomlTable table, String key, String section, @Nullable String otherwise, String example) {
    Object value = table.get(List.of(key));
    if (value == null) {
      return otherwise;
    }
    if (!(value instanceof String text)) {
      throw reader.wrongType(new Entry(table, key, value, section), "a string", example);
    }
    return text;
  }

  /**
   * A table of strings ({@code [variables]}), or, with {@code env == null}, of strings and {@code
   * { env = "NAME" }} tables read from the host's environment ({@code [secrets]}).
   */
  private Map<String, String> strings(TomlTable toml, String sectionName, String example,
      @Nullable Function<String, String> plain) {
    Map<String, String> values = new LinkedHashMap<>();
    TomlTable section = reader.section(toml, sectionName);
    if (section == null) {
      return values;
    }
    String where = "in [" + sectionName + "]";
    for (String name : section.keySet()) {
      Entry entry = new Entry(section, name, section.get(List.of(name)), where);
      checkName(entry, name, sectionName.substring(0, sectionName.length() - 1));
      if (entry.value() instanceof String text) {
        values.put(name, text);
      } else if (plain == null && entry.value() instanceof TomlTable ref && ref.get(List.of("env")) instanceof String env
          && ref.keySet().size() == 1) {
        String value = System.getenv(env);
        if (value == null) {
          throw reader.fail(entry, "reads environment variable " + env + ", which is not set: set it before starting,"
              + " or write the value here");
        }
        values.put(name, value);
      } else {
        throw reader.wrongType(entry, plain == null ? "a string or { env = \"NAME\" }" : "a string", example);
      }
    }
    return values;
  }

  private String checkName(Entry entry, String name, String what) {
    try {
      return switch (what) {
        case "store" -> ((BuiltInGrants.KeyValue) Grants.keyValue(name)).store();
        case "variable" -> ((BuiltInGrants.Variables) Grants.variables(name)).names().get(0);
        default -> ((BuiltInGrants.ReadableSecrets) Grants.readableSecrets(name)).names().get(0);
      };
    } catch (IllegalArgumentException e) {
      throw reader.fail(entry, "has a name Isola cannot use: " + e.getMessage(), e);
    }
  }

  /**
   * {@code secrets = { API_KEY = { origins = ["https://api.example.com"], header = "Authorization",
   * template = "Bearer {}" } }}: for each secret, where the host sends it ({@code template} is
   * optional, {@code "{}"} when absent).
   */
  private List<Grant> injectedSecrets(Entry entry, TomlTable secrets) {
    List<Grant> grants = new ArrayList<>();
    for (String name : secrets.keySet()) {
      Object spec = secrets.get(List.of(name));
      if (!(spec instanceof TomlTable table)) {
        throw reader.fail(entry, "is the old form: a guest no longer writes {{secrets." + name + "}} into a header;"
            + " declare where the host sends the secret instead: " + newForm(name, strings(spec)));
      }
      reader.checkKeys(table, SECRET_KEYS, "in secrets." + name + " " + entry.section());
      Object origins = table.get(List.of("origins"));
      Object header = table.get(List.of("header"));
      Object template = table.get(List.of("template"));
      if (!(origins instanceof TomlArray array) || !array.toList().stream().allMatch(String.class::isInstance)
          || !(header instanceof String) || template != null && !(template instanceof String)) {
        throw reader.fail(entry, "must give secret " + name + " its origins (an array of strings), header (a string)"
            + " and optionally template (a string, \"{}\" when absent): write " + newForm(name, strings(origins)));
      }
      try {
        grants.add(Grants.secret(name).injectAs((String) header, template == null ? "{}" : (String) template)
            .into(array.toList().toArray(String[]::new)));
      } catch (IllegalArgumentException e) {
        throw reader.fail(entry, "is not a valid grant: " + e.getMessage(), e);
      }
    }
    return grants;
  }

  private static final List<String> SECRET_KEYS = List.of("origins", "header", "template");

  /** The strings of {@code value} if it is an array, for messages. */
  private static List<String> strings(@Nullable Object value) {
    return value instanceof TomlArray array
        ? array.toList().stream().filter(String.class::isInstance).map(String.class::cast).toList() : List.of();
  }

  /** The manifest form of an injected secret, for messages. */
  private static String newForm(String name, List<String> origins) {
    String to = origins.isEmpty() ? "\"https://api.example.com\""
        : String.join(", ", origins.stream().map(o -> "\"" + o + "\"").toList());
    return "secrets = { " + name + " = { origins = [" + to + "], header = \"Authorization\", template = \"Bearer {}\" } }"
        + " (or readable_secrets = [\"" + name + "\"] if the handler must read the value itself)";
  }

  /** The grants written in one {@code [[route]]} entry. */
  List<Grant> grants(TomlTable table, String section) {
    List<Grant> grants = new ArrayList<>();
    for (String key : GRANT_KEYS) {
      Object value = table.get(List.of(key));
      if (value == null) {
        continue;
      }
      Entry entry = new Entry(table, key, value, section);
      if (key.equals("secrets")) {
        if (value instanceof TomlTable secrets) {
          grants.addAll(injectedSecrets(entry, secrets));
          continue;
        }
        List<String> names = strings(value);
        String name = names.isEmpty() ? "API_KEY" : names.get(0);
        throw reader.fail(entry, "is the old form: a guest no longer writes {{secrets." + name + "}} into a header;"
            + " declare where the host sends each secret instead: " + newForm(name, List.of()));
      }
      if (!(value instanceof TomlArray array) || !array.toList().stream().allMatch(String.class::isInstance)) {
        throw reader.wrongType(entry, "an array of strings", key + " = [\"...\"]");
      }
      String[] names = array.toList().toArray(String[]::new);
      try {
        switch (key) {
          case "key_value" -> {
            for (String store : names) {
              grants.add(Grants.keyValue(store));
            }
          }
          case "outbound_http" -> grants.add(Grants.outboundHttp(names));
          case "calls" -> grants.add(Grants.calls(names));
          case "variables" -> grants.add(Grants.variables(names));
          case "files" -> {
            for (String mount : names) {
              int colon = mount.lastIndexOf(':');
              if (colon <= 0) {
                throw new IllegalArgumentException("\"" + mount + "\" must be DIRECTORY:/mount, e.g. \"static:/static\"");
              }
              grants.add(Grants.files(reader.folder.resolve(mount.substring(0, colon)).normalize(),
                  mount.substring(colon + 1)));
            }
          }
          case "host_interfaces" -> {
            for (String name : names) {
              grants.add(Grants.hostInterface(name));
            }
          }
          default -> grants.add(Grants.readableSecrets(names));
        }
      } catch (IllegalArgumentException e) {
        throw reader.fail(entry, "is not a valid grant: " + e.getMessage(), e);
      }
    }
    return grants;
  }
}
