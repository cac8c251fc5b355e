package dev.fencelock.bench;

import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.ZooKeeperServer;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what the clients of scenarios 6 and 7 send to the server they lock on, between marks: a
 * Redis server's commands (exactly, from {@code MONITOR}), or a ZooKeeper server's packets
 * received (requests and pings, from {@code mntr}), so that a hand-off costs the same unit for
 * systems on the same server.
 */
interface ServerRequests extends AutoCloseable {

    /** Marks a point; returns its token, to count from with {@link #since}. */
    String mark() throws InterruptedException;

    /** What the clients sent between the mark {@code from} and now, by kind (command name, or {@code packets}). */
    Map<String, Long> since(String from) throws InterruptedException;

    /** Everything counted so far, cheaply: equal in two polls when the clients are quiet. */
    long total();

    @Override
    void close();

    /** A Redis server's client commands, from MONITOR (see {@link CommandMonitor}). */
    static ServerRequests of(RedisServer redis) {
        CommandMonitor monitor = CommandMonitor.attach(redis);
        return new ServerRequests() {
            @Override
            public String mark() throws InterruptedException {
                return monitor.mark();
            }

            @Override
            public Map<String, Long> since(String from) throws InterruptedException {
                return monitor.since(from);
            }

            @Override
            public long total() {
                return ClientCommands.of(redis).total();
            }

            @Override
            public void close() {
                monitor.close();
            }
        };
    }

    /**
     * A ZooKeeper server's packets received: every request (create, getChildren, exists, getData,
     * delete, sync…) and every session ping, from {@code mntr}. Four-letter words are not packets.
     */
    static ServerRequests of(ZooKeeperServer zookeeper) {
        Map<String, Long> marks = new ConcurrentHashMap<>();
        return new ServerRequests() {
            @Override
            public String mark() {
                String token = UUID.randomUUID().toString();
                marks.put(token, zookeeper.packetsReceived());
                return token;
            }

            @Override
            public Map<String, Long> since(String from) {
                return Map.of("packets", zookeeper.packetsReceived() - marks.remove(from));
            }

            @Override
            public long total() {
                return zookeeper.packetsReceived();
            }

            @Override
            public void close() {}
        };
    }
}
