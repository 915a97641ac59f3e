package dev.isola.kv;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * The built-in {@link KeyValueStore} backends.
 *
 * <pre>{@code
 * KeyValueStore files = KeyValueStores.file(Path.of("data/kv"));             // durable, the default
 * KeyValueStore redis = KeyValueStores.redis("redis://127.0.0.1:6379/0", "app1:");
 * KeyValueStore scratch = KeyValueStores.inMemory();                         // tests, caches
 * }</pre>
 *
 * <p>Each store holds resources (files and a lock, or connections) until it is closed.
 */
public final class KeyValueStores {
  /** The Jedis release this library is built and tested with, named when Jedis is missing. */
  static final String JEDIS_ARTIFACT = "redis.clients:jedis:8.0.2";

  private KeyValueStores() {}

  /**
   * A store in this JVM's memory, gone when it is closed or the JVM ends, with the quotas {@link
   * StoreLimits#MEMORY_DEFAULTS} (values up to 1 MiB, 10,000 keys, 64 MiB in all).
   */
  public static KeyValueStore inMemory() {
    return inMemory(StoreLimits.MEMORY_DEFAULTS);
  }

  /** A store in this JVM's memory with quotas {@code limits}. */
  public static KeyValueStore inMemory(StoreLimits limits) {
    return inMemory(limits, Clock.systemUTC());
  }

  /**
   * A store in this JVM's memory with quotas {@code limits}, expiring keys by {@code clock}: pass a
   * clock you control to test expiry without waiting.
   */
  public static KeyValueStore inMemory(StoreLimits limits, Clock clock) {
    return new InMemoryKeyValueStore(Objects.requireNonNull(limits, "limits"), Objects.requireNonNull(clock, "clock"));
  }

  /**
   * The crash-safe store in {@code directory}, created if missing: a write that has returned
   * survives {@code kill -9}. One process at a time may open a directory; it holds the lock until
   * {@link KeyValueStore#close()}.
   *
   * @throws IllegalArgumentException if {@code directory} is a file, is not writable, or is a
   *     non-empty directory that holds no store
   * @throws IllegalStateException if the store is already open, in this or another process
   * @throws java.io.UncheckedIOException if the directory cannot be created or prepared
   */
  public static KeyValueStore file(Path directory) {
    return file(directory, StoreLimits.NONE);
  }

  /**
   * Like {@link #file(Path)}, with quotas {@code limits}. A store that already holds more than them
   * opens, and refuses writes that would add to what is over.
   */
  public static KeyValueStore file(Path directory, StoreLimits limits) {
    return file(directory, limits, Clock.systemUTC());
  }

  /** Like {@link #file(Path, StoreLimits)}, expiring keys by {@code clock} (expiries are stored as wall-clock times). */
  public static KeyValueStore file(Path directory, StoreLimits limits, Clock clock) {
    Objects.requireNonNull(directory, "directory");
    return FileKeyValueStore.open(directory, Objects.requireNonNull(limits, "limits"), Objects.requireNonNull(clock, "clock"));
  }

  /**
   * A store on the Redis server at {@code uri}, using Redis keys as they are. Same as {@link
   * #redis(String, String) redis(uri, "")}.
   */
  public static KeyValueStore redis(String uri) {
    return redis(uri, "");
  }

  /**
   * A store on the Redis server at {@code uri} whose keys are Redis keys starting with {@code
   * keyPrefix}, so several stores (and other programs) can share one Redis database. Needs Jedis
   * ({@value #JEDIS_ARTIFACT}) on the class path; it is an optional dependency of Isola.
   *
   * @param uri {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://} for TLS,
   *     e.g. {@code redis://127.0.0.1:6379/0}
   * @param keyPrefix e.g. {@code "isola:sessions:"}; empty for none
   * @throws IllegalArgumentException if {@code uri} or {@code keyPrefix} is malformed
   * @throws IllegalStateException if Jedis is not on the class path
   * @throws java.io.UncheckedIOException if the server does not answer {@code PING}
   */
  public static KeyValueStore redis(String uri, String keyPrefix) {
    return redis(uri, keyPrefix, StoreLimits.NONE);
  }

  /**
   * Like {@link #redis(String, String)}, with quotas {@code limits}, kept by the server: see {@link
   * RedisKeyValueStore} for how keys and bytes are counted there.
   */
  public static KeyValueStore redis(String uri, String keyPrefix, StoreLimits limits) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(limits, "limits");
    URI parsed = parseRedisUri(uri);
    String display = maskPassword(parsed);
    try {
      Keys.checkPrefix(keyPrefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Redis key prefix for " + display + ": " + e.getMessage(), e);
    }
    try {
      return RedisKeyValueStore.connect(parsed, display, keyPrefix, limits);
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException("KeyValueStores.redis needs Jedis, which is not on the class path (missing "
          + e.getMessage() + "): add the dependency " + JEDIS_ARTIFACT + " (Maven: groupId redis.clients,"
          + " artifactId jedis); on the module path, also --add-modules redis.clients.jedis", e);
    }
  }

  private static URI parseRedisUri(String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Redis URI is malformed (" + e.getReason() + " at index " + e.getIndex()
          + "): write it as redis://[[user]:password@]host[:port][/database], percent-encoding special"
          + " characters in the password");  // no cause: its message would quote the password
    }
    String scheme = parsed.getScheme();
    if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
      throw new IllegalArgumentException("Redis URI " + maskPassword(parsed) + " has scheme " + scheme
          + ": write redis://host:port (or rediss:// for TLS)");
    }
    if (parsed.getHost() == null) {
      throw new IllegalArgumentException("Redis URI " + maskPassword(parsed) + " names no host:"
          + " write it as redis://host[:port][/database], e.g. redis://127.0.0.1:6379/0");
    }
    String userInfo = parsed.getRawUserInfo();
    if (userInfo != null && userInfo.indexOf(':') < 0) {
      throw new IllegalArgumentException("Redis URI " + maskPassword(parsed) + " has user information without"
          + " a colon: write a password as redis://:password@host or redis://user:password@host");
    }
    String path = parsed.getPath();
    if (path != null && !path.isEmpty() && !path.matches("/\\d{0,5}")) {
      throw new IllegalArgumentException("Redis URI " + maskPassword(parsed) + " has path " + path
          + ": the path is the database number, e.g. redis://127.0.0.1:6379/0");
    }
    return parsed;
  }

  /** {@code uri} without its password, for messages: {@code redis://user:***@host:6379/0}. */
  static String maskPassword(URI uri) {
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) {
      return uri.toString();
    }
    int colon = userInfo.indexOf(':');
    String masked = (colon < 0 ? "" : userInfo.substring(0, colon)) + ":***";
    StringBuilder out = new StringBuilder().append(uri.getScheme()).append("://").append(masked).append('@')
        .append(uri.getRawAuthority().substring(userInfo.length() + 1));
    if (uri.getRawPath() != null) {
      out.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      out.append('?').append(uri.getRawQuery());
    }
    return out.toString();
  }
}
