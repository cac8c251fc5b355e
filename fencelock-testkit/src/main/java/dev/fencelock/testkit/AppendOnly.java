package dev.fencelock.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link RedisServer} or {@link RedisServers} parameter whose servers write every command
 * to an append-only file, so that their data survives {@link RedisServer#kill()} and
 * {@link RedisServer#restart()}: as {@link RedisServer.Builder#appendOnly(boolean) appendOnly(true)}.
 */
@Documented
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface AppendOnly {}
