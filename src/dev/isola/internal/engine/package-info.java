/**
 * The engine-neutral plumbing of a call: prepared handlers, the sandbox runner (the fresh-sandbox
 * contract and what every failure becomes), limits enforcement. Not exported.
 */
@NullMarked
package dev.isola.internal.engine;

import org.jspecify.annotations.NullMarked;
