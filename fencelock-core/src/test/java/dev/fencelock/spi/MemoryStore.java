package dev.fencelock.spi;

import dev.fencelock.LockAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A store in this JVM's memory, for tests of the engine alone: locks without expiry, tokens from
 * a counter, releases announced to watchers, and holders told apart as a Redis store does: by the
 * {@link OwnerTokens#PREFIX} of their token. Thread-safe.
 */
final class MemoryStore implements LockStore {
    private final Map<String, String> owners = new HashMap<>();
    private final Map<String, CompletableFuture<Void>> nextReleases = new HashMap<>();
    private final Semaphore attempts = new Semaphore(0);
    private long tokens;
    private int attemptCount;
    private Duration refusedRetryAfter = Duration.ofHours(1);
    private Duration keepAlive = Duration.ofMillis(300);
    private volatile RuntimeException watchFailure;
    private volatile LeaseReports reports;

    /** How long a refused attempt tells the engine to wait at most. */
    MemoryStore refusingWithRetryAfter(Duration retryAfter) {
        this.refusedRetryAfter = retryAfter;
        return this;
    }

    /** Makes {@link #watch} throw, as a store that breaks the SPI's promise of a failed future would. */
    MemoryStore throwingOnWatch(RuntimeException failure) {
        this.watchFailure = failure;
        return this;
    }

    MemoryStore keepingAliveEvery(Duration keepAlive) {
        this.keepAlive = keepAlive;
        return this;
    }

    /** Takes {@code name} for a holder outside the engine. */
    synchronized void hold(String name, String owner) {
        owners.put(name, owner);
    }

    /** Frees {@code name} without announcing it, as a lease's expiry or a foreign client's release does. */
    synchronized void releaseUnannounced(String name) {
        owners.remove(name);
    }

    /** Drops the lock {@code name} and tells the engine at once, as a ZooKeeper store does when its session expires. */
    void loseAndReport(String name) {
        String owner;
        synchronized (this) {
            owner = owners.remove(name);
        }
        reports.lost(Set.of(owner));
    }

    synchronized int attemptCount() {
        return attemptCount;
    }

    /** Waits until {@code count} attempts have been made in all. */
    boolean awaitAttempts(int count, Duration timeout) throws InterruptedException {
        if (!attempts.tryAcquire(count, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        attempts.release(count);
        return true;
    }

    /** What waits on the name's next release. */
    synchronized int releaseDependents(String name) {
        return nextRelease(name).getNumberOfDependents();
    }

    @Override
    public void reportTo(LeaseReports reports) {
        this.reports = reports;
    }

    /** Confirms every lease of the engine for {@code remaining}, as a store of sessions does. */
    void confirmFor(Duration remaining) {
        reports.confirmedFor(remaining);
    }

    @Override
    public void checkName(String name) {}

    @Override
    public boolean supports(LockKind kind) {
        return kind == LockKind.PLAIN;
    }

    @Override
    public synchronized CompletableFuture<Attempt> acquire(LockKind kind, String name, String owner, Duration lease,
            boolean waiting, String alongside) {
        attemptCount++;
        attempts.release();
        if (owners.putIfAbsent(name, owner) != null) {
            return CompletableFuture.completedFuture(new Attempt.Refused(refusedRetryAfter, OwnerTokens.isFencelock(owners.get(name))));
        }
        return CompletableFuture.completedFuture(new Attempt.Granted(++tokens, lease, false));
    }

    @Override
    public synchronized CompletableFuture<List<Renewal>> renew(List<HeldLease> batch) {
        List<Renewal> renewals = new ArrayList<>();
        for (HeldLease lease : batch) {
            String current = owners.get(lease.name());
            renewals.add(current == null ? Renewal.GONE : current.equals(lease.owner()) ? Renewal.RENEWED : Renewal.TAKEN);
        }
        return CompletableFuture.completedFuture(renewals);
    }

    @Override
    public int maxRenewalBatch() {
        return 100;
    }

    @Override
    public int renewalShard(String name) {
        return 0;
    }

    @Override
    public CompletableFuture<Released> release(LockKind kind, String name, String owner, boolean requeue) {
        CompletableFuture<Void> released;
        synchronized (this) {
            String current = owners.get(name);
            if (current == null || !current.equals(owner)) {
                return CompletableFuture.completedFuture(
                        new Released(current == null ? Released.Finding.GONE : Released.Finding.TAKEN, false));
            }
            owners.remove(name);
            released = nextReleases.remove(name);
        }
        if (released != null) {
            released.complete(null);
        }
        return CompletableFuture.completedFuture(new Released(Released.Finding.OURS, false));
    }

    @Override
    public CompletableFuture<ReleaseWatch> watch(LockKind kind, String name, String owner) {
        if (watchFailure != null) {
            throw watchFailure;
        }
        return CompletableFuture.completedFuture(new ReleaseWatch() {
            @Override
            public CompletableFuture<Void> nextRelease() {
                synchronized (MemoryStore.this) {
                    return MemoryStore.this.nextRelease(name);
                }
            }

            @Override
            public void close() {}
        });
    }

    private CompletableFuture<Void> nextRelease(String name) {
        return nextReleases.computeIfAbsent(name, key -> new CompletableFuture<>());
    }

    @Override
    public void stopWaiting(LockKind kind, String name, String owner) {}

    @Override
    public synchronized CompletableFuture<Boolean> isLocked(LockKind kind, String name) {
        return CompletableFuture.completedFuture(owners.containsKey(name));
    }

    @Override
    public LockAdmin admin() {
        throw new UnsupportedOperationException("the memory store has no admin");
    }

    @Override
    public Duration callTimeout() {
        return Duration.ofMillis(300);
    }

    @Override
    public Duration designationTimeout() {
        return Duration.ofMillis(300);
    }

    @Override
    public Duration keepAliveInterval(LockKind kind) {
        return keepAlive;
    }

    @Override
    public Duration retryPause() {
        return Duration.ofMillis(1);
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {}
}
