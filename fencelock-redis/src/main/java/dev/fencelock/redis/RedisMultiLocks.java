package dev.fencelock.redis;

import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.Await;
import dev.fencelock.spi.OwnerTokens;
import dev.fencelock.spi.Released;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Multi-locks on one server or one Cluster: several names taken for one owner token, all or none,
 * with one fencing token (see {@link RedisStore#acquireAll}).
 *
 * <p>One server (and a Sentinel-managed master): one acquire.lua call takes every name or none,
 * and mints one token over all the names' counters. A Cluster: a script may only touch keys of one
 * hash slot, and the names cannot share one (a name may not carry a hash tag), so the names are
 * taken one slot at a time, in ascending slot order, each slot all or none by acquire.lua. A slot
 * that refuses rolls back the slots taken before it, before the refusal is reported: a waiting
 * acquisition never holds a part. Once every slot is taken, the counters of the slots that minted
 * less than the largest token are raised to it (raise-fence.lua), so that one token is valid for
 * every name. The cost: a call per slot to acquire (sequential), a call per slot to raise, in
 * parallel, and a call per slot to release and to renew.
 */
final class RedisMultiLocks {
    private final LockServers servers;
    private final Function<String, LockKeys> keys;
    private final String waiterTtlMillis;
    private final String claimWindowMillis;
    private final String rememberMillis;
    private final Function<Duration, Long> fenceCounterTtlMillis;

    RedisMultiLocks(LockServers servers, Function<String, LockKeys> keys, String waiterTtlMillis,
            String claimWindowMillis, Duration commandTimeout, Function<Duration, Long> fenceCounterTtlMillis) {
        this.servers = servers;
        this.keys = keys;
        this.waiterTtlMillis = waiterTtlMillis;
        this.claimWindowMillis = claimWindowMillis;
        this.rememberMillis = Long.toString(commandTimeout.multipliedBy(2).toMillis());
        this.fenceCounterTtlMillis = fenceCounterTtlMillis;
    }

    /** The keys of the names, grouped by hash slot in ascending slot order: one group on one server. */
    private List<List<LockKeys>> slots(List<String> names) {
        if (!servers.isCluster()) {
            return List.of(names.stream().map(keys).toList());
        }
        TreeMap<Integer, List<LockKeys>> bySlot = new TreeMap<>();
        for (String name : names) {
            LockKeys lockKeys = keys.apply(name);
            bySlot.computeIfAbsent(SlotHash.getSlot(lockKeys.lock()), slot -> new ArrayList<>()).add(lockKeys);
        }
        return List.copyOf(bySlot.values());
    }

    private RedisNode node() {
        return servers.nodes().get(0);
    }

    CompletableFuture<Attempt> acquire(List<String> names, String owner, Duration lease, String waiterId) {
        List<List<LockKeys>> slots = slots(names);
        String[] args = {owner, RedisStore.leaseMillis(lease), Long.toString(fenceCounterTtlMillis.apply(lease)),
                waiterId, waiterTtlMillis, OwnerTokens.PREFIX, servers.tokenClockStep()};
        return acquireFrom(slots, 0, new long[slots.size()], args, lease);
    }

    /** Takes the slots from {@code next} on, one after another; {@code tokens}: what each slot minted. */
    private CompletableFuture<Attempt> acquireFrom(List<List<LockKeys>> slots, int next, long[] tokens, String[] args,
            Duration lease) {
        if (next == slots.size()) {
            return slots.size() == 1 ? CompletableFuture.completedFuture(new Attempt.Granted(tokens[0], lease))
                    : raiseFences(slots, tokens, args[0], lease);
        }
        List<LockKeys> slot = slots.get(next);
        String[] keyArray = slot.stream().flatMap(lockKeys -> Stream.of(lockKeys.lock(), lockKeys.fence(),
                lockKeys.waiters(), lockKeys.waiterDeadlines(), lockKeys.readers())).toArray(String[]::new);
        return node().<List<Long>>run(LuaScript.ACQUIRE, ScriptOutputType.MULTI, keyArray, args)
                .handle((reply, error) -> {
                    if (error != null) {
                        // A lost reply may hide a grant of this slot: it is rolled back with the
                        // others, not waited for, so that an unreachable server fails the
                        // acquisition within the command timeout.
                        rollBack(slots.subList(0, next + 1), args[0]);
                        return CompletableFuture.<Attempt>completedFuture(servers.unavailable(Await.unwrap(error)));
                    }
                    if (reply.get(0) == 1) {
                        tokens[next] = reply.get(1);
                        return acquireFrom(slots, next + 1, tokens, args, lease);
                    }
                    long retry = reply.get(1);
                    Attempt refused = new Attempt.Refused(retry < 0 ? RedisStore.FOREIGN_LOCK_POLL : Duration.ofMillis(retry + 1),
                            reply.get(2) == 1, slot.get((int) (long) reply.get(3) - 1).name());
                    return rollBack(slots.subList(0, next), args[0]).handle((done, rollbackError) -> refused);
                })
                .thenCompose(Function.identity());
    }

    /**
     * Raises the counters of the slots that minted less than the largest token to it. A slot that
     * no longer holds the owner (a name deleted meanwhile) or does not answer fails the acquisition,
     * which gives every slot back.
     */
    private CompletableFuture<Attempt> raiseFences(List<List<LockKeys>> slots, long[] tokens, String owner, Duration lease) {
        long token = Arrays.stream(tokens).max().orElseThrow();
        String fenceTtlMillis = Long.toString(fenceCounterTtlMillis.apply(lease));
        List<CompletableFuture<Long>> raises = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            if (tokens[i] < token) {
                String[] keyArray = slots.get(i).stream().flatMap(lockKeys ->
                        Stream.of(lockKeys.lock(), lockKeys.fence(), lockKeys.readers())).toArray(String[]::new);
                raises.add(node().run(LuaScript.RAISE_FENCE, ScriptOutputType.INTEGER, keyArray, owner,
                        Long.toString(token), fenceTtlMillis));
            }
        }
        return CompletableFuture.allOf(raises.toArray(CompletableFuture[]::new)).handle((done, error) -> {
            if (error == null && raises.stream().allMatch(raise -> raise.join() == 1)) {
                return CompletableFuture.<Attempt>completedFuture(new Attempt.Granted(token, lease));
            }
            CompletableFuture<?> rolledBack = rollBack(slots, owner);
            if (error != null) {
                return CompletableFuture.<Attempt>completedFuture(servers.unavailable(Await.unwrap(error)));
            }
            return rolledBack.<Attempt>handle((ok, rollbackError) ->
                    new Attempt.Refused(Duration.ofNanos(servers.retryDelayNanos()), true));
        }).thenCompose(Function.identity());
    }

    /**
     * Gives back the names of {@code slots} where they hold {@code owner}, waking their waiters. A
     * give-back that failed is sent once more (by owner token, so a second run is harmless): the
     * names would otherwise stay held for a whole lease by an acquisition that does not hold them.
     */
    private CompletableFuture<?> rollBack(List<List<LockKeys>> slots, String owner) {
        return CompletableFuture.allOf(slots.stream().map(slot -> release(slot, owner, false)
                .exceptionallyCompose(error -> release(slot, owner, false))).toArray(CompletableFuture[]::new));
    }

    /**
     * Releases every name where it still holds {@code owner}, a call per slot, each sent again once
     * when its reply was lost (remembered on the server, as a plain release is).
     */
    CompletableFuture<Released> release(List<String> names, String owner) {
        List<CompletableFuture<List<Long>>> calls = slots(names).stream().map(slot -> release(slot, owner, true)
                .exceptionallyCompose(error -> RedisStore.isReplyLost(error) ? release(slot, owner, true)
                        : CompletableFuture.failedFuture(error))).toList();
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Long> found = calls.stream().flatMap(call -> call.join().stream()).toList();
            Released.Finding finding = found.contains(-1L) ? Released.Finding.TAKEN
                    : found.contains(0L) ? Released.Finding.GONE : Released.Finding.OURS;
            return new Released(finding, false);
        });
    }

    /** Runs multi-release.lua on the names of one slot; {@code remember}: for a retry after a lost reply. */
    private CompletableFuture<List<Long>> release(List<LockKeys> slot, String owner, boolean remember) {
        RedisNode node = node();
        List<String> keyList = new ArrayList<>(slot.size() * 6);
        List<String> args = new ArrayList<>(slot.size() + 5);
        args.addAll(List.of(owner, "1", remember ? rememberMillis : "", claimWindowMillis, node.pubSubMode()));
        for (LockKeys lockKeys : slot) {
            keyList.addAll(List.of(lockKeys.lock(), lockKeys.waiters(), lockKeys.waiterDeadlines(), lockKeys.lastRelease(),
                    lockKeys.fairQueue(), lockKeys.fairDeadlines()));
            args.add(lockKeys.channel());
        }
        return node.run(LuaScript.MULTI_RELEASE, ScriptOutputType.MULTI, keyList.toArray(String[]::new),
                args.toArray(String[]::new));
    }
}
