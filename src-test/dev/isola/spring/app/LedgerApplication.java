package dev.isola.spring.app;

import dev.isola.Isola;
import dev.isola.Request;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/** A Spring Boot application with a real transaction manager (JDBC on an in-memory H2) and Isola. */
@SpringBootApplication
@EnableTransactionManagement
public class LedgerApplication {
  @Bean
  public DataSource dataSource() {
    return new DriverManagerDataSource("jdbc:h2:mem:ledger-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
  }

  @Bean
  public PlatformTransactionManager transactionManager(DataSource dataSource) {
    return new DataSourceTransactionManager(dataSource);
  }

  @Bean
  public JdbcTemplate jdbc(DataSource dataSource) {
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    jdbc.execute("create table entries (name varchar(100) primary key)");
    return jdbc;
  }

  /** Records an entry in the database and, through a handler, a note in the key-value store. */
  @Service
  public static class Ledger {
    private final JdbcTemplate jdbc;
    private final Isola isola;

    public Ledger(JdbcTemplate jdbc, Isola isola) {
      this.jdbc = jdbc;
      this.isola = isola;
    }

    /** Both in one transaction; fails after both when {@code fail} is set, so both roll back. */
    @Transactional
    public String record(String name, boolean fail) {
      jdbc.update("insert into entries (name) values (?)", name);
      String answer = isola.handle(Request.post("/note/" + name, "")).bodyText();
      String seen = isola.handle(Request.get("/read/" + name)).bodyText();
      if (fail) {
        throw new IllegalStateException("failed after " + answer + ", " + seen);
      }
      return answer + ", " + seen;
    }
  }
}
