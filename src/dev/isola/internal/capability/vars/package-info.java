/**
 * The variables capability's room: {@link dev.isola.internal.capability.vars.VariableGate}.
 * Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.capability.vars;

import org.jspecify.annotations.NullMarked;
