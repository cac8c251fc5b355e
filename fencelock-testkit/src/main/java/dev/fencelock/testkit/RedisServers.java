package dev.fencelock.testkit;

import java.util.Iterator;
import java.util.List;

/**
 * Several distinct {@link RedisServer}s, for a test that needs a group, such as Redlock's
 * independent masters: the value of a parameter annotated {@link Servers @Servers(n)}. The servers
 * belong to the {@link RedisExtension}, which closes them after the test.
 *
 * <p>Immutable; the servers themselves are as thread-safe as {@link RedisServer}.
 */
public final class RedisServers implements Iterable<RedisServer> {
    private final List<RedisServer> servers;

    RedisServers(List<RedisServer> servers) {
        this.servers = List.copyOf(servers);
    }

    /**
     * The {@code index}th server, from 0.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not below {@link #size()}
     */
    public RedisServer get(int index) {
        return servers.get(index);
    }

    /** How many servers there are: the {@link Servers#value()} asked for. */
    public int size() {
        return servers.size();
    }

    /** Every server, in a fixed order. Unmodifiable. */
    public List<RedisServer> all() {
        return servers;
    }

    /** {@link RedisServer#uri()} of every server, in the order of {@link #all()}. */
    public List<String> uris() {
        return servers.stream().map(RedisServer::uri).toList();
    }

    @Override
    public Iterator<RedisServer> iterator() {
        return servers.iterator();
    }

    @Override
    public String toString() {
        return servers.toString();
    }
}
