/**
 * The files capability's room: {@link dev.isola.internal.capability.files.FileGate} (one call's reads
 * through {@code env.files} and {@code isola:host/files}), {@link
 * dev.isola.internal.capability.files.RegularFiles} (regular files only), and read-only views of
 * host directories as {@code java.nio} file systems given to Chicory's WASI as preopened
 * directories ({@link dev.isola.internal.capability.files.ReadOnlyFileSystem#of}). Internal: not
 * exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.capability.files;

import org.jspecify.annotations.NullMarked;
