package dev.isola.component;

import dev.isola.Isola;
import dev.isola.server.DevServer;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * The two ways a set of components can be deployed, for tests that must give the same answers in
 * both: one node serving every component, or a front node that serves none of them and calls a
 * second node, a real dev server on loopback, for each.
 */
enum ComponentNodes {
  LOCAL,
  REMOTE;

  static final String KEY = "a-node-key-of-at-least-32-bytes-for-tests-only";

  /**
   * The front Isola: {@code declare} adds the routes and components (the same for both modes). For
   * {@link #REMOTE}, a second Isola built by the same {@code declare} serves the components behind a
   * dev server, and the front serves none of them.
   */
  Deployment deploy(UnaryOperator<Isola.Builder> declare, String... components) {
    if (this == LOCAL) {
      return new Deployment(declare.apply(Isola.newBuilder()).build(), null, null);
    }
    Isola back = declare.apply(Isola.newBuilder()).nodeKey(KEY).build();
    DevServer server = DevServer.start(back, new InetSocketAddress("127.0.0.1", 0));
    Isola.Builder front = declare.apply(Isola.newBuilder()).nodeKey(KEY).serveComponents();
    for (String name : components) {
      front.remote(name, server.uri().toString());
    }
    try {
      return new Deployment(front.build(), back, server);
    } catch (RuntimeException e) {
      server.close();
      back.close();
      throw e;
    }
  }

  /** A front Isola and, for {@link #REMOTE}, the node behind it. */
  record Deployment(Isola front, Isola back, DevServer server) implements AutoCloseable {
    @Override
    public void close() {
      front.close();
      if (server != null) {
        server.close();
      }
      if (back != null) {
        back.close();
      }
    }
  }
}
