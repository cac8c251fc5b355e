package dev.fencelock.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method whose {@link RedisServer} and {@link RedisServers} parameters get
 * freshly started servers from the {@link RedisExtension}: the same as
 * {@code @ExtendWith(RedisExtension.class)}.
 */
@Documented
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RedisExtension.class)
public @interface RedisTest {}
