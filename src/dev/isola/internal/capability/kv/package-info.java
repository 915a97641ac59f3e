/**
 * The key-value capability's room: {@link dev.isola.internal.capability.kv.KeyValueGate} (one call's
 * gets, puts, deletes and lists, behind {@code CallCapabilities}) and {@link
 * dev.isola.internal.capability.kv.StoreFullError}. The stores themselves are {@code dev.isola.kv}.
 * Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.capability.kv;

import org.jspecify.annotations.NullMarked;
