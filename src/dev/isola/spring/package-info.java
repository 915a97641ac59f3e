/**
 * Isola in a Spring Boot 4 application: {@link dev.isola.spring.IsolaAutoConfiguration} builds an
 * {@link dev.isola.Isola} from {@code isola.*} properties ({@link dev.isola.spring.IsolaProperties})
 * and, in a servlet web application, serves it under {@code isola.base-path} with {@link
 * dev.isola.servlet.IsolaServlet}. Needs {@code spring-boot-autoconfigure}, which Spring Boot
 * applications have; Isola's dependency on it is optional.
 */
@NullMarked
package dev.isola.spring;

import org.jspecify.annotations.NullMarked;
