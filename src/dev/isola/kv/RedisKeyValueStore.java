package dev.isola.kv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
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
 * <p><b>Expiry</b> is Redis's own: a put with a time to live is {@code SET key value PX millis}.
 *
 * <p><b>Quotas</b> ({@link StoreLimits}) are counted on the server, by Lua scripts that run
 * atomically there, so several processes sharing the store share its quota: {@code put} and
 * {@code delete} keep, beside the values, the hash {@code <keyPrefix>\0sizes} (key to its bytes:
 * key length plus value length), the hash {@code <keyPrefix>\0usage} (fields {@code keys} and
 * {@code bytes}) and the sorted set {@code <keyPrefix>\0expiry} (keys with a time to live, by
 * expiry). These names hold NUL, which no store key can, so they never show up as keys. Each put
 * first forgets up to 1000 expired keys, then checks and applies its growth. What this counts is
 * exact for keys written through this store; it is honest about three things it cannot see: keys
 * written under the prefix by other clients, or before the store counted (those count from their
 * next put through the store); keys Redis removes on its own ({@code maxmemory} eviction, a
 * {@code FLUSHDB}) keep counting until they are put or deleted through the store; and two stores
 * whose prefixes nest count the keys they share twice. Redis's own memory per key (tens of bytes)
 * is not counted. The scripts name keys they do not declare, so a Redis Cluster is not supported.
 *
 * <p><b>Atomic operations</b> run on the server, atomic for every client of the database: {@link
 * #increment} is Redis's {@code INCRBY} (same rules for the stored integer; it keeps the key's time
 * to live) and {@link #compareAndSet} a {@code GET} and {@code SET} or {@code DEL}, each in a Lua
 * script that also keeps the accounting above. An increment over the quota puts the old value back
 * with {@code SET ... KEEPTTL} inside its script: Redis 6.0 or later.
 *
 * <p>Only this class uses Jedis, an optional dependency; {@link KeyValueStores#redis} says what to add
 * when it is missing.
 */
final class RedisKeyValueStore implements KeyValueStore {
  private static final int SCAN_BATCH = 1000;

  /**
   * What every script starts with. KEYS: value, sizes, expiry, usage. {@code forget(k)} drops store
   * key {@code k} from the accounting; {@code sweep(prefix)} forgets up to 1000 expired keys;
   * {@code counted(k)} is the size counted for {@code k} (whose value is KEYS[1]), nil if none or if
   * the key has expired; {@code refuse(old, size, maxKeys, maxBytes)} is nil if storing {@code size}
   * bytes where {@code old} were counted fits, else {limit name, current count, growth}; {@code
   * count(k, old, size)} records that write.
   */
  private static final String PRELUDE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local function forget(k)
        local size = redis.call('HGET', KEYS[2], k)
        if size then
          redis.call('HDEL', KEYS[2], k)
          redis.call('HINCRBY', KEYS[4], 'keys', -1)
          redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(size))
        end
        redis.call('ZREM', KEYS[3], k)
      end
      local function sweep(prefix)
        for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)) do
          if redis.call('EXISTS', prefix .. k) == 0 then forget(k) end
        end
      end
      local function counted(k)
        local old = redis.call('HGET', KEYS[2], k)
        if old and redis.call('EXISTS', KEYS[1]) == 0 then
          forget(k)
          return nil
        end
        return old
      end
      local function growth(old, size)
        if old then return 0, size - tonumber(old) end
        return 1, size
      end
      local function refuse(old, size, maxKeys, maxBytes)
        local addKeys, addBytes = growth(old, size)
        local keys = tonumber(redis.call('HGET', KEYS[4], 'keys') or '0')
        local bytes = tonumber(redis.call('HGET', KEYS[4], 'bytes') or '0')
        if addKeys > 0 and keys + addKeys > tonumber(maxKeys) then return {'max_keys', tostring(keys), tostring(addBytes)} end
        if addBytes > 0 and bytes + addBytes > tonumber(maxBytes) then
          return {'max_bytes', tostring(bytes), tostring(addBytes)}
        end
        return nil
      end
      local function count(k, old, size)
        local addKeys, addBytes = growth(old, size)
        redis.call('HSET', KEYS[2], k, size)
        redis.call('HINCRBY', KEYS[4], 'keys', addKeys)
        redis.call('HINCRBY', KEYS[4], 'bytes', addBytes)
      end
      """;

  /**
   * ARGV: value, ttl millis (0: none), max keys, max bytes, key prefix, store key, footprint.
   * Answers {"ok"}, or what {@code refuse} answers.
   */
  private static final byte[] PUT = (PRELUDE + """
      sweep(ARGV[5])
      local old = counted(ARGV[6])
      local size = tonumber(ARGV[7])
      local refused = refuse(old, size, ARGV[3], ARGV[4])
      if refused then return refused end
      local ttl = tonumber(ARGV[2])
      if ttl > 0 then
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
        redis.call('ZADD', KEYS[3], now + ttl, ARGV[6])
      else
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[6])
      end
      count(ARGV[6], old, size)
      return {'ok'}
      """).getBytes(StandardCharsets.UTF_8);

  /**
   * Redis's own {@code INCRBY} (which keeps the key's time to live, so the expiry set stays right),
   * then the quota check on the new length; over quota, the old value is put back ({@code SET ...
   * KEEPTTL}) or the new key deleted before the script ends, so no client sees it. ARGV: delta, max
   * value size, max keys, max bytes, key prefix, store key, key length. Answers {"ok", new value},
   * {"refused", INCRBY's error[, old value]}, {"max_value_size", new length} or what {@code refuse}
   * answers.
   */
  private static final byte[] INCREMENT = (PRELUDE + """
      sweep(ARGV[5])
      local old = counted(ARGV[6])
      local before = redis.call('GET', KEYS[1])
      local done = redis.pcall('INCRBY', KEYS[1], ARGV[1])
      if type(done) == 'table' and done.err then
        if before then return {'refused', done.err, before} end
        return {'refused', done.err}
      end
      local after = redis.call('GET', KEYS[1])
      local size = tonumber(ARGV[7]) + string.len(after)
      local refused = nil
      if string.len(after) > tonumber(ARGV[2]) then
        refused = {'max_value_size', tostring(string.len(after))}
      else
        refused = refuse(old, size, ARGV[3], ARGV[4])
      end
      if refused then
        if before then redis.call('SET', KEYS[1], before, 'KEEPTTL') else redis.call('DEL', KEYS[1]) end
        return refused
      end
      count(ARGV[6], old, size)
      return {'ok', after}
      """).getBytes(StandardCharsets.UTF_8);

  /**
   * ARGV: "1" if a value is expected, the expected value, "1" if a new value is given, the new
   * value, max keys, max bytes, key prefix, store key, footprint of the new value. Answers {"ok"}
   * when the value matched, {"no"} when it did not, or what {@code refuse} answers.
   */
  private static final byte[] COMPARE_AND_SET = (PRELUDE + """
      sweep(ARGV[7])
      local old = counted(ARGV[8])
      local current = redis.call('GET', KEYS[1])
      if ARGV[1] == '1' then
        if current ~= ARGV[2] then return {'no'} end
      elseif current then
        return {'no'}
      end
      if ARGV[3] == '1' then
        local size = tonumber(ARGV[9])
        local refused = refuse(old, size, ARGV[5], ARGV[6])
        if refused then return refused end
        redis.call('SET', KEYS[1], ARGV[4])
        redis.call('ZREM', KEYS[3], ARGV[8])
        count(ARGV[8], old, size)
      elseif current then
        redis.call('DEL', KEYS[1])
        forget(ARGV[8])
      end
      return {'ok'}
      """).getBytes(StandardCharsets.UTF_8);

  /** KEYS: value, sizes, expiry, usage. ARGV: store key. Answers how many keys were deleted. */
  private static final byte[] DELETE = ("""
      local n = redis.call('DEL', KEYS[1])
      local size = redis.call('HGET', KEYS[2], ARGV[1])
      if size then
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('HINCRBY', KEYS[4], 'keys', -1)
        redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(size))
      end
      redis.call('ZREM', KEYS[3], ARGV[1])
      return n
      """).getBytes(StandardCharsets.UTF_8);

  private final String displayUri;
  private final byte[] keyPrefix;
  private final String keyPrefixText;
  private final RedisClient client;
  private final StoreLimits limits;
  private final List<byte[]> metaKeys;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisKeyValueStore(String displayUri, String keyPrefix, RedisClient client, StoreLimits limits) {
    this.displayUri = displayUri;
    this.keyPrefixText = keyPrefix;
    this.keyPrefix = keyPrefix.getBytes(StandardCharsets.UTF_8);
    this.client = client;
    this.limits = limits;
    this.metaKeys = List.of(meta("sizes"), meta("expiry"), meta("usage"));
  }

  private byte[] meta(String name) {
    return (keyPrefixText + "\0" + name).getBytes(StandardCharsets.UTF_8);
  }

  /** Connects to {@code uri} and checks with {@code PING} that the server answers. */
  static RedisKeyValueStore connect(URI uri, String displayUri, String keyPrefix, StoreLimits limits) {
    RedisClient client;
    try {
      client = RedisClient.create(uri);
    } catch (IllegalArgumentException | JedisException e) {
      throw new IllegalArgumentException("Redis URI " + displayUri + " is not usable: " + e.getMessage()
          + "; write it as redis://[[user]:password@]host[:port][/database]", e);
    }
    RedisKeyValueStore store = new RedisKeyValueStore(displayUri, keyPrefix, client, limits);
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
    write(key, redisKey, value, 0);
  }

  @Override
  public void put(String key, byte[] value, Duration ttl) {
    byte[] redisKey = redisKey(key);
    Keys.checkValue(key, value);
    write(key, redisKey, value, Keys.checkTtl(key, ttl));
  }

  private void write(String key, byte[] redisKey, byte[] value, long ttlMillis) {
    limits.checkValueSize(this, key, value.length);
    List<byte[]> args = List.of(value, ascii(ttlMillis), ascii(limits.maxKeys()), ascii(limits.maxBytes()), keyPrefix,
        storeKey(redisKey), ascii(StoreLimits.footprint(key, value.length)));
    List<?> parts = parts(call("write key", key, () -> client.eval(PUT, keys(redisKey), args)));
    if (!status(parts).equals("ok")) {
      throw unexpected("write", key, parts);
    }
  }

  /** Redis's {@code INCRBY} in a script that keeps the accounting: see {@link #INCREMENT}. */
  @Override
  public long increment(String key, long delta) {
    byte[] redisKey = redisKey(key);
    List<byte[]> args = List.of(ascii(delta), ascii(limits.maxValueSize()), ascii(limits.maxKeys()),
        ascii(limits.maxBytes()), keyPrefix, storeKey(redisKey), ascii(StoreLimits.footprint(key, 0)));
    List<?> parts = parts(call("increment key", key, () -> client.eval(INCREMENT, keys(redisKey), args)));
    switch (status(parts)) {
      case "ok" -> {
        return Long.parseLong(text(parts.get(1)));
      }
      case "refused" -> {
        // INCRBY refused it; the rules are the same as Counters', which words the refusal as the other stores do.
        if (parts.size() > 2 && parts.get(2) instanceof byte[] before) {
          long current = Counters.parse(key, before);
          if ((delta > 0 && current > Long.MAX_VALUE - delta) || (delta < 0 && current < Long.MIN_VALUE - delta)) {
            throw Counters.overflow(key, current, delta);
          }
        }
        throw new UncheckedIOException(this + " could not increment key " + Keys.quote(key) + ": " + text(parts.get(1)),
            new IOException(text(parts.get(1))));
      }
      case "max_value_size" -> {
        limits.checkValueSize(this, key, Integer.parseInt(text(parts.get(1))));
        throw unexpected("increment", key, parts);
      }
      default -> throw unexpected("increment", key, parts);
    }
  }

  /** Compared and set in a script that keeps the accounting: see {@link #COMPARE_AND_SET}. */
  @Override
  public boolean compareAndSet(String key, byte @Nullable [] expected, byte @Nullable [] newValue) {
    byte[] redisKey = redisKey(key);
    if (expected != null) {
      Keys.checkValue(key, expected);
    }
    if (newValue != null) {
      Keys.checkValue(key, newValue);
      limits.checkValueSize(this, key, newValue.length);
    }
    byte[] none = new byte[0];
    List<byte[]> args = List.of(ascii(expected == null ? 0 : 1), expected == null ? none : expected,
        ascii(newValue == null ? 0 : 1), newValue == null ? none : newValue, ascii(limits.maxKeys()),
        ascii(limits.maxBytes()), keyPrefix, storeKey(redisKey),
        ascii(StoreLimits.footprint(key, newValue == null ? 0 : newValue.length)));
    List<?> parts = parts(call("compare and set key", key, () -> client.eval(COMPARE_AND_SET, keys(redisKey), args)));
    return switch (status(parts)) {
      case "ok" -> true;
      case "no" -> false;
      default -> throw unexpected("compare and set", key, parts);
    };
  }

  private static List<?> parts(Object answer) {
    return answer instanceof List<?> list ? list : List.of(String.valueOf(answer));
  }

  private static String status(List<?> parts) {
    return parts.isEmpty() ? "" : text(parts.get(0));
  }

  /**
   * The error for a script's answer other than what the caller expected: a quota refusal worded as
   * the other stores word it, or else an {@link UncheckedIOException} quoting the answer.
   */
  private RuntimeException unexpected(String action, String key, List<?> parts) {
    String status = status(parts);
    if ((status.equals("max_keys") || status.equals("max_bytes")) && parts.size() > 2) {
      long current = Long.parseLong(text(parts.get(1)));
      long growth = Long.parseLong(text(parts.get(2)));
      boolean keysLimit = status.equals("max_keys");
      // Refused on the server; checkGrowth words the refusal as the other stores do.
      limits.checkGrowth(this, key, current, keysLimit ? 1 : 0, current, keysLimit ? 0 : growth);
      return new IllegalStateException(this + " refused key " + Keys.quote(key) + " over " + status);
    }
    List<String> shown = parts.stream().map(RedisKeyValueStore::text).toList();
    return new UncheckedIOException(this + " could not " + action + " key " + Keys.quote(key)
        + ": unexpected answer from the server's script: " + shown, new IOException(String.valueOf(shown)));
  }

  private byte[] storeKey(byte[] redisKey) {
    return Arrays.copyOfRange(redisKey, keyPrefix.length, redisKey.length);
  }

  @Override
  public boolean delete(String key) {
    byte[] redisKey = redisKey(key);
    byte[] storeKey = Arrays.copyOfRange(redisKey, keyPrefix.length, redisKey.length);
    Object deleted = call("delete key", key, () -> client.eval(DELETE, keys(redisKey), List.of(storeKey)));
    return deleted instanceof Long n && n > 0;
  }

  /** The keys a script names: the value's, then the store's accounting keys. */
  private List<byte[]> keys(byte[] redisKey) {
    List<byte[]> keys = new java.util.ArrayList<>(4);
    keys.add(redisKey);
    keys.addAll(metaKeys);
    return keys;
  }

  private static byte[] ascii(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  private static String text(Object part) {
    return part instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(part);
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
