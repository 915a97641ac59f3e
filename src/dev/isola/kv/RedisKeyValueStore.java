package dev.isola.kv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * {@link KeyValueStore} on a Redis server through Jedis's pooled {@link RedisClient}. Store key
 * {@code k} is Redis key {@code keyPrefix + k} (UTF-8), so several stores can share one database.
 *
 * <p>Durability is the server's: a {@code put} returns when Redis has applied the {@code SET}; it
 * survives a Redis restart as far as the server's persistence ({@code appendonly},
 * {@code appendfsync}) promises. {@link #list} runs {@code SCAN MATCH <keyPrefix><prefix>*} over the
 * whole database (with glob characters in the prefix escaped) and sorts what it finds: give each
 * store a key prefix, and keep unrelated keys out of its database when they are many.
 *
 * <p>Only this class uses Jedis, an optional dependency; {@link KeyValueStores#redis} says what to add
 * when it is missing.
 */
final class RedisKeyValueStore implements KeyValueStore {
  private static final int SCAN_BATCH = 1000;

  private final String displayUri;
  private final byte[] keyPrefix;
  private final String keyPrefixText;
  private final RedisClient client;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisKeyValueStore(String displayUri, String keyPrefix, RedisClient client) {
    this.displayUri = displayUri;
    this.keyPrefixText = keyPrefix;
    this.keyPrefix = keyPrefix.getBytes(StandardCharsets.UTF_8);
    this.client = client;
  }

  /** Connects to {@code uri} and checks with {@code PING} that the server answers. */
  static RedisKeyValueStore connect(URI uri, String displayUri, String keyPrefix) {
    RedisClient client;
    try {
      client = RedisClient.create(uri);
    } catch (IllegalArgumentException | JedisException e) {
      throw new IllegalArgumentException("Redis URI " + displayUri + " is not usable: " + e.getMessage()
          + "; write it as redis://[[user]:password@]host[:port][/database]", e);
    }
    RedisKeyValueStore store = new RedisKeyValueStore(displayUri, keyPrefix, client);
    try {
      client.ping();
    } catch (JedisException e) {
      client.close();
      throw new UncheckedIOException("cannot reach Redis at " + displayUri + ": " + e.getMessage()
          + "; check that redis-server runs there and that the URI (host, port, password, database) is right",
          new IOException(e));
    }
    return store;
  }

  @Override
  public Optional<byte[]> get(String key) {
    byte[] redisKey = redisKey(key);
    return Optional.ofNullable(call("read key", key, () -> client.get(redisKey)));
  }

  @Override
  public void put(String key, byte[] value) {
    byte[] redisKey = redisKey(key);
    Keys.checkValue(key, value);
    call("write key", key, () -> client.set(redisKey, value));
  }

  @Override
  public boolean delete(String key) {
    byte[] redisKey = redisKey(key);
    return call("delete key", key, () -> client.del(redisKey)) > 0;
  }

  @Override
  public boolean exists(String key) {
    byte[] redisKey = redisKey(key);
    return call("read key", key, () -> client.exists(redisKey));
  }

  @Override
  public List<String> list(String prefix, int limit) {
    byte[] prefixBytes = Keys.checkPrefix(prefix);
    Keys.checkLimit(limit);
    if (limit == 0) {
      checkOpen();
      return List.of();
    }
    ScanParams params = new ScanParams().match(pattern(prefixBytes)).count(SCAN_BATCH);
    TreeSet<String> found = new TreeSet<>(Keys.UTF8_ORDER);
    byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
    do {
      byte[] from = cursor;
      ScanResult<byte[]> page = call("list keys with prefix", prefix, () -> client.scan(from, params));
      for (byte[] redisKey : page.getResult()) {
        // SCAN may return a key twice, and keys others wrote under the prefix need not be valid store keys.
        Keys.decode(Arrays.copyOfRange(redisKey, keyPrefix.length, redisKey.length)).ifPresent(found::add);
        if (found.size() > limit) {
          found.pollLast();
        }
      }
      cursor = page.getCursorAsBytes();
    } while (!Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
    return List.copyOf(found);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "KeyValueStores.redis(" + displayUri + (keyPrefixText.isEmpty() ? "" : ", key prefix " + Keys.quote(keyPrefixText)) + ")";
  }

  private byte[] redisKey(String key) {
    byte[] utf8 = Keys.checkKey(key);
    byte[] redisKey = Arrays.copyOf(keyPrefix, keyPrefix.length + utf8.length);
    System.arraycopy(utf8, 0, redisKey, keyPrefix.length, utf8.length);
    return redisKey;
  }

  /** {@code SCAN MATCH} pattern for keys starting with the key prefix and {@code prefix}. */
  private byte[] pattern(byte[] prefix) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(keyPrefix.length + prefix.length + 8);
    for (byte[] part : List.of(keyPrefix, prefix)) {
      for (byte b : part) {
        if (b == '*' || b == '?' || b == '[' || b == ']' || b == '\\') {
          out.write('\\');
        }
        out.write(b);
      }
    }
    out.write('*');
    return out.toByteArray();
  }

  private <T> T call(String action, String keyOrPrefix, Supplier<T> command) {
    checkOpen();
    try {
      return command.get();
    } catch (JedisException e) {
      checkOpen();
      throw new UncheckedIOException(this + " could not " + action + " " + Keys.quote(keyOrPrefix) + ": " + e.getMessage(),
          new IOException(e));
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed: make a new one with KeyValueStores.redis");
    }
  }
}
