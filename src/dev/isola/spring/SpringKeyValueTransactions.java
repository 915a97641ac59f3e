package dev.isola.spring;

import dev.isola.kv.KeyValueTransactions;
import dev.isola.kv.PendingWrites;
import org.jspecify.annotations.Nullable;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The key-value writes of the Spring transaction of the calling thread: one {@link PendingWrites} per
 * transaction, bound to it as a resource, applied after it commits and dropped after it rolls back
 * (or ends in an unknown state). A transaction suspended for another ({@code REQUIRES_NEW}) keeps
 * its own writes apart; a rollback to a savepoint ({@code NESTED}) drops the writes made since it.
 */
final class SpringKeyValueTransactions implements KeyValueTransactions {
  @Override
  public @Nullable PendingWrites current() {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      return null;
    }
    PendingWrites bound = (PendingWrites) TransactionSynchronizationManager.getResource(this);
    if (bound != null) {
      return bound;
    }
    PendingWrites writes = new PendingWrites();
    TransactionSynchronizationManager.bindResource(this, writes);
    TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
      /** The savepoints taken since these writes were bound, each with the writes kept when it was taken. */
      private final java.util.Map<Object, Integer> marks = new java.util.IdentityHashMap<>();

      @Override
      public void savepoint(Object savepoint) {
        marks.put(savepoint, writes.mark());
      }

      @Override
      public void savepointRollback(Object savepoint) {
        // A savepoint taken before these writes were bound precedes them all.
        Integer mark = marks.remove(savepoint);
        writes.rollBackTo(mark == null ? 0 : mark);
      }

      @Override
      public void suspend() {
        TransactionSynchronizationManager.unbindResource(SpringKeyValueTransactions.this);
      }

      @Override
      public void resume() {
        TransactionSynchronizationManager.bindResource(SpringKeyValueTransactions.this, writes);
      }

      @Override
      public void afterCommit() {
        writes.apply();
      }

      @Override
      public void afterCompletion(int status) {
        TransactionSynchronizationManager.unbindResourceIfPossible(SpringKeyValueTransactions.this);
        if (status != STATUS_COMMITTED) {
          writes.discard();
        }
      }
    });
    return writes;
  }
}
