/**
 * Read-only views of host directories as {@code java.nio} file systems, given to Chicory's WASI as
 * preopened directories: {@link dev.isola.internal.files.ReadOnlyFileSystem#of} makes one.
 * Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.files;

import org.jspecify.annotations.NullMarked;
