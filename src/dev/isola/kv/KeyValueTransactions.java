package dev.isola.kv;

import org.jspecify.annotations.Nullable;

/**
 * Joins the key-value writes of calls to a transaction of the embedding application, so that they
 * are applied only if that transaction commits. Register one with {@code
 * Isola.Builder.keyValueTransactions}; the Spring Boot auto-configuration registers one for Spring's
 * transactions (and so for JTA through Spring's {@code JtaTransactionManager}).
 *
 * <p>{@code Isola.handle} asks it once per call, on the thread that called {@code handle}. If that
 * thread runs in a transaction, the answer is the transaction's {@link PendingWrites}, made and
 * bound to it on first use, so that every call in one transaction shares them: {@link
 * PendingWrites#apply()} after a commit, {@link PendingWrites#discard()} after a rollback. The calls'
 * guests (and the local components they call) then read the transaction's writes, while nothing
 * reaches the store before the commit.
 */
@FunctionalInterface
public interface KeyValueTransactions {
  /**
   * The writes of the transaction the calling thread runs in, or null when it runs in none: then a
   * call's writes apply at once.
   */
  @Nullable PendingWrites current();
}
