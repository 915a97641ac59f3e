package dev.isola.jmh;

/** The JavaScript handlers every JS benchmark runs, so Isola and its peers run the same code. */
final class JsHandlers {
  private JsHandlers() {}

  /** Answers a constant. */
  static final String TRIVIAL = """
      export default {
        async fetch(request, env, ctx) {
          return new Response("hello");
        }
      };
      """;

  /** Parses about 2 KB of JSON and runs a 10 000-iteration loop over it. */
  static final String WORK = """
      const doc = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: "item-" + i, price: i * 1.25, tags: ["a", "b"] })) });
      export default {
        async fetch(request, env, ctx) {
          const data = JSON.parse(doc);
          let sum = 0;
          for (let i = 0; i < 10000; i++) {
            sum += data.items[i % data.items.length].price;
          }
          return new Response(String(sum));
        }
      };
      """;

  static String code(String name) {
    return switch (name) {
      case "trivial" -> TRIVIAL;
      case "work" -> WORK;
      default -> throw new IllegalArgumentException("unknown handler " + name + ": use trivial or work");
    };
  }
}
