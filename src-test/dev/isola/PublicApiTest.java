package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape of the public API: {@code dev.isola} stays small, and no public or protected signature of
 * an exported package names a type of {@code dev.isola.internal}, which the module does not export.
 */
class PublicApiTest {
  /** The packages {@code module-info.java} exports. */
  static final List<String> EXPORTED = List.of("dev.isola", "dev.isola.capability", "dev.isola.kv",
      "dev.isola.metrics", "dev.isola.server", "dev.isola.servlet", "dev.isola.spring", "dev.isola.testing",
      "dev.isola.wasm");

  @Test
  void exportedPackages_areTheModulesExports() {
    ModuleDescriptor descriptor = Isola.class.getModule().getDescriptor();
    if (descriptor != null) { // on the module path; the tests run on the class path by default
      assertEquals(new TreeSet<>(EXPORTED), new TreeSet<>(descriptor.exports().stream()
          .map(ModuleDescriptor.Exports::source).toList()));
    }
    for (String pkg : EXPORTED) {
      assertTrue(Files.isDirectory(classes().resolve(pkg.replace('.', '/'))), pkg + " has no classes");
    }
  }

  @Test
  void devIsola_hasAtMost24PublicTypes_besidesItsBuilders() throws Exception {
    List<String> types = publicTypes("dev.isola").stream()
        .filter(c -> !c.getSimpleName().equals("Builder") || c.getEnclosingClass() == null)
        .map(Class::getName).sorted().toList();
    assertTrue(types.size() <= 24, types.size() + " public types in dev.isola: " + types);
    assertTrue(types.contains("dev.isola.Isola") && types.contains("dev.isola.Grants"), types::toString);
  }

  @Test
  void exportedSignatures_nameNoInternalType() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (String pkg : EXPORTED) {
      for (Class<?> type : publicTypes(pkg)) {
        check(type.getName() + " extends", type.getGenericSuperclass(), leaks);
        for (Type t : type.getGenericInterfaces()) {
          check(type.getName() + " implements", t, leaks);
        }
        if (type.isRecord()) {
          for (RecordComponent c : type.getRecordComponents()) {
            check(type.getName() + "." + c.getName(), c.getGenericType(), leaks);
          }
        }
        for (Field f : type.getDeclaredFields()) {
          if (visible(f.getModifiers())) {
            check(type.getName() + "." + f.getName(), f.getGenericType(), leaks);
          }
        }
        List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredMethods()));
        executables.addAll(List.of(type.getDeclaredConstructors()));
        for (Executable e : executables) {
          if (!visible(e.getModifiers()) || e.isSynthetic()) {
            continue;
          }
          String where = type.getName() + "." + e.getName();
          if (e instanceof Method m) {
            check(where, m.getGenericReturnType(), leaks);
          }
          for (Type t : e.getGenericParameterTypes()) {
            check(where, t, leaks);
          }
          for (Type t : e.getGenericExceptionTypes()) {
            check(where, t, leaks);
          }
        }
      }
    }
    assertEquals(List.of(), leaks);
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void check(String where, Type type, List<String> leaks) {
    check(where, type, leaks, new java.util.HashSet<>());
  }

  private static void check(String where, Type type, List<String> leaks, Set<Type> seen) {
    if (type == null || !seen.add(type)) {
      return;
    }
    switch (type) {
      case Class<?> c -> {
        Class<?> base = c;
        while (base.isArray()) {
          base = base.getComponentType();
        }
        if (base.getPackageName().startsWith("dev.isola.internal")) {
          leaks.add(where + " names " + base.getName());
        }
      }
      case ParameterizedType p -> {
        check(where, p.getRawType(), leaks, seen);
        for (Type a : p.getActualTypeArguments()) {
          check(where, a, leaks, seen);
        }
      }
      case WildcardType w -> {
        for (Type b : w.getUpperBounds()) {
          check(where, b, leaks, seen);
        }
        for (Type b : w.getLowerBounds()) {
          check(where, b, leaks, seen);
        }
      }
      case TypeVariable<?> v -> {
        for (Type b : v.getBounds()) {
          check(where, b, leaks, seen);
        }
      }
      case GenericArrayType g -> check(where, g.getGenericComponentType(), leaks, seen);
      default -> throw new AssertionError("unexpected type " + type);
    }
  }

  /** The public types of {@code pkg} whose enclosing types are public too, nested ones included. */
  private static List<Class<?>> publicTypes(String pkg) throws IOException, ClassNotFoundException {
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.list(classes().resolve(pkg.replace('.', '/')))) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".class") || name.equals("package-info.class") || name.equals("module-info.class")) {
          continue;
        }
        Class<?> c = Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()), false,
            PublicApiTest.class.getClassLoader());
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
          continue;
        }
        boolean reachable = true;
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
          reachable &= Modifier.isPublic(k.getModifiers());
        }
        if (reachable) {
          types.add(c);
        }
      }
    }
    return types;
  }

  private static Path classes() {
    try {
      return Path.of(Isola.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
