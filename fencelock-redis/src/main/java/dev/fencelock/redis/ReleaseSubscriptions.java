package dev.fencelock.redis;

import dev.fencelock.spi.Await;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The waiter registry: subscriptions to the release channels of the locks this client waits for,
 * on the client's one pub/sub connection. A channel stays subscribed while some acquisition waits
 * on it; a release published on it wakes the acquisition that asked for the next one.
 *
 * <p>A release names the client it wakes, the longest waiting (see release.lua), so that the
 * clients waiting for one lock do not all try at once. A release that names another client wakes
 * this one only after the designation timeout, in case the named client is gone; an unnamed
 * release wakes it at once. A fair lock's release names acquisitions instead, by owner token: the
 * head of the queue, woken at once, and the one behind it, woken after the designation timeout
 * (the head's claim window) in case the head is gone; the other fair waiters sleep on.
 *
 * <p>On a Cluster of Redis 7.0 or later the channels are sharded (SSUBSCRIBE on the master of the
 * channel's slot, which is the lock's), so that a release crosses one shard rather than the whole
 * cluster bus; elsewhere they are classic.
 *
 * <p>Messages can be missed (a reconnect), so a waiter never relies on them alone: it also retries
 * when the holder's remaining lease runs out. A release announced while the pub/sub connection was
 * reconnecting reached nobody here: once Lettuce has subscribed the channel again, its waiters are
 * woken as an unnamed release would (see {@link #pubSubReconnected}). A foreign client publishes
 * nothing: while one holds, the waiter polls (acquire.lua tells the two apart).
 */
final class ReleaseSubscriptions extends RedisPubSubAdapter<String, String> {
    private final RedisNode node;
    private final String waiterId;
    private final Executor afterDesignationTimeout;
    // Guarded by this.
    private final Map<String, Channel> channels = new HashMap<>();

    ReleaseSubscriptions(RedisNode node, String waiterId, Duration designationTimeout) {
        this.node = node;
        this.waiterId = waiterId;
        // Run by the JDK's delay thread itself, like the waiters' other timers: the default
        // executor would start a thread per wake on a machine with two cores or fewer.
        this.afterDesignationTimeout =
                CompletableFuture.delayedExecutor(designationTimeout.toNanos(), TimeUnit.NANOSECONDS, Runnable::run);
        node.pubSub().addListener(this);
        node.onPubSubReconnected(this::pubSubReconnected);
        if (node.shardedPubSub()) {
            node.onTopologyChange(this::mastersMoved);
        }
    }

    /**
     * Completes once the channel is subscribed on the server, so no later release is missed. With
     * {@code fairOwner}, for the fair acquisition of that owner token: woken only by releases that
     * name it, or name nobody.
     */
    CompletableFuture<Subscription> subscribe(String name, String fairOwner) {
        Channel channel;
        CompletableFuture<Void> subscribed;
        synchronized (this) {
            channel = channels.computeIfAbsent(name, Channel::new);
            channel.references++;
            if (fairOwner != null) {
                channel.fairWaiters.put(fairOwner, new CompletableFuture<>());
            }
            if (channel.subscribed == null || channel.subscribed.isCompletedExceptionally()) {
                channel.subscribed = node.subscribe(name);
            }
            // Read here: a moved slot replaces it (see sunsubscribed).
            subscribed = channel.subscribed;
        }
        Subscription subscription = new Subscription(channel, fairOwner);
        return subscribed.handle((ok, error) -> {
            if (error != null) {
                subscription.close();
                throw new CompletionException(Await.unwrap(error));
            }
            return subscription;
        });
    }

    @Override
    public void message(String name, String message) {
        Channel channel;
        CompletableFuture<Void> next;
        int space = message.indexOf(' ');
        String first = space < 0 ? message : message.substring(0, space);
        boolean named = message.isEmpty() || first.equals(waiterId);
        List<String> fairNow;
        String fairLater;
        synchronized (this) {
            channel = channels.get(name);
            if (channel == null) {
                return; // unknown
            }
            // Most channels have no fair waiter: their releases cost no fair wake.
            boolean fair = !channel.fairWaiters.isEmpty();
            fairNow = !fair ? List.of() : message.isEmpty() ? List.copyOf(channel.fairWaiters.keySet()) : List.of(first);
            fairLater = fair && space >= 0 ? message.substring(space + 1) : null;
            next = channel.nextRelease;
            if (!named) {
                if (channel.delayedWake == next) {
                    next = null; // a wake of this release is already on its way
                } else {
                    channel.delayedWake = next;
                }
            }
        }
        fairNow.forEach(owner -> wakeFair(channel, owner));
        if (fairLater != null) {
            afterDesignationTimeout.execute(() -> wakeFair(channel, fairLater));
        }
        if (next == null) {
            return;
        }
        CompletableFuture<Void> release = next;
        if (named) {
            wake(channel, release);
        } else {
            afterDesignationTimeout.execute(() -> wake(channel, release));
        }
    }

    /**
     * A pub/sub connection is back, and Lettuce subscribes its channels again: each watched channel
     * wakes its waiters once that is confirmed (see {@link #subscribed}), not before, so that a
     * waiter's try cannot miss the release that follows it.
     */
    private synchronized void pubSubReconnected() {
        channels.values().forEach(channel -> channel.resubscribing = channel.references > 0);
    }

    @Override
    public void subscribed(String name, long count) {
        boolean resubscribed;
        synchronized (this) {
            Channel channel = channels.get(name);
            resubscribed = channel != null && channel.resubscribing;
            if (resubscribed) {
                channel.resubscribing = false;
            }
        }
        if (resubscribed) {
            message(name, "");
        }
    }

    @Override
    public void ssubscribed(String name, long count) {
        subscribed(name, count);
    }

    /** A sharded release: the same message, delivered by the master of the channel's slot. */
    @Override
    public void smessage(String name, String message) {
        message(name, message);
    }

    /**
     * The server dropped a sharded subscription that we did not end: the channel's slot moved to
     * another master (resharding, or a failover that the old master lived to see), which Redis
     * answers with SUNSUBSCRIBE and Lettuce does not follow (its issue #3213). Subscribes again,
     * where the slot now lives (see {@link #resubscribe}). A lingering channel, which nobody
     * watches, is only marked unsubscribed, for its next watcher to subscribe.
     */
    @Override
    public synchronized void sunsubscribed(String name, long count) {
        Channel channel = channels.get(name);
        // A subscription still on its way was sent after the drop, and stands.
        if (channel == null || channel.subscribed == null || !channel.subscribed.isDone()) {
            return;
        }
        if (channel.references == 0) {
            channel.subscribed = null;
            return;
        }
        resubscribe(channel);
    }

    /**
     * The cluster's topology changed, and some slots have another master: a failover, or a
     * resharding. A master that hands its slots over alive drops its sharded subscriptions (see
     * {@link #sunsubscribed}), but Lettuce may send the new SSUBSCRIBE to the old node before it
     * learns the new topology; a killed master says nothing at all. So every watched channel of a
     * moved slot is subscribed again (see {@link #resubscribe}), now that Lettuce routes it to the
     * new master, and ended on the former master. A lingering channel is only marked unsubscribed,
     * for its next watcher.
     */
    private synchronized void mastersMoved(RedisNode.TopologyChange change) {
        for (Channel channel : channels.values()) {
            int slot = SlotHash.getSlot(channel.name);
            if (channel.subscribed == null || !channel.subscribed.isDone() || !change.moved(slot)) {
                continue;
            }
            node.unsubscribeAt(change.formerMaster(slot), channel.name);
            if (channel.references == 0) {
                channel.subscribed = null;
            } else {
                resubscribe(channel);
            }
        }
    }

    /**
     * Subscribes a channel again, and retries every designation timeout while a waiter watches it.
     * Once subscribed, wakes the channel's waiters as an unnamed release would: a release may have
     * been announced where nobody listened any more, or not at all, since a release announces only
     * to the listeners it can count. Not before: a waiter that tried before the new subscription
     * could miss the release that follows its try.
     */
    private synchronized void resubscribe(Channel channel) {
        channel.subscribed = node.subscribe(channel.name);
        channel.subscribed.whenComplete((ok, error) -> {
            if (error == null) {
                message(channel.name, "");
            } else {
                afterDesignationTimeout.execute(() -> {
                    synchronized (this) {
                        if (channel.references > 0 && channels.get(channel.name) == channel) {
                            resubscribe(channel);
                        }
                    }
                });
            }
        });
    }

    /** Wakes the fair acquisition of {@code owner} if it waits on the channel. */
    private void wakeFair(Channel channel, String owner) {
        CompletableFuture<Void> woken;
        synchronized (this) {
            woken = channel.fairWaiters.get(owner);
            if (woken == null) {
                return;
            }
            channel.fairWaiters.put(owner, new CompletableFuture<>());
        }
        woken.complete(null);
    }

    /** Completes {@code next} if it is still the channel's next release, and starts a new one. */
    private void wake(Channel channel, CompletableFuture<Void> next) {
        synchronized (this) {
            if (channel.nextRelease == next) {
                channel.nextRelease = new CompletableFuture<>();
            }
        }
        next.complete(null);
    }

    /** What waits on the channels' next releases, for the memory checks of the tests. */
    synchronized int releaseWaitDependents() {
        return channels.values().stream().mapToInt(channel -> channel.nextRelease.getNumberOfDependents()
                + channel.fairWaiters.values().stream().mapToInt(CompletableFuture::getNumberOfDependents).sum()).sum();
    }

    /** The owner tokens of the acquisitions that wait for a release naming them (fair, permit), for the tests. */
    synchronized List<String> namedWaiters() {
        return channels.values().stream().flatMap(channel -> channel.fairWaiters.keySet().stream()).toList();
    }

    /** Channels that an acquisition still watches, for the leak checks of the tests; not those lingering. */
    synchronized int channelCount() {
        return (int) channels.values().stream().filter(channel -> channel.references > 0).count();
    }

    /**
     * Ends one acquisition's interest in a channel. The last one leaves the channel subscribed for
     * the designation timeout: a busy lock's clients watch again at once (the next waiter of this
     * client), and a SUBSCRIBE and an UNSUBSCRIBE per hand-off would cost Redis more than the
     * hand-off's own scripts.
     */
    private void unsubscribe(Channel channel) {
        synchronized (this) {
            if (--channel.references > 0 || channels.get(channel.name) != channel) {
                return;
            }
        }
        afterDesignationTimeout.execute(() -> {
            synchronized (this) {
                if (channel.references > 0 || channels.get(channel.name) != channel) {
                    return;
                }
                channels.remove(channel.name);
                // Sent under the lock that a new watcher's SUBSCRIBE is sent under, so that the two
                // reach the connection in that order: an UNSUBSCRIBE after it would end the new
                // subscription while its channel counted as subscribed.
                node.unsubscribe(channel.name);
            }
        });
    }

    private static final class Channel {
        final String name;
        int references;
        CompletableFuture<Void> subscribed;
        CompletableFuture<Void> nextRelease = new CompletableFuture<>();
        /** The next release for which a wake after the designation timeout is pending: one at a time. */
        CompletableFuture<Void> delayedWake;
        /** Whether its pub/sub connection reconnected and the subscription is not confirmed again yet. */
        boolean resubscribing;
        /** The fair acquisitions waiting on the channel, by owner token, and the release each waits for. */
        final Map<String, CompletableFuture<Void>> fairWaiters = new HashMap<>();

        Channel(String name) {
            this.name = name;
        }
    }

    /** One acquisition's interest in a channel. */
    final class Subscription implements AutoCloseable {
        private final Channel channel;
        /** The owner token of the fair acquisition this subscription wakes, or null. */
        private final String fairOwner;
        private boolean closed;

        private Subscription(Channel channel, String fairOwner) {
            this.channel = channel;
            this.fairOwner = fairOwner;
        }

        /**
         * Completes at the next release announced on the channel that concerns this acquisition.
         * Take it before trying to acquire.
         */
        CompletableFuture<Void> nextRelease() {
            synchronized (ReleaseSubscriptions.this) {
                return fairOwner == null ? channel.nextRelease
                        : channel.fairWaiters.getOrDefault(fairOwner, CompletableFuture.completedFuture(null));
            }
        }

        @Override
        public void close() {
            synchronized (ReleaseSubscriptions.this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (fairOwner != null) {
                    channel.fairWaiters.remove(fairOwner);
                }
            }
            unsubscribe(channel);
        }
    }
}
