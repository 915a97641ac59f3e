/**
 * Key-value storage for the key-value capability: the {@link dev.isola.kv.KeyValueStore} interface
 * (the one extension point for storage backends) and {@link dev.isola.kv.KeyValueStores}, which
 * makes the built-in backends: in memory, a crash-safe directory of files (the default) and Redis.
 */
@NullMarked
package dev.isola.kv;

import org.jspecify.annotations.NullMarked;
