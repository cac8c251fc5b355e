package dev.fencelock.verify;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Reads a scenario's merged history and the resources' audits and says what happened:
 *
 * <ol>
 *   <li><b>Fenced safety</b> (must hold): every acquisition's token is greater than the token of
 *       every acquisition that completed before it began or whose holder let go of the lock
 *       (began to release, or was told it had lost the lease) before it was granted, and no two
 *       share one; in each fenced resource's log, accepted writes carry increasing tokens, no
 *       update was lost (the counter equals the number of accepted writes), every write a client
 *       saw accepted is in the log, and every logged write carries its writer's own token.
 *   <li><b>Unfenced overlaps</b> (reported): holders that still believed they held the lock — from
 *       the grant until the release began or the loss was signalled — when another client was
 *       granted it.
 *   <li><b>Lost signals</b> (none may be missed): a lease was lost when another client acquired the
 *       lock with a newer token while it was held, when a resource rejected its token as stale,
 *       or when its release found it lost. Such a lease must have had its lost signal, unless its
 *       release failed (Redis unreachable: the holder was told it does not know); and, since a
 *       release that finds the loss signals it too, in time: a holder not frozen must have been told
 *       within two leases of another client's grant.
 *   <li><b>Availability</b>: the share of the window in which some client held the lock, and the
 *       latency of acquisitions; on Redis masters, also the share in which a majority of them was up
 *       and the availability within it ({@link MajorityTime}).
 * </ol>
 *
 * Readers of a read-write lock share the lock: two readers that hold it at once are no overlap,
 * and neither takes it from the other; a reader and a writer are, as two writers are. A reader must
 * see the same value in every read it makes while it holds the lock (fenced safety: a write in
 * between got past the resource). The fair lock's grants are checked against its queue by
 * {@link FairOrder}.
 *
 * A semaphore's permits are shared as readers share a lock, up to {@link LockUnderTest#PERMITS}:
 * at no grant may more than that many permits be valid at once (fenced safety), a permit being
 * valid from its grant until its holder began to release it, was frozen, or the server was killed
 * without persistence — the first of those, so that the count never includes a permit the server
 * may already have let go. A permit that was lost (signalled, or shown lost) is left out: the
 * history does not say when the server let it go, and a lost signal may come after that. A permit
 * held across a freeze longer than its lease, or across a kill of a server without persistence, was
 * lost, and must have had its lost signal.
 *
 * Times are the monotonic clock of the machine, which all processes share.
 */
final class Checker {
    /** At most this many violations are described with their history excerpts. */
    static final int MAX_EXAMPLES = 5;

    private final List<Event> history;
    private final List<FencedResource.Audit> audits;
    private final long windowStart;
    private final long windowEnd;
    /** The names of the masters whose faults decide whether a majority was up; empty for other topologies. */
    private final List<String> masters;
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final Map<String, Long> lastEventOf = new HashMap<>();
    /** Per client, the spans in which the nemesis had it frozen: {from, to} in monotonic nanoseconds. */
    private final Map<String, List<long[]>> freezes = new HashMap<>();
    private final Map<String, Integer> violations = new TreeMap<>();
    private final List<Violation> examples = new ArrayList<>();
    /**
     * When a server without persistence was killed (its data, permits included, lost) and when it was
     * back: {from, to} in monotonic nanoseconds.
     */
    private final List<long[]> emptyingKills = new ArrayList<>();
    /** Per client, the times of its events, in order: a client that recorded one was not frozen then. */
    private final Map<String, List<Long>> eventTimes = new HashMap<>();

    private Checker(List<Event> history, List<FencedResource.Audit> audits, long windowStart, long windowEnd,
            List<String> masters) {
        this.history = history.stream().sorted(Comparator.comparingLong(Event::mono)).toList();
        this.audits = List.copyOf(audits);
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.masters = List.copyOf(masters);
    }

    /**
     * Checks a history against the resources' audits.
     *
     * @param history the events of every client and of the nemesis
     * @param audits what each resource holds after the run
     * @param windowStart the opening of the measurement window (monotonic nanoseconds)
     * @param windowEnd its close
     * @param masters the names of the Redis masters the clients lock on, whose faults say when a majority
     *     was up ({@link MajorityTime}); empty for a topology of another kind (Sentinel, ZooKeeper)
     */
    static Findings check(List<Event> history, List<FencedResource.Audit> audits, long windowStart, long windowEnd,
            List<String> masters) {
        return new Checker(history, audits, windowStart, windowEnd, masters).run();
    }

    /**
     * One breach of a property, with the acquisitions involved ({@code c3/17}) so that their
     * history lines can be shown.
     *
     * @param kind what was breached, such as {@code redis:lost-update}
     * @param description what happened
     * @param leases the acquisitions involved
     */
    record Violation(String kind, String description, List<String> leases) {}

    /** What one acquisition did, as its client recorded it. */
    private static final class Lease {
        final String id;
        final String process;
        long invokedAt = -1;
        /** The wall clock at the call, in milliseconds: the fair queue's scores are the server's wall clock. */
        long invokedWall = -1;
        /** When an acquisition that was not granted ended (timed out, stopped, unavailable). */
        long failedAt = -1;
        long okAt = -1;
        long token = -1;
        long releaseAt = -1;
        String outcome;
        long lostAt = -1;
        String rejectedBy;
        String overlappedBy;
        /** The earlier acquisition whose greater token this one's did not exceed: a breach of token order. */
        String tokenBehind;
        final Set<String> acknowledgedWrites = new HashSet<>();
        /** A reader of a read-write lock: it shares the lock with other readers. */
        boolean shared;
        /** Whether it was a fair lock's acquisition. */
        boolean fair;
        /** A semaphore's permit: shared with the other permits, up to the count. */
        boolean permit;
        /** The lease asked for, in nanoseconds (0 in a history that does not say). */
        long leaseNanos;
        /** A reader's first accepted read, per resource: a later one must see the same value. */
        final Map<String, Long> firstReads = new HashMap<>();

        Lease(String id, String process) {
            this.id = id;
            this.process = process;
        }

        boolean acquired() {
            return okAt >= 0;
        }

        /** Whether the two may not hold the lock at once: unless both are readers. */
        boolean conflictsWith(Lease other) {
            return !(shared && other.shared);
        }
    }

    private Findings run() {
        int operations = 0;
        Map<String, Integer> acquireFailures = new TreeMap<>();
        int staleRejections = 0;
        int signals = 0;
        List<Event> queueEvents = new ArrayList<>();
        for (Event event : history) {
            lastEventOf.put(event.process(), event.mono());
            if (event.process().equals(FairOrder.PROCESS)) {
                queueEvents.add(event);
                continue;
            }
            if (event.process().equals("nemesis")) {
                recordFreeze(event);
                recordEmptyingKill(event);
                continue;
            }
            eventTimes.computeIfAbsent(event.process(), client -> new ArrayList<>()).add(event.mono());
            Lease lease = leases.computeIfAbsent(event.leaseId(), id -> new Lease(id, event.process()));
            switch (event.op()) {
                case ACQUIRE -> {
                    if (event.type() == Type.INVOKE) {
                        operations++;
                        lease.invokedAt = event.mono();
                        lease.invokedWall = event.wall();
                        lease.permit = LockUnderTest.Round.PERMIT.equals(event.detail("kind"));
                        lease.shared = "read".equals(event.detail("kind")) || lease.permit;
                        lease.fair = "fair".equals(event.detail("kind"));
                        String leaseMillis = event.detail("lease_ms");
                        lease.leaseNanos = leaseMillis == null ? 0 : Long.parseLong(leaseMillis) * 1_000_000;
                    } else if (event.type() == Type.OK) {
                        lease.okAt = event.mono();
                        lease.token = event.token();
                    } else {
                        acquireFailures.merge(String.valueOf(event.detail("reason")), 1, Integer::sum);
                        lease.failedAt = event.mono();
                    }
                }
                case CLAIM, READ, WRITE -> {
                    if (event.type() == Type.FAIL && "stale".equals(event.detail("reason"))) {
                        staleRejections++;
                        lease.rejectedBy = lease.rejectedBy != null ? lease.rejectedBy : event.detail("resource");
                    } else if (event.is(Type.OK, Op.WRITE)) {
                        lease.acknowledgedWrites.add(event.detail("resource"));
                    } else if (event.is(Type.OK, Op.READ)) {
                        checkRead(lease, event);
                    }
                }
                case RELEASE -> {
                    if (event.type() == Type.INVOKE) {
                        lease.releaseAt = event.mono();
                    } else if (event.type() == Type.OK) {
                        lease.outcome = event.detail("outcome");
                    } else {
                        lease.outcome = "UNKNOWN";
                    }
                }
                case LOST -> {
                    signals++;
                    if (lease.lostAt < 0) {
                        lease.lostAt = event.mono();
                    }
                }
                default -> throw new IllegalArgumentException("a client recorded a nemesis event: " + event.format());
            }
        }
        List<Lease> acquired = leases.values().stream().filter(Lease::acquired)
                .sorted(Comparator.comparingLong((Lease lease) -> lease.okAt)).toList();

        checkTokenOrder(acquired);
        checkPermitCount(acquired);
        Map<String, Integer> acceptedWrites = new TreeMap<>();
        for (FencedResource.Audit audit : audits) {
            acceptedWrites.put(audit.resource(), audit.log().size());
            checkResource(audit);
        }
        Overlaps overlaps = overlaps(acquired);
        LostSignals lost = lostSignals(acquired);
        Map<Long, String> leaseOfToken = new HashMap<>();
        acquired.forEach(lease -> leaseOfToken.put(lease.token, lease.id));
        List<FairOrder.Call> calls = leases.values().stream().filter(lease -> lease.fair && lease.invokedAt >= 0)
                .map(lease -> new FairOrder.Call(lease.process, lease.invokedAt, lease.invokedWall, lease.okAt, lease.acquired() ? lease.token : Event.NONE,
                        lease.acquired() ? lease.okAt : lease.failedAt >= 0 ? lease.failedAt : Long.MAX_VALUE)).toList();
        FairOrder.Findings fair = queueEvents.isEmpty() ? FairOrder.Findings.NONE : FairOrder.check(queueEvents, calls, leaseOfToken);
        List<long[]> held = heldSpans(acquired);
        MajorityTime.Figures majority = masters.isEmpty() ? MajorityTime.Figures.NONE
                : MajorityTime.figures(held, MajorityTime.withoutMajority(history, masters, windowStart, windowEnd), windowStart, windowEnd);
        return new Findings(operations, acquired.size(), acquireFailures, Collections.unmodifiableMap(violations),
                List.copyOf(examples), staleRejections, acceptedWrites, overlaps.stale, overlaps.millis, signals,
                lost.evidenced, lost.missed, lost.late, lost.atRelease, lost.indeterminate, availability(held), majority, latencies(acquired),
                restarts(acquired), readers(acquired), fair);
    }

    /**
     * A reader's reads must all see the value of its first: a write accepted in between came from a
     * writer the resource should have refused, the newer reader's token having made it stale.
     */
    private void checkRead(Lease lease, Event read) {
        String resource = read.detail("resource");
        Long first = lease.firstReads.putIfAbsent(resource, read.value());
        if (first != null && first != read.value()) {
            violation(resource + ":write-under-read-lock", lease.id + " (token " + lease.token + ") read " + first
                    + " and then " + read.value() + " while it held the read lock: a write was accepted in between", lease.id);
        }
    }

    /**
     * How many reads were granted, and how many of those while another reader still believed it held
     * the lock: readers that shared it.
     */
    private ReadSharing readers(List<Lease> acquired) {
        int reads = 0;
        int shared = 0;
        long readerBelievedUntil = Long.MIN_VALUE;
        for (Lease lease : acquired) {
            if (!lease.shared) {
                continue;
            }
            reads++;
            shared += lease.okAt < readerBelievedUntil ? 1 : 0;
            readerBelievedUntil = Math.max(readerBelievedUntil, believedUntil(lease));
        }
        return new ReadSharing(reads, shared);
    }

    /**
     * @param granted read acquisitions granted
     * @param whileAnotherRead of those, granted while another reader believed it held the lock
     */
    record ReadSharing(int granted, int whileAnotherRead) {}

    /**
     * Tokens increase in real-time order: an acquisition's token is greater than that of every
     * acquisition granted before it began, and than that of every one whose holder had let go of
     * the lock before it was granted — began to release it, or was told it had lost the lease. The
     * second rule matters because a client waits for the lock for seconds: one that began to wait
     * before the previous holder was granted, and was granted after that holder let go, must still
     * get a greater token. (A lock granted to two holders at once may give them their tokens in
     * either order; the resource then refuses the older. Two readers may hold it at once by right:
     * for a reader, only the writers that let go before its grant count. And a client frozen while
     * it waited may have been granted the lock during the freeze, its lease running out before it
     * saw the grant: for it, only the first rule holds.) A token that goes backwards is a breach
     * of fenced safety here, not a lost lease when a resource rejects it as stale.
     */
    private void checkTokenOrder(List<Lease> acquired) {
        Map<Long, Lease> byToken = new HashMap<>();
        for (Lease lease : acquired) {
            Lease same = byToken.putIfAbsent(lease.token, lease);
            if (same != null) {
                violation("lock:duplicate-token", same.id + " and " + lease.id + " were both granted token " + lease.token,
                        same.id, lease.id);
            }
        }
        TokensBefore granted = new TokensBefore(acquired, lease -> lease.okAt);
        TokensBefore letGo = new TokensBefore(acquired, this::letGoAt);
        TokensBefore exclusiveLetGo = new TokensBefore(acquired.stream().filter(lease -> !lease.shared).toList(), this::letGoAt);
        for (Lease lease : acquired) {
            Lease grantedBefore = granted.largestBefore(lease.invokedAt);
            Lease letGoBefore = (lease.shared ? exclusiveLetGo : letGo).largestBefore(lease.okAt);
            if (grantedBefore != null && lease.token < grantedBefore.token) {
                lease.tokenBehind = grantedBefore.id;
                violation("lock:token-not-increasing", lease.id + " began after " + grantedBefore.id + " was granted token "
                        + grantedBefore.token + ", and got the smaller token " + lease.token, grantedBefore.id, lease.id);
            } else if (letGoBefore != null && lease.token < letGoBefore.token && !frozenWhileAcquiring(lease)) {
                lease.tokenBehind = letGoBefore.id;
                violation("lock:token-not-increasing", lease.id + " was granted after " + letGoBefore.id + " (token "
                        + letGoBefore.token + ") had let go of the lock, and got the smaller token " + lease.token,
                        letGoBefore.id, lease.id);
            }
        }
    }

    /**
     * Keeps the times at which the nemesis froze a client (SIGSTOP) and thawed it: a grant that
     * reaches a frozen client is recorded only once it is thawed.
     */
    private void recordFreeze(Event event) {
        String kind = event.op() == Op.FAULT ? event.detail("kind") : null;
        if (!ClientPause.KIND.equals(kind) && !ClientPause.KIND_WAITER.equals(kind)) {
            return;
        }
        List<long[]> spans = freezes.computeIfAbsent(event.detail("target"), client -> new ArrayList<>());
        if (event.type() == Type.START) {
            spans.add(new long[] {event.mono(), Long.MAX_VALUE});
        } else if (event.type() == Type.END && !spans.isEmpty()) {
            spans.get(spans.size() - 1)[1] = event.mono();
        }
    }

    /**
     * Whether the client was frozen between its call and the grant it recorded: the server may have
     * granted it at any moment of the freeze, its lease running out unseen, so the history cannot
     * say whether the grant came before or after another holder let go.
     */
    private boolean frozenWhileAcquiring(Lease lease) {
        return frozenBetween(lease.process, lease.invokedAt, lease.okAt);
    }

    /** Leases ordered by one of their times, for the question: of those before a moment, which has the largest token? */
    private static final class TokensBefore {
        private final long[] times;
        private final Lease[] largestSoFar;

        /** {@code time} is -1 for a lease that has no such moment: it is left out. */
        TokensBefore(List<Lease> leases, ToLongFunction<Lease> time) {
            List<Lease> sorted = leases.stream().filter(lease -> time.applyAsLong(lease) >= 0)
                    .sorted(Comparator.comparingLong(time)).toList();
            times = sorted.stream().mapToLong(time).toArray();
            largestSoFar = new Lease[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                Lease lease = sorted.get(i);
                largestSoFar[i] = i == 0 || lease.token > largestSoFar[i - 1].token ? lease : largestSoFar[i - 1];
            }
        }

        /** The lease with the largest token among those whose moment came strictly before {@code moment}, or null. */
        Lease largestBefore(long moment) {
            int before = Arrays.binarySearch(times, moment);
            // Not found: -(insertion point) - 1. Found: step back over every lease at exactly that moment.
            before = before >= 0 ? firstAt(before) : -before - 1;
            return before > 0 ? largestSoFar[before - 1] : null;
        }

        private int firstAt(int index) {
            while (index > 0 && times[index - 1] == times[index]) {
                index--;
            }
            return index;
        }
    }

    private void checkResource(FencedResource.Audit audit) {
        String resource = audit.resource();
        List<FencedResource.Entry> log = audit.log();
        Set<String> writers = new HashSet<>();
        FencedResource.Entry previous = null;
        for (FencedResource.Entry entry : log) {
            writers.add(entry.writer());
            Lease writer = leases.get(entry.writer());
            if (writer == null || writer.token != entry.token()) {
                violation(resource + ":foreign-write", entry.writer() + " is logged with token " + entry.token()
                        + (writer == null ? ", but no such acquisition is in the history" : ", but was granted " + writer.token),
                        entry.writer());
            }
            if (previous != null && audit.fenced() && entry.token() <= previous.token()) {
                violation(resource + (entry.token() == previous.token() ? ":duplicate-token" : ":out-of-token-order"),
                        entry.writer() + " wrote with token " + entry.token() + " after " + previous.writer()
                                + " had written with token " + previous.token(), previous.writer(), entry.writer());
            }
            if (previous != null && entry.value() <= previous.value()) {
                // Described here, counted below: one stale write can undo many updates at once.
                addExample(new Violation(resource + ":lost-update", entry.writer() + " wrote " + entry.value() + " right after "
                        + previous.writer() + " had written " + previous.value() + ": it had read the counter before"
                        + " those updates, and they are lost", List.of(previous.writer(), entry.writer())));
            }
            previous = entry;
        }
        long lost = log.size() - audit.value();
        if (lost > 0) {
            violations.merge(resource + ":lost-update", (int) lost, Integer::sum);
        }
        if (lost < 0 || previous != null && previous.value() != audit.value()) {
            violation(resource + ":counter-mismatch", "the counter holds " + audit.value() + " after " + log.size()
                    + " logged writes" + (previous == null ? "" : ", the last of which wrote " + previous.value()));
        }
        for (Lease lease : leases.values()) {
            if (lease.acknowledgedWrites.contains(resource) && !writers.contains(lease.id)) {
                violation(resource + ":acknowledged-write-missing", lease.id + " was told its write was accepted,"
                        + " but the log does not have it", lease.id);
            }
        }
    }

    private record Overlaps(int stale, double millis) {}

    /** An edge of a belief in the overlap sweep: +kind where it begins, -kind where it ends. */
    private static final long EXCLUSIVE = 1;
    private static final long SHARED = 2;

    /**
     * Overlapping beliefs, each holder believing it held the lock from its grant until it began to
     * release or was told it had lost the lease: how many holders still believed it when another
     * client was granted the lock, and how long two or more believed it at once.
     */
    private Overlaps overlaps(List<Lease> acquired) {
        int stale = 0;
        List<long[]> edges = new ArrayList<>();
        for (int i = 0; i < acquired.size(); i++) {
            Lease lease = acquired.get(i);
            long until = believedUntil(lease);
            // Sorted by grant: the grants that fall inside this belief are the next ones.
            for (int j = i + 1; j < acquired.size() && acquired.get(j).okAt < until; j++) {
                if (lease.conflictsWith(acquired.get(j))) {
                    stale++;
                    break;
                }
            }
            if (until > lease.okAt) {
                long kind = lease.shared ? SHARED : EXCLUSIVE;
                edges.add(new long[] {lease.okAt, kind});
                edges.add(new long[] {until, -kind});
            }
        }
        edges.sort(Comparator.comparingLong((long[] edge) -> edge[0]).thenComparingLong(edge -> edge[1]));
        long overlapping = 0;
        long exclusive = 0;
        long shared = 0;
        long since = 0;
        for (long[] edge : edges) {
            if (exclusive >= 2 || exclusive == 1 && shared >= 1) {
                overlapping += edge[0] - since;
            }
            exclusive += Math.abs(edge[1]) == EXCLUSIVE ? Long.signum(edge[1]) : 0;
            shared += Math.abs(edge[1]) == SHARED ? Long.signum(edge[1]) : 0;
            since = edge[0];
        }
        return new Overlaps(stale, overlapping / 1e6);
    }

    /** When the holder let go of the lock: began to release it, or was told it had lost it; -1 if neither. */
    private long letGoAt(Lease lease) {
        long lost = lease.lostAt >= lease.okAt ? lease.lostAt : -1;
        return lease.releaseAt < 0 ? lost : lost < 0 ? lease.releaseAt : Math.min(lease.releaseAt, lost);
    }

    private long believedUntil(Lease lease) {
        long until = heldUntil(lease);
        return lease.lostAt >= lease.okAt ? Math.min(until, lease.lostAt) : until;
    }

    /** When the holder began to release; the client's last event if it never did (it died). */
    private long heldUntil(Lease lease) {
        return lease.releaseAt >= 0 ? lease.releaseAt : lastEventOf.get(lease.process);
    }

    private record LostSignals(int evidenced, int missed, int late, int atRelease, int indeterminate) {}

    private LostSignals lostSignals(List<Lease> acquired) {
        // Another client was granted the lock, with a newer token, while this lease was held:
        // the lease was gone by then, whatever its holder believed.
        for (int i = 0; i < acquired.size(); i++) {
            Lease first = acquired.get(i);
            for (int j = i + 1; j < acquired.size() && acquired.get(j).okAt < heldUntil(first); j++) {
                Lease second = acquired.get(j);
                if (!first.conflictsWith(second)) {
                    continue;
                }
                // The holder with the older token lost the lock; but one granted the lock later
                // with a token that went backwards took it from the first, whatever the tokens say.
                Lease loser = second.tokenBehind != null || first.token < second.token ? first : second;
                Lease taker = loser == first ? second : first;
                // The first to take it: the loss dates from its grant.
                if (loser.overlappedBy == null || taker.okAt < leases.get(loser.overlappedBy).okAt) {
                    loser.overlappedBy = taker.id;
                }
            }
        }
        int evidenced = 0;
        int missed = 0;
        int late = 0;
        int atRelease = 0;
        int indeterminate = 0;
        for (Lease lease : acquired) {
            // A resource that rejected a token which went backwards says nothing of the lease:
            // the token-order breach is counted already.
            boolean rejectedAsStale = lease.rejectedBy != null && lease.tokenBehind == null;
            boolean lost = lease.overlappedBy != null || rejectedAsStale || "ALREADY_LOST".equals(lease.outcome)
                    || lease.permit && lostWhileHeld(lease);
            if (!lost) {
                continue;
            }
            evidenced++;
            if (lease.lostAt >= 0 && lease.releaseAt >= 0 && lease.lostAt >= lease.releaseAt) {
                atRelease++;
            }
            boolean answeredRelease = lease.outcome != null && !lease.outcome.equals("UNKNOWN");
            if ((lease.lostAt >= 0 || !answeredRelease) && isUnsignalledLongAfterItsLoss(lease)) {
                // Told too late, or never although its watchdog had a lease and more to tell it.
                late++;
                addExample(new Violation("lost-signal-late", lease.id + " (token " + lease.token + ") was lost — "
                        + lease.overlappedBy + " was granted the lock while it held it — but its holder, not frozen, was"
                        + (lease.lostAt >= 0 ? " told only " + (lease.lostAt - takenAt(lease)) / 1_000_000
                                + " ms after that grant" : " never told, its release unanswered"), List.of(lease.id, lease.overlappedBy)));
                continue;
            }
            if (lease.lostAt >= 0) {
                continue;
            }
            if (!answeredRelease) {
                indeterminate++;
                continue;
            }
            missed++;
            List<String> involved = lease.overlappedBy == null ? List.of(lease.id) : List.of(lease.id, lease.overlappedBy);
            addExample(new Violation("lost-signal-missed", lease.id + " (token " + lease.token + ") was lost — "
                    + (lease.overlappedBy != null ? lease.overlappedBy + " was granted the lock while it held it; " : "")
                    + (rejectedAsStale ? lease.rejectedBy + " rejected its token as stale; " : "")
                    + "its release reported " + lease.outcome + " — but its holder was never signalled", involved));
        }
        return new LostSignals(evidenced, missed, late, atRelease, indeterminate);
    }

    /**
     * Whether a lease that another client was granted was still held and unsignalled two leases
     * after that grant, by a client the nemesis did not freeze meanwhile. Its watchdog finds the key
     * gone at its next renewal (a third of a lease away), or lets the lease run out on the local
     * clock a lease after the last renewal it saw confirmed, which was before the other's grant:
     * within a lease of that grant either way, the second lease being slack for a busy machine. A
     * release that finds the loss signals it too, so a signal at the release counts only in time.
     */
    private boolean isUnsignalledLongAfterItsLoss(Lease lease) {
        if (lease.overlappedBy == null || lease.leaseNanos == 0 || lease.releaseAt < 0) {
            return false; // no grant to date the loss by, or a client that died holding it
        }
        long deadline = takenAt(lease) + 2 * lease.leaseNanos;
        boolean toldByDeadline = lease.lostAt >= 0 && lease.lostAt <= deadline;
        return lease.releaseAt > deadline && !toldByDeadline && !frozenBetween(lease.process, lease.okAt, deadline);
    }

    /** When the lock was taken from a lease that another client was granted while it held it. */
    private long takenAt(Lease lease) {
        return Math.max(lease.okAt, leases.get(lease.overlappedBy).okAt);
    }

    /** Whether the nemesis had {@code client} frozen at some moment between {@code from} and {@code to}. */
    private boolean frozenBetween(String client, long from, long to) {
        return freezes.getOrDefault(client, List.of()).stream().anyMatch(span -> span[0] < to && span[1] > from);
    }

    /**
     * At each permit's grant, the permits valid then — its own included — are at most the count
     * (see the class comment for when a permit is valid).
     */
    private void checkPermitCount(List<Lease> acquired) {
        List<Lease> permits = acquired.stream().filter(lease -> lease.permit && !wasLost(lease)).toList();
        for (int i = 0; i < permits.size(); i++) {
            Lease granted = permits.get(i);
            List<String> valid = new ArrayList<>();
            // Sorted by grant: the permits granted before this one, still valid at its grant.
            for (int j = 0; j <= i; j++) {
                if (permits.get(j).okAt <= granted.okAt && granted.okAt < validUntil(permits.get(j))) {
                    valid.add(permits.get(j).id);
                }
            }
            if (valid.size() > LockUnderTest.PERMITS) {
                violation("semaphore:over-admitted", granted.id + " (token " + granted.token + ") was granted while "
                        + (valid.size() - 1) + " other permits were valid, of " + LockUnderTest.PERMITS, valid.toArray(String[]::new));
            }
        }
    }

    /** Whether a permit was lost: signalled, found lost by its release, or held across a fault that took it. */
    private boolean wasLost(Lease lease) {
        return lease.lostAt >= lease.okAt || "ALREADY_LOST".equals(lease.outcome) || lostWhileHeld(lease);
    }

    /** The end of a permit's validity: the first of its release, a freeze of its client, an emptying kill. */
    private long validUntil(Lease lease) {
        long until = heldUntil(lease);
        for (long[] span : freezes.getOrDefault(lease.process, List.of())) {
            if (span[0] >= lease.okAt && span[0] < until) {
                until = span[0];
            }
        }
        for (long[] kill : emptyingKills) {
            if (kill[0] >= lease.okAt && kill[0] < until) {
                until = kill[0];
            }
        }
        return until;
    }

    private void recordEmptyingKill(Event event) {
        if (event.op() != Op.FAULT || !NodeKill.KIND_NO_PERSISTENCE.equals(event.detail("kind"))) {
            return;
        }
        if (event.type() == Type.START) {
            emptyingKills.add(new long[] {event.mono(), Long.MAX_VALUE});
        } else if (event.type() == Type.END && !emptyingKills.isEmpty()) {
            emptyingKills.get(emptyingKills.size() - 1)[1] = event.mono();
        }
    }

    /**
     * Whether a permit was held across a freeze of its client longer than its lease (no renewal
     * could reach the server), or across the kill of a server without persistence (which forgot it):
     * granted before the fault began and released only after it ended. The nemesis logs a fault just
     * before it strikes, and a signal may land late: a client that recorded an event after the
     * logged start was not frozen yet, so the freeze is taken from its last event on.
     */
    private boolean lostWhileHeld(Lease lease) {
        long held = heldUntil(lease);
        boolean frozenPastLease = freezes.getOrDefault(lease.process, List.of()).stream().anyMatch(span -> {
            long frozenFrom = Math.max(span[0], lastEventBefore(lease.process, span[1]));
            return span[0] >= lease.okAt && held >= span[1] && span[1] - frozenFrom > lease.leaseNanos;
        });
        return frozenPastLease || emptyingKills.stream().anyMatch(kill -> kill[0] >= lease.okAt && held >= kill[1]);
    }

    /** The time of the client's last event before {@code moment}, or {@link Long#MIN_VALUE}. */
    private long lastEventBefore(String client, long moment) {
        List<Long> times = eventTimes.getOrDefault(client, List.of());
        int index = Collections.binarySearch(times, moment);
        int before = (index >= 0 ? index : -index - 1) - 1;
        return before >= 0 ? times.get(before) : Long.MIN_VALUE;
    }

    /**
     * The spans of the window in which some client believed it held the lock, {from, to}, sorted and
     * disjoint; {@code acquired} is sorted by grant.
     */
    private List<long[]> heldSpans(List<Lease> acquired) {
        List<long[]> spans = new ArrayList<>();
        long reach = windowStart;
        for (Lease lease : acquired) {
            long from = Math.max(Math.max(lease.okAt, reach), windowStart);
            long to = Math.min(believedUntil(lease), windowEnd);
            if (to > from) {
                spans.add(new long[] {from, to});
                reach = to;
            }
        }
        return spans;
    }

    /** The share of the window in which some client believed it held the lock. */
    private double availability(List<long[]> held) {
        return windowEnd > windowStart ? (double) MajorityTime.length(held) / (windowEnd - windowStart) : 0;
    }

    private static Map<String, Double> latencies(List<Lease> acquired) {
        return percentiles(acquired.stream().mapToDouble(lease -> (lease.okAt - lease.invokedAt) / 1e6).toArray());
    }

    /** p50, p90, p99 and max of {@code values}; empty when there are none. */
    static Map<String, Double> percentiles(double[] values) {
        double[] millis = values.clone();
        Arrays.sort(millis);
        Map<String, Double> percentiles = new LinkedHashMap<>();
        if (millis.length == 0) {
            return percentiles;
        }
        for (int p : new int[] {50, 90, 99}) {
            percentiles.put("p" + p, millis[Math.max(0, (int) Math.ceil(p / 100.0 * millis.length) - 1)]);
        }
        percentiles.put("max", millis[millis.length - 1]);
        return percentiles;
    }

    /**
     * For each restart of a node: what the fence counter held right after it, the server's clock,
     * the last token granted before the kill and the first one after the restart.
     */
    private List<Map<String, Object>> restarts(List<Lease> acquired) {
        List<Map<String, Object>> restarts = new ArrayList<>();
        Map<String, Event> killed = new HashMap<>();
        for (Event event : history) {
            String kind = event.op() == Op.FAULT ? event.detail("kind") : null;
            if (kind == null || !kind.startsWith(NodeKill.KIND)) {
                continue;
            }
            if (event.type() == Type.START) {
                killed.put(event.detail("target"), event);
            } else if (event.type() == Type.END && event.detail("counter_after_restart") != null) {
                Event kill = killed.remove(event.detail("target"));
                Map<String, Object> restart = new LinkedHashMap<>();
                restart.put("node", event.detail("target"));
                restart.put("append_only", kind.equals(NodeKill.KIND_APPEND_ONLY));
                restart.put("counter_after_restart", event.detail("counter_after_restart"));
                restart.put("server_time_us", Long.parseLong(event.detail("server_time_us")));
                restart.put("last_token_before", acquired.stream().filter(lease -> kill != null && lease.okAt < kill.mono())
                        .mapToLong(lease -> lease.token).max().orElse(Event.NONE));
                restart.put("first_token_after", acquired.stream().filter(lease -> lease.okAt > event.mono())
                        .findFirst().map(lease -> lease.token).orElse(Event.NONE));
                restarts.add(restart);
            }
        }
        return restarts;
    }

    private void violation(String kind, String description, String... involved) {
        violations.merge(kind, 1, Integer::sum);
        addExample(new Violation(kind, description, List.of(involved)));
    }

    private void addExample(Violation violation) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(violation);
        }
    }

    /**
     * What the checker found in one scenario.
     *
     * @param operations acquisitions attempted
     * @param acquired acquisitions granted
     * @param acquireFailures acquisitions not granted, by reason ({@code timeout}, {@code unavailable})
     * @param violations breaches of fenced safety, by kind; must be empty
     * @param examples some breaches (fenced or missed signals), described
     * @param staleRejections claims and writes the resources rejected as stale: what fencing caught
     * @param acceptedWrites accepted writes, per resource
     * @param unfencedOverlaps holders that still believed they held the lock when another client was granted it
     * @param unfencedOverlapMillis how long two or more clients believed at once that they held the lock
     * @param lostSignalsRaised lost signals the clients received
     * @param leasesLost leases the history shows were lost
     * @param lostSignalsMissed lost leases whose holder was never signalled; must be 0
     * @param lostSignalsLate lost leases whose holder, not frozen, was still not signalled two leases
     *     after another client was granted the lock; must be 0
     * @param lostSignalsAtRelease lost leases signalled only by their release, which found them lost
     * @param lostSignalsIndeterminate lost leases without a signal whose release failed (unknown outcome)
     * @param availability share of the window in which some client held the lock
     * @param majority the share of the window in which a majority of the masters was up, and the availability within it
     * @param acquireLatencyMillis latency of granted acquisitions: p50, p90, p99, max
     * @param restarts per node restart: the fence counter after it and the tokens around it
     * @param reads the read acquisitions of a read-write lock, and how many shared the lock
     * @param fairOrder whether the fair lock granted in arrival order ({@link FairOrder.Findings#NONE} for other locks)
     */
    record Findings(int operations, int acquired, Map<String, Integer> acquireFailures, Map<String, Integer> violations,
            List<Violation> examples, int staleRejections, Map<String, Integer> acceptedWrites, int unfencedOverlaps,
            double unfencedOverlapMillis, int lostSignalsRaised, int leasesLost, int lostSignalsMissed, int lostSignalsLate,
            int lostSignalsAtRelease, int lostSignalsIndeterminate, double availability, MajorityTime.Figures majority, Map<String, Double> acquireLatencyMillis,
            List<Map<String, Object>> restarts, ReadSharing reads, FairOrder.Findings fairOrder) {

        /** All breaches of fenced safety. */
        int fencedViolations() {
            return violations.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Lost updates in the resources' logs (what the control run must show). */
        int lostUpdates() {
            return violations.entrySet().stream().filter(entry -> entry.getKey().endsWith(":lost-update"))
                    .mapToInt(Map.Entry::getValue).sum();
        }
    }
}
