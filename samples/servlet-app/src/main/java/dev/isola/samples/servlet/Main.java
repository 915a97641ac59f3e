package dev.isola.samples.servlet;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.servlet.IsolaServlet;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * A Jetty 12 server with Isola's servlet at {@code /fn/*}: {@code GET /fn/hello/world} runs
 * {@code handlers/hello.js} in a fresh sandbox. Run from {@code samples/servlet-app} (handler paths
 * are relative to the working directory):
 *
 * <pre>{@code
 * ../../bin/mvn -q compile exec:java
 * curl http://127.0.0.1:8081/fn/hello/world
 * }</pre>
 */
public final class Main {
  private Main() {}

  /** Serves on 127.0.0.1:8081 until the process is stopped. */
  public static void main(String[] args) throws Exception {
    Server server = start("127.0.0.1", 8081);
    System.out.println("servlet-app: try curl http://127.0.0.1:8081/fn/hello/world");
    server.join();
  }

  /**
   * Starts the server on {@code host:port} ({@code 0} for a free port, see
   * {@link ServerConnector#getLocalPort()}); stopping it closes the {@code Isola}.
   */
  public static Server start(String host, int port) throws Exception {
    Isola isola = Isola.newBuilder()
        .route("GET /hello/:name", Handler.javascript(Path.of("handlers/hello.js")))
        .build();                                 // fails here on a missing file or a syntax error

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder("isola", new IsolaServlet(isola, "/fn")), "/fn/*");
    server.setHandler(context);
    server.addEventListener(new LifeCycle.Listener() {
      @Override
      public void lifeCycleStopped(LifeCycle event) {
        isola.close();
      }
    });

    try {
      server.start();
    } catch (Exception e) {
      isola.close();
      throw e;
    }
    return server;
  }
}
