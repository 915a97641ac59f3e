/** The engine-neutral plumbing of a call: prepared handlers, limits enforcement. Not exported. */
@NullMarked
package dev.isola.internal.engine;

import org.jspecify.annotations.NullMarked;
