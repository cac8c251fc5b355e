package dev.fencelock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;

/**
 * The three ports of a ZooKeeper server: clients', the quorum's (followers to the leader) and
 * leader election's.
 */
record ZooKeeperPorts(int client, int quorum, int election) {
    /** ZooKeeper's default client port and the default quorum and election ports, which the machine's own server may use. */
    private static final Set<Integer> DEFAULTS = Set.of(2_181, 2_888, 3_888);

    /**
     * Three ports free on 127.0.0.1 just now, none a ZooKeeper default nor in {@code taken}, to
     * which they are added (the kernel may hand out a port again once its probe is closed).
     */
    static ZooKeeperPorts free(Set<Integer> taken) {
        return new ZooKeeperPorts(freePort(taken), freePort(taken), freePort(taken));
    }

    private static int freePort(Set<Integer> taken) {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(ZooKeeperServer.LOOPBACK))) {
                int port = socket.getLocalPort();
                if (!DEFAULTS.contains(port) && taken.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + ZooKeeperServer.LOOPBACK, e);
            }
        }
    }
}
