package dev.fencelock.zookeeper;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The longest session the test class's ZooKeeper server grants, in place of
 * {@link TestZooKeeper#MAX_SESSION_MILLIS}: for tests that read what a client sent last, which its
 * session probe (a third of two thirds of the session) must not come in between.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface SessionsUpTo {
    int seconds();
}
