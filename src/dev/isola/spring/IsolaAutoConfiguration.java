package dev.isola.spring;

import dev.isola.Grant;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.capability.Capability;
import dev.isola.capability.HostInterface;
import dev.isola.server.Manifest;
import dev.isola.servlet.IsolaServlet;
import jakarta.servlet.Servlet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration for Isola: an {@link Isola} bean built from {@link
 * IsolaProperties} ({@code isola.manifest}, {@code isola.routes}, {@code isola.variables}) and any
 * {@link IsolaBuilderCustomizer} beans, closed with the application context; and, in a servlet web
 * application, an {@link IsolaServlet} serving it at {@code isola.base-path} ({@code /isola} by
 * default) next to the application's own controllers.
 *
 * <pre>{@code
 * # application.properties
 * isola.base-path=/fn
 * isola.routes[0].path=GET /hello/:name
 * isola.routes[0].handler=handlers/hello.js
 * # GET /fn/hello/world -> route "GET /hello/:name"
 * }</pre>
 *
 * <p>Handlers call the application's own services through host interfaces: a bean annotated
 * {@link IsolaHostInterface} (or any {@link Capability} bean) is offered to routes granted it, e.g.
 * {@code isola.routes[0].host-interfaces=billing}.
 *
 * <p>Handlers call other handlers by name as components: {@code isola.routes[1].name=inventory}
 * declares one, {@code isola.routes[0].calls=inventory} lets a route call it ({@code
 * env.inventory.fetch(...)}). {@code isola.components} serves a subset here, {@code
 * isola.remotes.NAME.url} says where the others run, and {@code isola.node-key} (from the
 * environment) signs and checks the calls between nodes; {@code isola.max-call-depth} bounds a chain.
 *
 * <p>An application that defines its own {@code Isola} bean keeps it: none is built here, and the
 * servlet serves the application's. One that registers a bean named {@value #SERVLET_BEAN} gets no
 * servlet from here. Everything {@link Isola.Builder#build()} would refuse (a missing handler file,
 * a syntax error, a route conflict) fails the application's startup.
 */
@AutoConfiguration
@EnableConfigurationProperties(IsolaProperties.class)
public class IsolaAutoConfiguration {
  /** The name of the servlet registration bean, and of the servlet in the container. */
  public static final String SERVLET_BEAN = "isolaServlet";

  /** Instantiated by Spring. */
  public IsolaAutoConfiguration() {}

  /**
   * The {@link Isola}: the manifest's routes and declarations if {@code isola.manifest} is set,
   * then {@code isola.variables}, {@code isola.routes}, and the customizers.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Isola isola(IsolaProperties properties, ObjectProvider<IsolaBuilderCustomizer> customizers,
      ObjectProvider<Capability<?, ?>> capabilities, ListableBeanFactory beans) {
    Optional<List<String>> served = properties.servedComponents();
    Optional<Manifest> manifest = properties.manifestFile().map(Manifest::load)
        .map(m -> served.map(names -> m.serving(names.stream().filter(m.components()::contains).toList())).orElse(m));
    checkServed(properties, manifest);
    Isola.Builder builder = manifest.map(Manifest::toBuilder).orElseGet(Isola::newBuilder);
    Limits defaults = manifest.map(Manifest::defaultLimits).orElseGet(Limits::defaults);
    properties.variables().forEach(builder::variable);
    properties.stores().forEach((name, store) -> {
      if (manifest.isPresent() && manifest.get().declarations().stores().containsKey(name)) {
        throw new IllegalArgumentException("key-value store \"" + name + "\" is declared twice, as [store." + name
            + "] in " + manifest.get().file() + " and as isola.stores." + name + ": keep one of them");
      }
      builder.ownedStore(name, store.spec(name).open());
    });
    capabilities.orderedStream().forEach(builder::capability);
    hostInterfaces(beans).forEach(builder::capability);
    for (IsolaProperties.Route route : properties.routes()) {
      if (route.name() != null && served.isPresent() && !served.get().contains(route.name())) {
        continue; // not served here: neither its path nor the component
      }
      Handler handler = handler(route, defaults);
      if (route.path() != null) {
        builder.route(route.path(), handler);
      }
      if (route.name() != null) {
        builder.component(route.name(), handler);
      }
    }
    nodes(properties, builder);
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return manifest.isPresent() ? buildLocated(builder, manifest.get()) : builder.build();
  }

  private static Handler handler(IsolaProperties.Route route, Limits defaults) {
    boolean wasm = route.handler().getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wasm");
    Handler handler = wasm ? Handler.wasm(route.handler()) : Handler.javascript(route.handler());
    List<Grant> grants = new ArrayList<>();
    if (!route.variables().isEmpty()) {
      grants.add(Grants.variables(route.variables().toArray(String[]::new)));
    }
    for (String store : route.keyValue()) {
      grants.add(Grants.keyValue(store));
    }
    for (String name : route.hostInterfaces()) {
      grants.add(Grants.hostInterface(name));
    }
    if (!route.calls().isEmpty()) {
      grants.add(Grants.calls(route.calls().toArray(String[]::new)));
    }
    if (!grants.isEmpty()) {
      handler = handler.grants(grants.toArray(Grant[]::new));
    }
    return route.limits(defaults).map(handler::limits).orElse(handler);
  }

  /** {@code isola.components} names only components the manifest or {@code isola.routes} declare. */
  private static void checkServed(IsolaProperties properties, Optional<Manifest> manifest) {
    if (properties.servedComponents().isEmpty()) {
      return;
    }
    java.util.Set<String> declared = new java.util.LinkedHashSet<>();
    manifest.ifPresent(m -> declared.addAll(m.components()));
    properties.routes().stream().map(IsolaProperties.Route::name).filter(java.util.Objects::nonNull)
        .forEach(declared::add);
    for (String name : properties.servedComponents().get()) {
      if (!declared.contains(name)) {
        throw new IllegalArgumentException("isola.components names \"" + name + "\", which neither isola.routes[n].name"
            + (manifest.isPresent() ? " nor a [[route]] name of " + manifest.get().file() : "") + " declares: "
            + (declared.isEmpty() ? "declare it, or remove it" : "serve some of " + String.join(", ", declared)));
      }
    }
  }

  /** {@code isola.remotes}, {@code isola.node-key}, {@code isola.components}, {@code isola.max-call-depth}. */
  private static void nodes(IsolaProperties properties, Isola.Builder builder) {
    properties.remotes().forEach((name, remote) -> {
      if (remote.url() == null || remote.url().isBlank()) {
        throw new IllegalArgumentException("isola.remotes." + name + " has no url: set isola.remotes." + name
            + ".url=http://10.0.0.7:8080/fn, the node (and path) that serves component " + name);
      }
      try {
        builder.remote(name, remote.url());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("isola.remotes." + name + ".url: " + e.getMessage(), e);
      }
    });
    properties.nodeKeyValue().ifPresent(key -> {
      try {
        builder.nodeKey(key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("isola.node-key is " + key.getBytes(java.nio.charset.StandardCharsets.UTF_8)
            .length + " bytes, but a node key must be at least 32: set it from the environment to the same long key on"
            + " every node, e.g. the output of openssl rand -base64 48", e);
      }
    });
    properties.servedComponents().ifPresent(names -> builder.serveComponents(names.toArray(String[]::new)));
    if (properties.maxCallDepth() != null) {
      try {
        builder.maxCallDepth(properties.maxCallDepth());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("isola.max-call-depth: " + e.getMessage(), e);
      }
    }
  }

  /**
   * A {@link HostInterface} for each bean annotated {@link IsolaHostInterface}, offering the
   * annotation's interface (or the bean's only interface) under the annotation's name.
   */
  /** Interfaces a framework adds to beans (proxies, AOP, languages): never the one a bean offers. */
  private static final java.util.regex.Pattern FRAMEWORK_PACKAGES = java.util.regex.Pattern.compile(
      "(java|javax|jakarta|kotlin|groovy|scala|org\\.springframework|org\\.aopalliance)\\.");

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<HostInterface<?>> hostInterfaces(ListableBeanFactory beans) {
    List<HostInterface<?>> found = new ArrayList<>();
    for (String name : beans.getBeanNamesForAnnotation(IsolaHostInterface.class)) {
      IsolaHostInterface annotation = beans.findAnnotationOnBean(name, IsolaHostInterface.class);
      Object bean = beans.getBean(name);
      Class<?> type = annotation.type();
      if (type == void.class) {
        List<Class<?>> own = java.util.Arrays.stream(org.springframework.util.ClassUtils.getAllInterfaces(bean))
            .filter(i -> !FRAMEWORK_PACKAGES.matcher(i.getName()).lookingAt())
            .toList();
        if (own.size() != 1) {
          throw new IllegalArgumentException("bean " + name + " is annotated @IsolaHostInterface(\"" + annotation.value()
              + "\") and implements " + (own.isEmpty() ? "no interface" : own.size() + " interfaces " + own)
              + ": name the one to offer with @IsolaHostInterface(value = \"" + annotation.value()
              + "\", type = YourInterface.class)");
        }
        type = own.get(0);
      }
      if (!type.isInstance(bean)) {
        throw new IllegalArgumentException("bean " + name + " is annotated @IsolaHostInterface(value = \""
            + annotation.value() + "\", type = " + type.getName() + ".class) but does not implement it: implement "
            + type.getSimpleName() + ", or name an interface the bean implements");
      }
      found.add(HostInterface.of(annotation.value(), (Class) type, bean));
    }
    return found;
  }

  /** Builds, naming the manifest in a failure (the builder may also hold property routes). */
  private static Isola buildLocated(Isola.Builder builder, Manifest manifest) {
    try {
      return builder.build();
    } catch (RuntimeException e) {
      throw new IllegalStateException("the Isola of isola.manifest=" + manifest.file()
          + " and isola.routes did not build: " + e.getMessage(), e);
    }
  }

  /** The servlet, for servlet web applications only. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = Type.SERVLET)
  @ConditionalOnClass({Servlet.class, ServletRegistrationBean.class})
  public static class ServletConfiguration {
    /** Instantiated by Spring. */
    public ServletConfiguration() {}

    /** {@link IsolaServlet} mapped at {@code <isola.base-path>/*}. */
    @Bean(SERVLET_BEAN)
    @ConditionalOnMissingBean(name = SERVLET_BEAN)
    public ServletRegistrationBean<IsolaServlet> isolaServlet(Isola isola, IsolaProperties properties) {
      ServletRegistrationBean<IsolaServlet> registration =
          new ServletRegistrationBean<>(new IsolaServlet(isola, properties.basePath()), properties.basePath() + "/*");
      registration.setName(SERVLET_BEAN);
      return registration;
    }
  }

  /**
   * Key-value writes that wait for Spring's transaction: a call made with {@code isola.handle(...)}
   * inside a {@code @Transactional} method (or any transaction Spring synchronizes, JTA's through
   * {@code JtaTransactionManager} included) has its writes, and those of the local components it
   * calls, applied only if that transaction commits. Only when spring-tx is on the class path; off
   * with {@code isola.transactional-key-value=false}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.transaction.support.TransactionSynchronizationManager")
  @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = "isola.transactional-key-value",
      havingValue = "true", matchIfMissing = true)
  public static class TransactionConfiguration {
    /** Instantiated by Spring. */
    public TransactionConfiguration() {}

    /** Joins each call's key-value writes to the caller's Spring transaction, if it runs in one. */
    @Bean
    public IsolaBuilderCustomizer isolaKeyValueTransactions() {
      return builder -> builder.keyValueTransactions(new SpringKeyValueTransactions());
    }
  }

  /**
   * Isola's call metrics in the application's Micrometer registry (Actuator's, when it is there):
   * {@code isola.calls}, {@code isola.errors}, {@code isola.limits.exceeded}, {@code isola.denials},
   * {@code isola.calls.inflight}. Only when Micrometer is on the class path and a registry exists.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  public static class MetricsConfiguration {
    /** Instantiated by Spring. */
    public MetricsConfiguration() {}

    /** Binds the auto-configured {@code Isola} to the registry, if the application has one. */
    @Bean
    public IsolaBuilderCustomizer isolaMetrics(ObjectProvider<io.micrometer.core.instrument.MeterRegistry> registry) {
      return builder -> registry.ifAvailable(r -> builder.metrics(dev.isola.metrics.IsolaMetrics.micrometer(r)));
    }
  }
}
