package dev.fencelock.spi;

import java.time.Duration;

/**
 * A lease as the engine asks a store to renew it.
 *
 * @param kind what kind of lock it holds
 * @param name the lock's name
 * @param owner the lease's owner token
 * @param lease the length to extend it to, from now
 */
public record HeldLease(LockKind kind, String name, String owner, Duration lease) {}
