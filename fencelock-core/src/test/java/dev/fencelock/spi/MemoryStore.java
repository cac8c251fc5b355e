package dev.fencelock.spi;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A store in this JVM's memory, for tests of the engine alone: locks without expiry, tokens from
 * a counter, releases announced to watchers, and holders told apart as a Redis store does: by the
 * {@link OwnerTokens#PREFIX} of their token; when asked for, semaphores whose permits are granted
 * in the order their acquisitions first queued, and passed on by a release as the Redis store
 * passes them ({@link #releasePermit}). Thread-safe.
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
    private volatile boolean watchesAfterARefusal;
    private volatile boolean unanswered;
    private volatile boolean multiLocks;
    private volatile boolean semaphores;
    private volatile LeaseReports reports;
    /** Per semaphore: the owner tokens that hold a permit, and the acquisitions queued, first arrival first. */
    private final Map<String, Set<String>> permitHolders = new HashMap<>();
    private final Map<String, Set<String>> permitQueues = new HashMap<>();
    private final Map<String, Integer> permitCounts = new HashMap<>();
    private final Semaphore permitReleases = new Semaphore(0);
    private int permitAttemptCount;
    /** Completes the reply of the next such call; null: the reply goes out at once. */
    private CompletableFuture<Void> heldPermitReleaseReply;
    private CompletableFuture<Void> heldPermitAcquireReply;
    private CompletableFuture<Void> heldWatch;
    /** Whether the held reply of the next permit attempt is lost rather than answered. */
    private boolean lostPermitAcquireReply;
    /** Lets the next renewal reach the store; null: renewals reach it at once. */
    private CompletableFuture<Void> heldRenewal;
    private CompletableFuture<Void> heldRenewalArrived;
    private final Map<String, Duration> lastRenewedFor = new HashMap<>();

    /** How long a refused attempt tells the engine to wait at most. */
    MemoryStore refusingWithRetryAfter(Duration retryAfter) {
        this.refusedRetryAfter = retryAfter;
        return this;
    }

    /**
     * Whether attempts, renewals and releases go unanswered from now on, as on a backend that is
     * down: an attempt to be tried again after a pause, a renewal not confirmed, a release failed.
     */
    MemoryStore unanswered(boolean unanswered) {
        this.unanswered = unanswered;
        return this;
    }

    /** Makes {@link #watch} throw, as a store that breaks the SPI's promise of a failed future would. */
    MemoryStore throwingOnWatch(RuntimeException failure) {
        this.watchFailure = failure;
        return this;
    }

    /** Holds multi-locks: all names or none, one token, refused naming the first name held. */
    MemoryStore withMultiLocks() {
        this.multiLocks = true;
        return this;
    }

    /** Holds semaphores, whose permits are passed on as {@link #releasePermit} says. */
    MemoryStore withSemaphores() {
        this.semaphores = true;
        return this;
    }

    /**
     * Watches a name only once an attempt was refused, as acquisitions of every kind but permits
     * do, permits too: their waiters' queue, which this store keeps, then shows the attempt before
     * the watch.
     */
    MemoryStore watchingAfterARefusal() {
        this.watchesAfterARefusal = true;
        return this;
    }

    @Override
    public boolean watchesBeforeFirstAttempt(LockKind kind) {
        return !watchesAfterARefusal && LockStore.super.watchesBeforeFirstAttempt(kind);
    }

    /** The owner token that holds {@code name}, or null. */
    synchronized String ownerOf(String name) {
        return owners.get(name);
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
        return kind == LockKind.PLAIN || kind == LockKind.PERMIT && semaphores;
    }

    /**
     * Holds the reply of the next permit release, its effect in the store done at once, until
     * {@code reply} completes: as a reply on its way back, for races with what the engine does
     * meanwhile.
     */
    synchronized void holdingNextPermitReleaseReply(CompletableFuture<Void> reply) {
        heldPermitReleaseReply = reply;
    }

    /** Holds the next watch of a name's releases until {@code subscribed} completes, as a subscription on its way. */
    synchronized void holdingNextWatch(CompletableFuture<Void> subscribed) {
        heldWatch = subscribed;
    }

    /** Holds the reply of the next permit attempt, as {@link #holdingNextPermitReleaseReply} does. */
    synchronized void holdingNextPermitAcquireReply(CompletableFuture<Void> reply) {
        heldPermitAcquireReply = reply;
    }

    /**
     * Loses the reply of the next permit attempt, its effect in the store done at once: when
     * {@code when} completes, the store gives back the permit the attempt may have been granted
     * and answers that it could not tell, as the Redis store does when a reply is lost.
     */
    synchronized void losingNextPermitAcquireReply(CompletableFuture<Void> when) {
        heldPermitAcquireReply = when;
        lostPermitAcquireReply = true;
    }

    /** Waits until {@code count} permit releases have reached the store in all. */
    boolean awaitPermitReleases(int count, Duration timeout) throws InterruptedException {
        if (!permitReleases.tryAcquire(count, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        permitReleases.release(count);
        return true;
    }

    synchronized int permitAttemptCount() {
        return permitAttemptCount;
    }

    /** The owner tokens holding a permit of {@code name}. */
    synchronized Set<String> permitHolders(String name) {
        return Set.copyOf(holders(name));
    }

    /** The acquisitions queued for a permit of {@code name}, first arrival first. */
    synchronized List<String> permitQueue(String name) {
        return List.copyOf(queue(name));
    }

    @Override
    public CompletableFuture<Attempt> acquirePermit(String name, int permits, String owner, Duration lease,
            boolean waiting) {
        Attempt attempt;
        CompletableFuture<Void> reply;
        boolean lost;
        synchronized (this) {
            permitAttemptCount++;
            permitCounts.put(name, permits);
            reply = heldPermitAcquireReply;
            heldPermitAcquireReply = null;
            lost = lostPermitAcquireReply;
            lostPermitAcquireReply = false;
            Set<String> holders = holders(name);
            List<String> queue = List.copyOf(queue(name));
            int ahead = queue.contains(owner) ? queue.indexOf(owner) : queue.size();
            // A holder already (a release passed it the permit): the same permit again, with a new token.
            if (holders.contains(owner) || ahead < permits - holders.size()) {
                holders.add(owner);
                queue(name).remove(owner);
                attempt = new Attempt.Granted(++tokens, lease);
            } else {
                if (waiting) {
                    queue(name).add(owner);
                }
                attempt = new Attempt.Refused(refusedRetryAfter, true);
            }
        }
        attempts.release();
        if (lost) {
            return reply.thenCompose(held -> release(LockKind.PERMIT, name, owner, false))
                    .thenApply(givenBack -> new Attempt.Unavailable(new IllegalStateException("reply lost"), retryPause()));
        }
        return reply == null ? CompletableFuture.completedFuture(attempt) : reply.thenApply(held -> attempt);
    }

    @Override
    public synchronized CompletableFuture<Integer> availablePermits(String name, int permits) {
        return CompletableFuture.completedFuture(permits - holders(name).size());
    }

    /**
     * Releases the permit, and grants the freed permit to the first of the queue if it is one of
     * {@code waiters}, as permit-release.lua does; announces the release only when a permit is left
     * free for a waiter (the Redis store names nobody else).
     */
    @Override
    public CompletableFuture<Released> releasePermit(String name, String owner, List<PermitWaiter> waiters) {
        Released released;
        CompletableFuture<Void> reply;
        CompletableFuture<Void> announced;
        synchronized (this) {
            reply = heldPermitReleaseReply;
            heldPermitReleaseReply = null;
            if (!holders(name).remove(owner)) {
                released = new Released(Released.Finding.GONE, false);
                announced = null;
            } else {
                String head = queue(name).stream().findFirst().orElse(null);
                Released.Passed passed = null;
                if (head != null && waiters.stream().anyMatch(waiter -> waiter.owner().equals(head))) {
                    queue(name).remove(head);
                    holders(name).add(head);
                    passed = new Released.Passed(head, ++tokens);
                }
                released = new Released(Released.Finding.OURS, false, passed);
                boolean leftFree = holders(name).size() < permitCounts.getOrDefault(name, 0);
                announced = leftFree ? nextReleases.remove(name) : null;
            }
        }
        permitReleases.release();
        if (announced != null) {
            announced.complete(null);
        }
        return reply == null ? CompletableFuture.completedFuture(released) : reply.thenApply(held -> released);
    }

    private Set<String> holders(String name) {
        return permitHolders.computeIfAbsent(name, key -> new LinkedHashSet<>());
    }

    private Set<String> queue(String name) {
        return permitQueues.computeIfAbsent(name, key -> new LinkedHashSet<>());
    }

    @Override
    public synchronized CompletableFuture<Attempt> acquire(LockKind kind, String name, String owner, Duration lease,
            boolean waiting, String alongside) {
        attemptCount++;
        attempts.release();
        if (unanswered) {
            return CompletableFuture.completedFuture(new Attempt.Unavailable(new LockUnavailableException("memory is down"), retryPause()));
        }
        if (owners.putIfAbsent(name, owner) != null) {
            return CompletableFuture.completedFuture(new Attempt.Refused(refusedRetryAfter, OwnerTokens.isFencelock(owners.get(name))));
        }
        return CompletableFuture.completedFuture(new Attempt.Granted(++tokens, lease));
    }

    @Override
    public boolean supportsMultiLock() {
        return multiLocks;
    }

    @Override
    public synchronized CompletableFuture<Attempt> acquireAll(List<String> names, String owner, Duration lease,
            boolean waiting) {
        attemptCount++;
        attempts.release();
        for (String name : names) {
            String holder = owners.get(name);
            if (holder != null) {
                return CompletableFuture.completedFuture(
                        new Attempt.Refused(refusedRetryAfter, OwnerTokens.isFencelock(holder), name));
            }
        }
        names.forEach(name -> owners.put(name, owner));
        return CompletableFuture.completedFuture(new Attempt.Granted(++tokens, lease));
    }

    @Override
    public CompletableFuture<Released> releaseAll(List<String> names, String owner) {
        Released.Finding found = names.stream().map(name -> release(LockKind.PLAIN, name, owner, false).join().found())
                .filter(finding -> finding != Released.Finding.OURS).findFirst().orElse(Released.Finding.OURS);
        return CompletableFuture.completedFuture(new Released(found, false));
    }

    /**
     * Holds the next renewal before it reaches the store until {@code proceed} completes, and
     * completes {@code arrived} when it is held there: as a renewal on its way, for races with what
     * the engine sends meanwhile.
     */
    synchronized void holdingNextRenewal(CompletableFuture<Void> arrived, CompletableFuture<Void> proceed) {
        heldRenewalArrived = arrived;
        heldRenewal = proceed;
    }

    /** The length the last renewal that found {@code name} held set its lease to, or null. */
    synchronized Duration lastRenewedFor(String name) {
        return lastRenewedFor.get(name);
    }

    @Override
    public CompletableFuture<List<Renewal>> renew(List<HeldLease> batch) {
        CompletableFuture<Void> proceed;
        synchronized (this) {
            proceed = heldRenewal;
            if (proceed != null) {
                heldRenewal = null;
                heldRenewalArrived.complete(null);
            }
        }
        if (proceed != null) {
            proceed.join();
        }
        return renewNow(batch);
    }

    private synchronized CompletableFuture<List<Renewal>> renewNow(List<HeldLease> batch) {
        List<Renewal> renewals = new ArrayList<>();
        for (HeldLease lease : batch) {
            if (unanswered) {
                renewals.add(Renewal.UNCONFIRMED);
                continue;
            }
            if (lease.kind() == LockKind.PERMIT) {
                renewals.add(holders(lease.name()).contains(lease.owner()) ? Renewal.RENEWED : Renewal.GONE);
                continue;
            }
            String current = owners.get(lease.name());
            if (lease.owner().equals(current)) {
                lastRenewedFor.put(lease.name(), lease.lease());
            }
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
        if (unanswered) {
            return CompletableFuture.failedFuture(new LockUnavailableException("memory is down"));
        }
        if (kind == LockKind.PERMIT) {
            return releasePermit(name, owner, List.of());
        }
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
        CompletableFuture<Void> subscribed;
        synchronized (this) {
            subscribed = heldWatch == null ? CompletableFuture.completedFuture(null) : heldWatch;
            heldWatch = null;
        }
        return subscribed.thenApply(done -> new ReleaseWatch() {
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
    public synchronized void stopWaiting(LockKind kind, String name, String owner) {
        if (kind == LockKind.PERMIT) {
            queue(name).remove(owner);
        }
    }

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
