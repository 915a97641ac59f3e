package dev.isola.spring.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** A Spring Boot application of its own, with Isola added by auto-configuration only. */
@SpringBootApplication
public class DemoApplication {
  /** The application's own controller, which must keep answering next to Isola's routes. */
  @RestController
  public static class Greetings {
    @GetMapping("/greet/{name}")
    public String greet(@PathVariable("name") String name) {
      return "controller greets " + name;
    }
  }
}
