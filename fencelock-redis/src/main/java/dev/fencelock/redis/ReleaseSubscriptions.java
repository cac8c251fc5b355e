package dev.fencelock.redis;

import dev.fencelock.spi.Await;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.time.Duration;
import java.util.HashMap;
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
 * release wakes it at once.
 *
 * <p>Messages can be missed (a reconnect), so a waiter never relies on them alone: it also retries
 * when the holder's remaining lease runs out. A foreign client publishes nothing: while one holds,
 * the waiter polls (acquire.lua tells the two apart).
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
    }

    /** Completes once the channel is subscribed on the server, so no later release is missed. */
    CompletableFuture<Subscription> subscribe(String name) {
        Channel channel;
        synchronized (this) {
            channel = channels.computeIfAbsent(name, Channel::new);
            channel.references++;
            if (channel.subscribed == null) {
                channel.subscribed = node.unavailableOnFailure(node.pubSub().async().subscribe(name));
            }
        }
        Subscription subscription = new Subscription(channel);
        return channel.subscribed.handle((ok, error) -> {
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
        boolean named = message.isEmpty() || message.equals(waiterId);
        synchronized (this) {
            channel = channels.get(name);
            if (channel == null || !named && channel.delayedWake == channel.nextRelease) {
                return; // unknown, or a wake of this release is already on its way
            }
            next = channel.nextRelease;
            if (!named) {
                channel.delayedWake = next;
            }
        }
        if (named) {
            wake(channel, next);
        } else {
            afterDesignationTimeout.execute(() -> wake(channel, next));
        }
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
        return channels.values().stream().mapToInt(channel -> channel.nextRelease.getNumberOfDependents()).sum();
    }

    /** Subscribed channels, for the leak checks of the tests. */
    synchronized int channelCount() {
        return channels.size();
    }

    private void unsubscribe(Channel channel) {
        synchronized (this) {
            if (--channel.references > 0 || channels.get(channel.name) != channel) {
                return;
            }
            channels.remove(channel.name);
        }
        // Ordered after any earlier SUBSCRIBE on the same connection; a later one re-subscribes.
        node.pubSub().async().unsubscribe(channel.name);
    }

    private static final class Channel {
        final String name;
        int references;
        CompletableFuture<Void> subscribed;
        CompletableFuture<Void> nextRelease = new CompletableFuture<>();
        /** The next release for which a wake after the designation timeout is pending: one at a time. */
        CompletableFuture<Void> delayedWake;

        Channel(String name) {
            this.name = name;
        }
    }

    /** One acquisition's interest in a channel. */
    final class Subscription implements AutoCloseable {
        private final Channel channel;
        private boolean closed;

        private Subscription(Channel channel) {
            this.channel = channel;
        }

        /** Completes at the next release announced on the channel. Take it before trying to acquire. */
        CompletableFuture<Void> nextRelease() {
            synchronized (ReleaseSubscriptions.this) {
                return channel.nextRelease;
            }
        }

        @Override
        public void close() {
            synchronized (ReleaseSubscriptions.this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            unsubscribe(channel);
        }
    }
}
