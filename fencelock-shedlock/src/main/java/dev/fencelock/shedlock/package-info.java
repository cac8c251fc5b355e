/**
 * ShedLock on Fencelock: {@link dev.fencelock.shedlock.FencelockLockProvider}, a ShedLock
 * {@code ExtensibleLockProvider} whose locks are fixed Fencelock leases with fencing tokens.
 */
package dev.fencelock.shedlock;
