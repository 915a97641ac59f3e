package dev.isola.server;

import dev.isola.Grant;
import dev.isola.Isola;
import dev.isola.internal.capability.BuiltInGrants;
import dev.isola.server.ManifestReader.Entry;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads how the components of {@code isola.toml} split over nodes: the {@code [remote.NAME]}
 * tables ({@code url}: where component NAME runs when this node does not serve it) and the {@code
 * [node]} table ({@code key_secret}, {@code max_call_depth}, {@code components}), and checks that
 * every {@code calls} grant names a component declared here or remote. Errors point at the line
 * and key, like the rest of the manifest.
 */
final class NodeReader {
  static final List<String> NODE_KEYS = List.of("key_secret", "max_call_depth", "components");
  static final List<String> REMOTE_KEYS = List.of("url");

  private final ManifestReader reader;

  NodeReader(ManifestReader reader) {
    this.reader = reader;
  }

  /** The {@code [remote.NAME]} tables: each component's URL, by name. */
  Map<String, URI> remotes(TomlTable toml) {
    Map<String, URI> remotes = new LinkedHashMap<>();
    TomlTable section = reader.section(toml, "remote");
    if (section == null) {
      return remotes;
    }
    for (String name : section.keySet()) {
      Entry entry = new Entry(section, name, section.get(List.of(name)), "in [remote]");
      if (!(entry.value() instanceof TomlTable table)) {
        throw reader.wrongType(entry, "a table", "[remote." + name + "] with url = \"http://10.0.0.7:8080\" below it");
      }
      String where = "in [remote." + name + "]";
      reader.checkKeys(table, REMOTE_KEYS, where);
      Object url = table.get(List.of("url"));
      if (url == null) {
        TomlPosition at = section.inputPositionOf(List.of(name));
        throw new ManifestException(reader.file, at == null ? 0 : at.line(), at == null ? 0 : at.column(), "url",
            "[remote." + name + "] has no url: add url = \"http://10.0.0.7:8080\", the node that serves component "
                + name, null);
      }
      Entry urlEntry = new Entry(table, "url", url, where);
      if (!(url instanceof String text)) {
        throw reader.wrongType(urlEntry, "a string", "url = \"http://10.0.0.7:8080\"");
      }
      try {
        dev.isola.internal.capability.component.Components.checkName(name);
      } catch (IllegalArgumentException e) {
        throw reader.fail(entry, "has a name Isola cannot use: " + e.getMessage(), e);
      }
      try {
        Isola.newBuilder().remote(name, text);
      } catch (IllegalArgumentException e) {
        throw reader.fail(urlEntry, "is not a remote's URL: " + e.getMessage(), e);
      }
      remotes.put(name, URI.create(text));
    }
    return remotes;
  }

  /**
   * The {@code [node]} table, checked against what the manifest declares: the key secret must be a
   * {@code [secrets]} entry whose value is long enough, the served components declared names, and
   * every {@code calls} grant must name a declared or remote component.
   */
  Manifest.Nodes node(TomlTable toml, Manifest.Declarations declarations, List<Manifest.Route> routes,
      Map<String, URI> remotes) {
    Set<String> declared = new LinkedHashSet<>();
    routes.stream().map(Manifest.Route::name).filter(Objects::nonNull).forEach(declared::add);
    checkCalls(toml, routes, declared, remotes);
    TomlTable node = reader.section(toml, "node");
    if (node == null) {
      requireKeyForRemotes(toml, remotes);
      return new Manifest.Nodes(remotes, null, Manifest.DEFAULT_MAX_CALL_DEPTH, null);
    }
    reader.checkKeys(node, NODE_KEYS, "in [node]");
    @Nullable String keySecret = keySecret(node, declarations);
    if (keySecret == null) {
      requireKeyForRemotes(toml, remotes);
    }
    int depth = Manifest.DEFAULT_MAX_CALL_DEPTH;
    Object depthValue = node.get(List.of("max_call_depth"));
    if (depthValue != null) {
      Entry entry = new Entry(node, "max_call_depth", depthValue, "in [node]");
      if (!(depthValue instanceof Long n)) {
        throw reader.wrongType(entry, "an integer from 1 to 64", "max_call_depth = 8");
      }
      if (n < 1 || n > 64) {
        throw reader.fail(entry, "is out of range: use 1 (components call no further) to 64, e.g. max_call_depth = 8");
      }
      depth = n.intValue();
    }
    @Nullable List<String> served = null;
    Object components = node.get(List.of("components"));
    if (components != null) {
      Entry entry = new Entry(node, "components", components, "in [node]");
      if (!(components instanceof TomlArray array) || !array.toList().stream().allMatch(String.class::isInstance)) {
        throw reader.wrongType(entry, "an array of component names", "components = [\"inventory\"]");
      }
      served = new ArrayList<>();
      for (Object name : array.toList()) {
        if (!declared.contains((String) name)) {
          throw reader.fail(entry, "names \"" + name + "\", which no [[route]] declares with name = \"" + name + "\": "
              + (declared.isEmpty() ? "declare it, or remove it here" : "serve some of " + String.join(", ", declared)));
        }
        served.add((String) name);
      }
    }
    return new Manifest.Nodes(remotes, keySecret, depth, served);
  }

  /** {@code [node] key_secret}, checked: a declared secret at least 32 bytes long. */
  private @Nullable String keySecret(TomlTable node, Manifest.Declarations declarations) {
    Object value = node.get(List.of("key_secret"));
    if (value == null) {
      return null;
    }
    Entry entry = new Entry(node, "key_secret", value, "in [node]");
    if (!(value instanceof String name) || name.isBlank()) {
      throw reader.wrongType(entry, "the name of a [secrets] entry", "key_secret = \"NODE_KEY\"");
    }
    String key = declarations.secrets().get(name);
    if (key == null) {
      throw reader.fail(entry, "names no secret declared in [secrets]: declare it there, e.g. [secrets] " + name
          + " = { env = \"" + name + "\" }, and set that environment variable to the same key on every node");
    }
    try {
      Isola.newBuilder().nodeKey(key);
    } catch (IllegalArgumentException e) {
      // Never the value: only its length.
      throw reader.fail(entry, "names a secret of " + key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
          + " bytes, but the node key must be at least 32 bytes: use e.g. the output of openssl rand -base64 48");
    }
    return name;
  }

  /** A remote's calls are signed with the node key: without one, the first remote is an error. */
  private void requireKeyForRemotes(TomlTable toml, Map<String, URI> remotes) {
    if (remotes.isEmpty()) {
      return;
    }
    String name = remotes.keySet().iterator().next();
    TomlPosition at = toml.inputPositionOf(List.of("remote", name));
    throw new ManifestException(reader.file, at == null ? 0 : at.line(), at == null ? 0 : at.column(), "key_secret",
        "[remote." + name + "] needs a node key to sign its calls: add [node] with key_secret = \"NODE_KEY\" naming a"
            + " [secrets] entry that holds the key (at least 32 bytes, the same on every node)", null);
  }

  /** Every {@code calls} grant names a component declared by a [[route]] name or a [remote.NAME]. */
  private void checkCalls(TomlTable toml, List<Manifest.Route> routes, Set<String> declared, Map<String, URI> remotes) {
    Object array = toml.get(List.of("route"));
    for (int i = 0; i < routes.size(); i++) {
      for (Grant grant : routes.get(i).handler().grants()) {
        if (!(grant instanceof BuiltInGrants.Calls calls)) {
          continue;
        }
        for (String name : calls.components()) {
          if (declared.contains(name) || remotes.containsKey(name)) {
            continue;
          }
          TomlTable table = (TomlTable) ((TomlArray) Objects.requireNonNull(array)).get(i);
          throw reader.fail(new Entry(table, "calls", table.get(List.of("calls")), "in [[route]] #" + (i + 1)),
              "names component \"" + name + "\", which this manifest neither declares nor reaches remotely: add a"
                  + " [[route]] with name = \"" + name + "\", or a [remote." + name + "] with its url");
        }
      }
    }
  }
}
