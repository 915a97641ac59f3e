package dev.isola.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.spring.app.LedgerApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A handler called inside a Spring transaction: its key-value writes are applied with the
 * transaction's commit and dropped with its rollback, as the database rows written beside them.
 */
class TransactionalKeyValueTest {
  private static ConfigurableApplicationContext app;

  @BeforeAll
  static void start() {
    app = new SpringApplicationBuilder(LedgerApplication.class).properties(
        "server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
        "spring.main.log-startup-info=false", "logging.level.root=warn",
        "isola.stores.notes.type=memory",
        "isola.routes[0].path=POST /note/:key",
        "isola.routes[0].handler=src-test/dev/isola/spring/kv-count.js",
        "isola.routes[0].key-value=notes",
        "isola.routes[1].path=GET /read/:key",
        "isola.routes[1].handler=src-test/dev/isola/spring/kv-read.js",
        "isola.routes[1].key-value=notes").run();
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static String stored(String key) {
    return app.getBean(Isola.class).handle(Request.get("/read/" + key)).bodyText();
  }

  private static int rows(String name) {
    return app.getBean(JdbcTemplate.class).queryForObject("select count(*) from entries where name = ?",
        Integer.class, name);
  }

  @Test
  void aCommit_appliesTheWrites_andTheTransactionReadsThemBefore() {
    LedgerApplication.Ledger ledger = app.getBean(LedgerApplication.Ledger.class);
    assertEquals("stored apple, x", ledger.record("apple", false));
    assertEquals(1, rows("apple"));
    assertEquals("x", stored("apple"));
  }

  @Test
  void aRollback_dropsTheWrites_withTheRows() {
    LedgerApplication.Ledger ledger = app.getBean(LedgerApplication.Ledger.class);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ledger.record("pear", true));
    assertEquals("failed after stored pear, x", e.getMessage(), "inside, the transaction read its own write");
    assertEquals(0, rows("pear"));
    assertEquals("null", stored("pear"));
  }

  @Test
  void outsideATransaction_writesApplyAtOnce() {
    Isola isola = app.getBean(Isola.class);
    assertEquals("stored plum", isola.handle(Request.post("/note/plum", "")).bodyText());
    assertEquals("x", stored("plum"));
  }

  @Test
  void aRollbackToASavepoint_dropsTheWritesMadeSinceIt_andKeepsTheOthers() {
    Isola isola = app.getBean(Isola.class);
    JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
    PlatformTransactionManager manager = app.getBean(PlatformTransactionManager.class);
    TransactionTemplate nested = new TransactionTemplate(manager);
    nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    new TransactionTemplate(manager).executeWithoutResult(outer -> {
      jdbc.update("insert into entries (name) values (?)", "fig");
      assertEquals("stored fig", isola.handle(Request.post("/note/fig", "")).bodyText());
      assertThrows(IllegalStateException.class, () -> nested.executeWithoutResult(inner -> {
        jdbc.update("insert into entries (name) values (?)", "kiwi");
        assertEquals("stored kiwi", isola.handle(Request.post("/note/kiwi", "")).bodyText());
        throw new IllegalStateException("undo kiwi");
      }));
      assertEquals("null", isola.handle(Request.get("/read/kiwi")).bodyText(), "rolled back, still seen");
      assertEquals("x", isola.handle(Request.get("/read/fig")).bodyText());
    });
    assertEquals(1, rows("fig"));
    assertEquals(0, rows("kiwi"));
    assertEquals("x", stored("fig"));
    assertEquals("null", stored("kiwi"), "a write rolled back to its savepoint was applied at the commit");
  }

  @Test
  void aRollbackToASavepoint_madeBeforeTheFirstWrite_dropsEveryWrite() {
    Isola isola = app.getBean(Isola.class);
    PlatformTransactionManager manager = app.getBean(PlatformTransactionManager.class);
    TransactionTemplate nested = new TransactionTemplate(manager);
    nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    new TransactionTemplate(manager).executeWithoutResult(outer ->
        assertThrows(IllegalStateException.class, () -> nested.executeWithoutResult(inner -> {
          assertEquals("stored lime", isola.handle(Request.post("/note/lime", "")).bodyText());
          throw new IllegalStateException("undo lime");
        })));
    assertEquals("null", stored("lime"));
  }
}
