package dev.isola.samples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot application with a controller of its own and Isola's routes, configured in
 * {@code application.properties}, at {@code /fn}. Run from {@code samples/spring-app}:
 *
 * <pre>{@code
 * ../../bin/mvn -q compile exec:java
 * curl http://127.0.0.1:8082/fn/hello/world    # handlers/hello.js, in a fresh sandbox
 * curl http://127.0.0.1:8082/status            # the controller below
 * }</pre>
 */
@SpringBootApplication
public class SpringApp {
  /** Starts the application; stopping it closes the {@code Isola} bean. */
  public static void main(String[] args) {
    SpringApplication.run(SpringApp.class, args);
  }

  /** The application's own controller, answering next to Isola's servlet. */
  @RestController
  static class Status {
    @GetMapping("/status")
    String status() {
      return "ok\n";
    }

    @GetMapping("/greet/{name}")
    String greet(@PathVariable("name") String name) {
      return "controller greets " + name + "\n";
    }
  }
}
