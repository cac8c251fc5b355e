package dev.fencelock.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How many servers a {@link RedisServers} parameter gets from the {@link RedisExtension}, and
 * whether they persist: {@code @Servers(5) RedisServers masters} or
 * {@code @Servers(value = 3, appendOnly = true) RedisServers nodes}. Required on every
 * {@code RedisServers} parameter.
 */
@Documented
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface Servers {
    /** The number of servers, at least 1. */
    int value();

    /** Whether each server persists to an append-only file: the same as {@link AppendOnly} on the parameter. */
    boolean appendOnly() default false;
}
