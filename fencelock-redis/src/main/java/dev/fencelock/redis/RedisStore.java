package dev.fencelock.redis;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.Await;
import dev.fencelock.spi.HeldLease;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.LockStore;
import dev.fencelock.spi.OwnerTokens;
import dev.fencelock.spi.PermitWaiter;
import dev.fencelock.spi.ReleaseWatch;
import dev.fencelock.spi.Released;
import dev.fencelock.spi.Renewal;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis store: locks as keys holding their owner token, fencing tokens from a counter seeded
 * by the server's clock, waiters queued in a sorted set and woken by pub/sub — on one server, a
 * Sentinel-managed master, a Cluster, or a majority of independent masters (Redlock). Readers are
 * a sorted set of owner tokens scored by their expiry; fair acquisitions queue in a sorted set
 * scored by their arrival on the server. Every step that must be atomic is one Lua script (see the
 * scripts beside this class).
 *
 * <p>With several masters, each call goes to all of them at once and is judged by how many
 * agreed: an acquisition that wins no majority is released everywhere it was granted, and a won
 * one writes its token back to every master before it is handed out (see {@link LockServers}).
 */
final class RedisStore implements LockStore {
    private static final Logger log = LoggerFactory.getLogger(RedisStore.class);
    /** release.lua's answer when it deleted the key and queued this client behind the one it woke. */
    private static final long RELEASED_AND_QUEUED = 2;
    private static final int MAX_RENEWAL_BATCH = 500;
    /** How often to retry a lock whose key has no expiry (set by a foreign client). */
    static final Duration FOREIGN_LOCK_POLL = Duration.ofMillis(250);
    /** How many plain keep-alive intervals a fair waiter goes without trying again. */
    private static final int FAIR_KEEP_ALIVE_FACTOR = 10;

    private final RedisLockOptions options;
    private final LockServers servers;
    /** ARGV of every acquire and release, fixed by the options: formatted once. */
    private final String waiterTtlMillis;
    private final String keepAliveMillis;
    private final String claimWindowMillis;
    /** The fence counter's time to live, which a release gives the queue it requeues its client in. */
    private final String requeueTtlMillis;
    /** How long a server remembers a release, for the one sent again after its reply was lost (see {@link #runReleaseOf}). */
    private final String rememberReleaseMillis;
    private final Duration fairKeepAlive;
    private final String fairWaiterTtlMillis;
    private final RedisMultiLocks multiLocks;

    RedisStore(RedisLockOptions options) {
        this.options = options;
        this.servers = LockServers.connect(options);
        this.waiterTtlMillis = Long.toString(servers.waiterTtl().toMillis());
        this.keepAliveMillis = Long.toString(servers.waiterKeepAlive().toMillis());
        // The head of a fair queue is named at the release, and the one behind it tries after the
        // designation timeout: by then the head has taken the lock or lost its turn.
        this.claimWindowMillis = Long.toString(servers.designationTimeout().toMillis());
        this.requeueTtlMillis = Long.toString(options.fenceCounterTtl().toMillis());
        this.rememberReleaseMillis = Long.toString(2 * options.commandTimeout().toMillis());
        // A fair waiter proves it is alive seldom: its claim window, once it is the head, bounds
        // what a gone one costs, and a thousand waiters must not keep Redis busy with keep-alives.
        this.fairKeepAlive = servers.waiterKeepAlive().multipliedBy(FAIR_KEEP_ALIVE_FACTOR);
        this.fairWaiterTtlMillis = Long.toString(fairKeepAlive.plus(options.commandTimeout().multipliedBy(2)).toMillis());
        this.multiLocks = new RedisMultiLocks(servers, this::keys, waiterTtlMillis, claimWindowMillis,
                options.commandTimeout(), this::fenceCounterTtlMillis);
    }

    @Override
    public void checkName(String name) {
        LockKeys.requireNoHashTagBraces(name, "name");
    }

    private LockKeys keys(String name) {
        return LockKeys.ofCheckedName(options.namespace(), name);
    }

    /**
     * A fair queue needs one arrival order: Redlock's independent masters have none. Nor have they
     * one count of a semaphore's holders: each master would let in its own K, and K holders on a
     * majority do not bound the holders overall.
     */
    @Override
    public boolean supports(LockKind kind) {
        return kind != LockKind.FAIR && kind != LockKind.PERMIT || servers.isSingle();
    }

    /**
     * One server, Sentinel, Cluster: yes. Redlock: no; all or none over several names would need the
     * quorum rules per name and a rollback across masters, which is not built.
     */
    @Override
    public boolean supportsMultiLock() {
        return servers.isSingle();
    }

    /** One script on one server; on a Cluster, one per hash slot, in slot order (see {@link RedisMultiLocks}). */
    @Override
    public CompletableFuture<Attempt> acquireAll(List<String> names, String owner, Duration lease, boolean waiting) {
        return multiLocks.acquire(names, owner, lease, waiting ? servers.waiterId() : "");
    }

    @Override
    public CompletableFuture<Released> releaseAll(List<String> names, String owner) {
        return multiLocks.release(names, owner);
    }

    @Override
    public CompletableFuture<Attempt> acquire(LockKind kind, String name, String owner, Duration lease, boolean waiting,
            String alongside) {
        LockKeys keys = keys(name);
        String leaseMillis = leaseMillis(lease);
        String fenceTtlMillis = Long.toString(fenceCounterTtlMillis(lease));
        LuaScript script;
        String[] keyArray;
        String[] args;
        switch (kind) {
            case READ -> {
                script = LuaScript.READ_ACQUIRE;
                keyArray = new String[] {keys.lock(), keys.fence(), keys.readers(), keys.waiterDeadlines(),
                        keys.fairDeadlines()};
                args = new String[] {owner, leaseMillis, fenceTtlMillis, alongside == null ? "" : alongside,
                        keepAliveMillis, OwnerTokens.PREFIX, servers.tokenClockStep()};
            }
            case FAIR -> {
                script = LuaScript.FAIR_ACQUIRE;
                keyArray = new String[] {keys.lock(), keys.fence(), keys.fairQueue(), keys.fairDeadlines(), keys.readers()};
                args = new String[] {owner, leaseMillis, fenceTtlMillis, waiting ? "1" : "0", fairWaiterTtlMillis,
                        claimWindowMillis, OwnerTokens.PREFIX};
            }
            default -> {
                script = LuaScript.ACQUIRE;
                keyArray = new String[] {keys.lock(), keys.fence(), keys.waiters(), keys.waiterDeadlines(), keys.readers()};
                args = new String[] {owner, leaseMillis, fenceTtlMillis, waiting ? servers.waiterId() : "", waiterTtlMillis,
                        OwnerTokens.PREFIX, servers.tokenClockStep()};
            }
        }
        // Judged as soon as a majority granted or can no longer grant: a dead or frozen minority
        // costs nothing. A late grant to an attempt that was won is part of the lease (renewals
        // and the release go to every master); when a majority minted the token and no write-back
        // round ran, a late answer that did not mint it has its master's counter raised to it, and
        // a late answer other than a grant, which may have queued this client, takes it off. A
        // late grant to an attempt that was refused is released at once, and so is a late timeout,
        // which may hide a grant.
        return servers.<List<Long>>onAllWithinNodeTimeout(node -> node.runGranting(script, ScriptOutputType.MULTI, keyArray, args),
                        replies -> Tally.ofElement(replies, 0).isAcquisitionDecided(servers.quorum()),
                        (late, decision) -> {
                            if (isGrantedByQuorum(decision)) {
                                long token = largestToken(decision);
                                if (isMintedByQuorum(decision, token) && !hasMinted(late, token)) {
                                    raiseFenceOn(late.node(), keys, owner, token, lease);
                                }
                                if (waiting && !isGrant(late)) {
                                    stopWaitingOn(late.node(), kind, keys, owner);
                                }
                            } else if (!(late.isOk() && late.value().get(0) == 0)) {
                                runReleaseOf(kind, late.node(), keys, owner, false, "", false);
                            }
                        })
                .thenCompose(replies -> judge(kind, keys, owner, lease, waiting, replies));
    }

    /** One server (see {@link #supports}): its answer is the verdict. */
    @Override
    public CompletableFuture<Attempt> acquirePermit(String name, int permits, String owner, Duration lease,
            boolean waiting) {
        LockKeys keys = keys(name);
        RedisNode node = servers.nodes().get(0);
        return node.<List<Long>>run(LuaScript.PERMIT_ACQUIRE, ScriptOutputType.MULTI,
                        new String[] {keys.permits(), keys.fence(), keys.permitQueue(), keys.permitDeadlines()},
                        owner, leaseMillis(lease), Long.toString(fenceCounterTtlMillis(lease)),
                        Integer.toString(permits), waiting ? "1" : "0", fairWaiterTtlMillis, claimWindowMillis)
                .handle((reply, error) -> {
                    if (error != null) {
                        // A lost reply may hide a grant: give it back, not waited for, so that an
                        // unreachable server fails the acquisition within the command timeout.
                        runPermitRelease(node, keys, owner);
                        return servers.unavailable(Await.unwrap(error));
                    }
                    long found = reply.get(0);
                    if (found == 1) {
                        return new Attempt.Granted(reply.get(1), lease);
                    }
                    if (found == 0) {
                        return new Attempt.Refused(Duration.ofMillis(reply.get(1)), true);
                    }
                    return new Attempt.Rejected(otherCount(name, permits, reply.get(1)));
                });
    }

    @Override
    public CompletableFuture<Integer> availablePermits(String name, int permits) {
        return servers.nodes().get(0).<List<Long>>run(LuaScript.COUNT_PERMITS, ScriptOutputType.MULTI,
                new String[] {keys(name).permits()}, Integer.toString(permits)).thenApply(reply -> {
                    if (reply.get(0) != 1) {
                        throw otherCount(name, permits, reply.get(1));
                    }
                    return reply.get(1).intValue();
                });
    }

    private IllegalArgumentException otherCount(String name, int permits, long count) {
        return new IllegalArgumentException("permits: semaphore '" + name + "' has " + count + " permits in "
                + describe() + ", this client named " + permits + "; every client of a semaphore must name its count");
    }

    private static boolean isGrant(LockServers.Reply<List<Long>> reply) {
        return reply.isOk() && reply.value().get(0) == 1;
    }

    /** The token an acquisition granted by these replies hands out: the largest the granting servers minted. */
    private static long largestToken(List<LockServers.Reply<List<Long>>> replies) {
        return replies.stream().filter(RedisStore::isGrant).mapToLong(reply -> reply.value().get(1)).max().orElseThrow();
    }

    private static boolean hasMinted(LockServers.Reply<List<Long>> reply, long token) {
        return isGrant(reply) && reply.value().get(1) == token;
    }

    /** Whether a majority's counters stand at the token: they minted it themselves. */
    private boolean isMintedByQuorum(List<LockServers.Reply<List<Long>>> replies, long token) {
        return replies.stream().filter(reply -> hasMinted(reply, token)).count() >= servers.quorum();
    }

    private boolean isGrantedByQuorum(List<LockServers.Reply<List<Long>>> replies) {
        return replies.stream().filter(RedisStore::isGrant).count() >= servers.quorum();
    }

    private CompletableFuture<Attempt> judge(LockKind kind, LockKeys keys, String owner, Duration lease, boolean waiting,
            List<LockServers.Reply<List<Long>>> replies) {
        if (servers.isSingle() && isGrant(replies.get(0))) {
            // The common case, without the streams the quorum needs.
            return CompletableFuture.completedFuture(new Attempt.Granted(replies.get(0).value().get(1), lease));
        }
        List<LockServers.Reply<List<Long>>> granted = replies.stream().filter(RedisStore::isGrant).toList();
        if (granted.size() >= servers.quorum()) {
            long token = largestToken(replies);
            if (servers.isSingle()) {
                return CompletableFuture.completedFuture(new Attempt.Granted(token, lease));
            }
            if (isMintedByQuorum(replies, token)) {
                // A majority's counters stand at the token already, and every later majority shares
                // a master with it: no write-back round. The masters that answered otherwise are
                // raised behind it, and those not waited for as their answers arrive (see acquire).
                replies.stream().filter(reply -> reply.isSettledByServer() && !hasMinted(reply, token))
                        .forEach(reply -> raiseFenceOn(reply.node(), keys, owner, token, lease));
                return CompletableFuture.completedFuture(grantedByQuorum(kind, keys, owner, token, lease, waiting, replies));
            }
            return raiseFence(keys, owner, token, lease).thenCompose(confirmed -> confirmed
                    ? CompletableFuture.completedFuture(grantedByQuorum(kind, keys, owner, token, lease, waiting, replies))
                    : releaseQuietly(kind, keys, owner, true, nodesOf(granted))
                            .<Attempt>handle((done, error) -> new Attempt.Refused(retryPause(), true)));
        }
        // Pending servers are not failed ones: their late grants are released as they arrive.
        List<LockServers.Reply<List<Long>>> failed =
                replies.stream().filter(reply -> !reply.isOk() && !reply.isPending()).toList();
        // A master absent since the client was created was asked nothing: its failure hides no grant.
        boolean mayHideGrant = failed.stream().anyMatch(LockServers.Reply::isSettledByServer);
        if ((!granted.isEmpty() || mayHideGrant) && !servers.isSingle()) {
            // Partial grants and grants hidden by a lost reply: delete the key wherever it is ours,
            // and wait for the masters that granted before trying again or giving up, so that
            // nobody sees a lock this attempt did not win (a failed master's cleanup runs after its
            // acquire on the same connection, whenever it answers). A minority grant freed nothing,
            // so it wakes nobody: a waiter woken for it would only find the lock held, and its own
            // cleanup would wake the next, down the whole queue.
            if (!granted.isEmpty() && log.isDebugEnabled()) {
                logSplitVote(keys, replies, granted.size(), failed.size());
            }
            return releaseQuietly(kind, keys, owner, false, nodesOf(granted))
                    .handle((done, error) -> refusedOrUnavailable(replies, failed));
        }
        if (mayHideGrant) {
            // A lost reply may hide a grant; the cleanup is not waited for, so that an unreachable
            // server fails the acquisition within the command timeout.
            releaseQuietly(kind, keys, owner, true, List.of());
        }
        // Refused by every master that answered. One not waited for (frozen, slow) may yet grant:
        // its cleanup goes now, to run behind the acquire on its connection, and not only with its
        // late answer, which a client closed meanwhile (a short-lived one) would never send, leaving
        // the key for a lease. It deletes the key only where it holds this attempt's owner token. The
        // late answer's own release (see acquire) is sent all the same: an acquire sent again as EVAL
        // after NOSCRIPT may run after this one.
        replies.stream().filter(LockServers.Reply::isPending)
                .forEach(reply -> runReleaseOf(kind, reply.node(), keys, owner, false, "", false));
        return CompletableFuture.completedFuture(refusedOrUnavailable(replies, failed));
    }

    /**
     * A split vote: this attempt won some masters, yet no holder was seen on a majority, and it backs
     * off. Logged at debug so that how often it happens under faults can be counted (VERIFICATION.md).
     */
    private void logSplitVote(LockKeys keys, List<LockServers.Reply<List<Long>>> replies, int granted, int failed) {
        long refused = replies.stream().filter(reply -> reply.isOk() && reply.value().get(0) == 0).count();
        if (refused < servers.quorum()) {
            log.debug("split vote on {}: granted by {} of {} masters, refused by {}, failed {}, not waited for {}",
                    keys.lock(), granted, servers.size(), refused, failed,
                    replies.stream().filter(LockServers.Reply::isPending).count());
        }
    }

    private static List<RedisNode> nodesOf(List<? extends LockServers.Reply<?>> replies) {
        return replies.stream().map(LockServers.Reply::node).toList();
    }

    /**
     * Unavailable when so many servers failed that no majority could have answered; refused
     * otherwise. Servers not waited for did not fail: they were slower than the refusals that
     * decided (a round waits for silent ones while the others cannot make a majority, see
     * {@link Tally#isAcquisitionDecided}), and a master known to be down, which fails at once, must not turn
     * a refusal by the others into an outage.
     */
    private Attempt refusedOrUnavailable(List<LockServers.Reply<List<Long>>> replies,
            List<LockServers.Reply<List<Long>>> failed) {
        if (failed.size() > servers.size() - servers.quorum()) {
            return servers.unavailable(failed.get(0).error());
        }
        return new Attempt.Refused(holderRemaining(replies), isReleaseAnnounced(replies));
    }

    /**
     * Whether the holder will announce its release: not when any server that refused found a
     * foreign client's value (its release is published by nobody, so the waiter must poll).
     */
    private static boolean isReleaseAnnounced(List<LockServers.Reply<List<Long>>> replies) {
        return replies.stream().noneMatch(reply -> reply.isOk() && reply.value().get(0) == 0 && reply.value().get(2) == 0);
    }

    /**
     * How long the current holder's lease still runs, when a majority of servers report one; the
     * foreign-lock poll for a holder without expiry; a random pause when no majority holder exists
     * (a split vote between competing clients).
     */
    private Duration holderRemaining(List<LockServers.Reply<List<Long>>> replies) {
        List<Long> pttls = replies.stream()
                .filter(reply -> reply.isOk() && reply.value().get(0) == 0)
                .map(reply -> reply.value().get(1))
                .sorted()
                .toList();
        if (pttls.size() < servers.quorum()) {
            return retryPause();
        }
        // The lock frees up once a majority has let the key expire.
        long pttl = pttls.get(pttls.size() - servers.quorum());
        return pttl < 0 ? FOREIGN_LOCK_POLL : Duration.ofMillis(pttl + 1);
    }

    /**
     * Redlock, when no majority minted the token (the largest of those minted): writes it back to
     * every master; true once a majority that holds the lock confirmed, when the lease may be
     * granted. Sent to every master, judged as soon as a majority decides: the slower masters'
     * counters are raised all the same, as their commands run.
     */
    private CompletableFuture<Boolean> raiseFence(LockKeys keys, String owner, long token, Duration lease) {
        return servers.<Long>onAllWithinNodeTimeout(node -> raiseFenceOn(node, keys, owner, token, lease),
                        this::isDecided, (late, decision) -> { })
                .thenApply(replies -> Tally.of(replies).yes() >= servers.quorum());
    }

    /**
     * A Redlock acquisition won on the {@code acquired} replies. One that waits leaves the queues of
     * the masters that answered without granting it (a refusal, or a failure that may hide one):
     * they would name this client at their next release although it no longer waits. A master
     * that grants takes it off its queue itself, and those not waited for are told as their answers
     * arrive (see {@link #acquire}): a healthy round queues nobody.
     */
    private Attempt grantedByQuorum(LockKind kind, LockKeys keys, String owner, long token, Duration lease,
            boolean waiting, List<LockServers.Reply<List<Long>>> acquired) {
        if (waiting) {
            acquired.stream().filter(reply -> reply.isSettledByServer() && !isGrant(reply))
                    .forEach(reply -> stopWaitingOn(reply.node(), kind, keys, owner));
        }
        return new Attempt.Granted(token, servers.validity(lease));
    }

    private CompletableFuture<Long> raiseFenceOn(RedisNode node, LockKeys keys, String owner, long token, Duration lease) {
        return node.run(LuaScript.RAISE_FENCE, ScriptOutputType.INTEGER, new String[] {keys.lock(), keys.fence(), keys.readers()},
                owner, Long.toString(token), Long.toString(fenceCounterTtlMillis(lease)));
    }

    /** Sent in one call, the exclusive leases first, then the readers (see renew.lua); answered in the batch's order. */
    @Override
    public CompletableFuture<List<Renewal>> renew(List<HeldLease> batch) {
        int exclusive = (int) batch.stream().filter(lease -> !isScoredByExpiry(lease.kind())).count();
        // Where each lease of the batch stands in the call: the exclusive ones first, then the readers.
        int[] slots = new int[batch.size()];
        String[] keys = new String[batch.size()];
        String[] args = new String[batch.size() * 2 + 1];
        args[0] = Integer.toString(exclusive);
        int nextExclusive = 0;
        int nextReader = exclusive;
        for (int i = 0; i < batch.size(); i++) {
            HeldLease lease = batch.get(i);
            boolean scored = isScoredByExpiry(lease.kind());
            int slot = scored ? nextReader++ : nextExclusive++;
            slots[i] = slot;
            LockKeys lockKeys = keys(lease.name());
            keys[slot] = !scored ? lockKeys.lock() : lease.kind() == LockKind.READ ? lockKeys.readers() : lockKeys.permits();
            args[2 * slot + 1] = lease.owner();
            args[2 * slot + 2] = leaseMillis(lease.lease());
        }
        // Judged at the quorum: a frozen minority must not delay the renewal of a lease that a
        // majority has confirmed until the lease looks lost.
        return servers.<List<Long>>onAllUntilDecided(node -> node.run(LuaScript.RENEW, ScriptOutputType.MULTI, keys, args),
                        replies -> isEveryElementDecided(replies, batch.size()))
                .thenApply(replies -> {
                    replies.stream().filter(reply -> !reply.isOk() && reply.isSettledByServer()).forEach(reply -> log.warn(
                            "renewing {} lease(s) on {} failed; retrying until they run out: {}",
                            batch.size(), reply.node().server(), reply.error().getMessage()));
                    List<Renewal> renewals = new ArrayList<>(batch.size());
                    for (int slot : slots) {
                        renewals.add(renewal(Tally.ofElement(replies, slot)));
                    }
                    return renewals;
                });
    }

    /** Whether leases of {@code kind} live in a sorted set scored by their expiry (readers, permits), not in a key of their own. */
    private static boolean isScoredByExpiry(LockKind kind) {
        return kind == LockKind.READ || kind == LockKind.PERMIT;
    }

    private boolean isEveryElementDecided(List<LockServers.Reply<List<Long>>> replies, int size) {
        for (int i = 0; i < size; i++) {
            if (!Tally.ofElement(replies, i).isDecided(servers.quorum())) {
                return false;
            }
        }
        return true;
    }

    /** Whether more answers cannot change the majority's verdict (see {@link Tally#isDecided}). */
    private boolean isDecided(List<LockServers.Reply<Long>> replies) {
        return Tally.of(replies).isDecided(servers.quorum());
    }

    /** A majority confirmed: renewed. A majority denied: lost. Too few answers to tell: unconfirmed. */
    private Renewal renewal(Tally tally) {
        if (tally.yes() >= servers.quorum()) {
            return Renewal.RENEWED;
        }
        if (tally.yes() + tally.failures() >= servers.quorum()) {
            return Renewal.UNCONFIRMED;
        }
        return tally.zeros() >= tally.minusOnes() ? Renewal.GONE : Renewal.TAKEN;
    }

    /**
     * A lease in whole milliseconds for the scripts, rounded up: the holder trusts its lease to the
     * nanosecond, so that a key let expire a fraction of a millisecond sooner would end before it.
     */
    static String leaseMillis(Duration lease) {
        return Long.toString(lease.plusNanos(999_999).toMillis());
    }

    @Override
    public Duration validity(Duration lease) {
        return servers.validity(lease);
    }

    @Override
    public int maxRenewalBatch() {
        return MAX_RENEWAL_BATCH;
    }

    @Override
    public int renewalShard(String name) {
        return servers.isCluster() ? SlotHash.getSlot(keys(name).lock()) : 0;
    }

    /**
     * Deletes the key on every server where it still holds {@code owner}. One server: a lost
     * reply is retried (see {@link #retriedOnceIfReplyLost}). Several: decided as soon as a
     * majority released it or can no longer release it, so that a dead or frozen minority costs
     * nothing; a server whose reply was lost counts as one that failed, so the release stays within
     * the timeout. Between "gone" and "taken", the answers in when the majority decided tell.
     */
    @Override
    public CompletableFuture<Released> release(LockKind kind, String name, String owner, boolean requeue) {
        LockKeys keys = keys(name);
        String waiter = requeue ? servers.waiterId() : "";
        return servers.<Long>onAllUntilDecided(node -> servers.isSingle()
                        ? retriedOnceIfReplyLost(() -> runReleaseOf(kind, node, keys, owner, true, waiter, true))
                        : runReleaseOf(kind, node, keys, owner, true, waiter, false), this::isDecided)
                .thenApply(replies -> {
                    Tally tally = Tally.of(replies);
                    if (tally.yes() < servers.quorum() && tally.yes() + tally.failures() >= servers.quorum()) {
                        throw new CompletionException(unavailable(replies));
                    }
                    if (tally.yes() >= servers.quorum()) {
                        boolean queued = replies.stream()
                                .filter(reply -> reply.isOk() && reply.value() == RELEASED_AND_QUEUED)
                                .count() >= servers.quorum();
                        return new Released(Released.Finding.OURS, queued);
                    }
                    return new Released(tally.zeros() >= tally.minusOnes() ? Released.Finding.GONE : Released.Finding.TAKEN,
                            false);
                });
    }

    /**
     * One server (see {@link #supports}): its answer is the verdict; a lost reply is retried (see
     * {@link #retriedOnceIfReplyLost}), and the retry passes the permit on only if the first did not run.
     */
    @Override
    public CompletableFuture<Released> releasePermit(String name, String owner, List<PermitWaiter> waiters) {
        RedisNode node = servers.nodes().get(0);
        LockKeys keys = keys(name);
        return retriedOnceIfReplyLost(() -> runPermitRelease(node, keys, owner, waiters)).thenApply(reply -> {
            int passed = reply.get(1).intValue();
            return new Released(reply.get(0) == 1 ? Released.Finding.OURS : Released.Finding.GONE, false,
                    passed == 0 ? null : new Released.Passed(waiters.get(passed - 1).owner(), reply.get(2)));
        });
    }

    private LockUnavailableException unavailable(List<? extends LockServers.Reply<?>> replies) {
        return replies.stream().filter(reply -> !reply.isOk()).map(LockServers.Reply::error)
                .map(error -> error instanceof LockUnavailableException unavailable ? unavailable
                        : new LockUnavailableException("Redis at " + servers.describe() + " failed: " + error, error))
                .findFirst().orElseThrow();
    }

    /**
     * Deletes the key on every server where it is {@code owner}'s, ignoring the outcome: cleanup
     * only. {@code wakeWaiters}: whether the attempt may have held the lock (one server, or a
     * majority granted it), so that a waiting client must be woken; not for a minority grant.
     * Completes when the {@code holders} (the servers known to have granted) have answered, within
     * the node timeout: a command still queued for another server runs when it answers.
     */
    private CompletableFuture<?> releaseQuietly(LockKind kind, LockKeys keys, String owner, boolean wakeWaiters,
            List<RedisNode> holders) {
        return servers.<Long>onAllWithinNodeTimeout(node -> runReleaseOf(kind, node, keys, owner, wakeWaiters, "", false),
                replies -> replies.stream().filter(LockServers.Reply::isPending).noneMatch(reply -> holders.contains(reply.node())),
                (late, decision) -> { });
    }

    /**
     * Runs the release script of {@code kind} (see {@link #runRelease} for the other arguments).
     * {@code remember} is an exclusive release's: a read lease's and a permit's are always
     * remembered, on each Redlock master too, because Lettuce sends one that a disconnect cut off
     * again, and its second run must not report the lease lost.
     */
    private CompletableFuture<Long> runReleaseOf(LockKind kind, RedisNode node, LockKeys keys, String owner,
            boolean wakeWaiters, String requeue, boolean remember) {
        return switch (kind) {
            case READ -> runReadRelease(node, keys, owner);
            case PERMIT -> runPermitRelease(node, keys, owner);
            default -> runRelease(node, keys, owner, wakeWaiters, requeue, remember);
        };
    }

    /**
     * Sends a release again when its reply was lost. Both are remembered on the server, so that
     * the second can tell a lease the first released from one that had run out or was gone: the
     * lease then was lost, and the release says so.
     */
    private static <T> CompletableFuture<T> retriedOnceIfReplyLost(Supplier<CompletableFuture<T>> release) {
        return release.get().exceptionallyCompose(error -> isReplyLost(error) ? release.get()
                : CompletableFuture.failedFuture(error));
    }

    /**
     * Runs release.lua: deletes the key if it holds {@code owner}. {@code wakeWaiters}: whether
     * to wake the next waiting client; {@code requeue}: this client's waiter id, to queue it
     * behind the woken one, or empty; {@code remember}: whether to remember the release for a
     * retry, for twice the command timeout.
     */
    CompletableFuture<Long> runRelease(RedisNode node, LockKeys keys, String owner, boolean wakeWaiters, String requeue,
            boolean remember) {
        return node.runAtLeastOnce(LuaScript.RELEASE, ScriptOutputType.INTEGER,
                new String[] {keys.lock(), keys.waiters(), keys.waiterDeadlines(), keys.lastRelease(), keys.fairQueue(),
                        keys.fairDeadlines(), keys.readers()},
                owner, keys.channel(), wakeWaiters ? "1" : "0", requeue, requeueTtlMillis, waiterTtlMillis,
                remember ? rememberReleaseMillis : "", claimWindowMillis, node.pubSubMode());
    }

    /**
     * Runs read-release.lua: removes the reader, remembers the release for a retry, and announces
     * the lock free when it was the last.
     */
    private CompletableFuture<Long> runReadRelease(RedisNode node, LockKeys keys, String owner) {
        return node.runAtLeastOnce(LuaScript.READ_RELEASE, ScriptOutputType.INTEGER, new String[] {keys.readers(), keys.waiters(),
                keys.waiterDeadlines(), keys.fairQueue(), keys.fairDeadlines(), keys.recentReleases()}, owner, keys.channel(),
                claimWindowMillis, node.pubSubMode(), rememberReleaseMillis);
    }

    /** Runs permit-release.lua: frees the permit, and names the waiter it is kept for; 1 when released, else 0. */
    private CompletableFuture<Long> runPermitRelease(RedisNode node, LockKeys keys, String owner) {
        return runPermitRelease(node, keys, owner, List.of()).thenApply(reply -> reply.get(0));
    }

    /**
     * Runs permit-release.lua: frees the permit, remembers the release for a retry, and grants the
     * permit to the first of the queue if that is one of {@code waiters}, else names the waiter it
     * is kept for.
     */
    private CompletableFuture<List<Long>> runPermitRelease(RedisNode node, LockKeys keys, String owner,
            List<PermitWaiter> waiters) {
        String[] args = new String[6 + 2 * waiters.size()];
        args[0] = owner;
        args[1] = keys.permitChannel();
        args[2] = claimWindowMillis;
        args[3] = node.pubSubMode();
        args[4] = Long.toString(fenceCounterTtlMillis(waiters.stream().map(PermitWaiter::lease)
                .max(Comparator.naturalOrder()).orElse(Duration.ZERO)));
        args[5] = rememberReleaseMillis;
        for (int i = 0; i < waiters.size(); i++) {
            args[6 + 2 * i] = waiters.get(i).owner();
            args[7 + 2 * i] = leaseMillis(waiters.get(i).lease());
        }
        return node.run(LuaScript.PERMIT_RELEASE, ScriptOutputType.MULTI,
                new String[] {keys.permits(), keys.permitQueue(), keys.permitDeadlines(), keys.fence(), keys.recentReleases()},
                args);
    }

    /** A timeout or a broken connection: the command may or may not have run. */
    static boolean isReplyLost(Throwable error) {
        return Await.unwrap(error) instanceof LockUnavailableException unavailable
                && !(unavailable.getCause() instanceof RedisCommandExecutionException);
    }

    @Override
    public CompletableFuture<ReleaseWatch> watch(LockKind kind, String name, String owner) {
        LockKeys keys = keys(name);
        // A fair acquisition and a permit's are woken by the releases that name them.
        CompletableFuture<LockServers.Subscription> subscribed = switch (kind) {
            case FAIR -> servers.subscribe(keys.channel(), owner);
            case PERMIT -> servers.subscribe(keys.permitChannel(), owner);
            default -> servers.subscribe(keys.channel(), null);
        };
        return subscribed.thenApply(subscription -> subscription);
    }

    @Override
    public void stopWaiting(LockKind kind, String name, String owner) {
        LockKeys keys = keys(name);
        servers.nodes().forEach(node -> stopWaitingOn(node, kind, keys, owner));
    }

    /** As {@link #stopWaiting}, on one server. */
    private void stopWaitingOn(RedisNode node, LockKind kind, LockKeys keys, String owner) {
        switch (kind) {
            case FAIR -> servers.leaveQueue(node, keys.fairQueue(), keys.fairDeadlines(), owner);
            case PERMIT -> servers.leaveQueue(node, keys.permitQueue(), keys.permitDeadlines(), owner);
            case READ -> { } // readers do not queue
            default -> servers.leaveQueue(node, keys.waiters(), keys.waiterDeadlines(), servers.waiterId());
        }
    }

    @Override
    public CompletableFuture<Boolean> isLocked(LockKind kind, String name) {
        LockKeys keys = keys(name);
        // An exclusive lock waits for readers too: held while its key or a reader's lease is there
        // (both sent at once, answered in one round trip).
        return servers.<Long>onAllUntilDecided(node -> kind == LockKind.READ ? liveReaders(node, keys)
                : node.unavailableOnFailure(node.commands().exists(keys.lock()))
                        .thenCombine(liveReaders(node, keys), (held, readers) -> held + readers > 0 ? 1L : 0L),
                this::isDecided).thenApply(replies -> {
            Tally tally = Tally.of(replies);
            if (tally.yes() < servers.quorum() && tally.yes() + tally.failures() >= servers.quorum()) {
                throw new CompletionException(unavailable(replies));
            }
            return tally.yes() >= servers.quorum();
        });
    }

    private static CompletableFuture<Long> liveReaders(RedisNode node, LockKeys keys) {
        return node.run(LuaScript.COUNT_READERS, ScriptOutputType.INTEGER, new String[] {keys.readers()});
    }

    @Override
    public LockAdmin admin() {
        return new RedisLockAdmin(this, options.namespace());
    }

    /** In milliseconds, at least two leases. Plain arithmetic: Duration's goes through BigDecimal on every acquisition. */
    private long fenceCounterTtlMillis(Duration lease) {
        return Math.max(2 * lease.toMillis(), options.fenceCounterTtl().toMillis());
    }

    /** Waits for a call to the servers from a caller thread, at most twice the command timeout. */
    <T> T await(CompletableFuture<T> future) {
        Duration bound = options.commandTimeout().multipliedBy(2);
        return Await.bounded(future, bound, error ->
                new LockUnavailableException("Redis at " + servers.describe() + " did not answer within " + bound, error));
    }

    LockServers servers() {
        return servers;
    }

    @Override
    public Duration callTimeout() {
        return options.commandTimeout();
    }

    @Override
    public Duration designationTimeout() {
        return servers.designationTimeout();
    }

    @Override
    public Duration keepAliveInterval(LockKind kind) {
        return kind == LockKind.FAIR || kind == LockKind.PERMIT ? fairKeepAlive : servers.waiterKeepAlive();
    }

    @Override
    public Duration retryPause() {
        return Duration.ofNanos(servers.retryDelayNanos());
    }

    /**
     * None for a lone server (or Sentinel's master), whose acquisitions fail at the first call it
     * does not answer, a semaphore waiter's subscription included; the options' on a Cluster and
     * under Redlock, which outlast a failover.
     */
    @Override
    public Duration outageAllowance() {
        return servers.retriesWhenUnavailable() ? options.outageAllowance() : Duration.ZERO;
    }

    @Override
    public String describe() {
        return "Redis at " + servers.describe();
    }

    @Override
    public void close() {
        servers.close();
    }
}
