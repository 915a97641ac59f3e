/** JavaScript handlers on GraalJS, a fresh context per call. Not exported. */
@NullMarked
package dev.isola.internal.js;

import org.jspecify.annotations.NullMarked;
