package dev.fencelock.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Network namespaces that this run creates for the nodes it partitions, each joined to the
 * harness's namespace by a veth pair with a /30 of {@code 10.231.B.0/24}. Traffic to them never
 * leaves the machine: an {@code unreachable} route for the whole /24 is installed first and removed
 * last, so that while a veth pair is missing (before it is made, after it is deleted) a packet for
 * those addresses is refused at once instead of following the default route out.
 *
 * <p>Needs root ({@code ip netns add}); {@link #create} says why when it cannot.
 */
final class IsolatedNetwork implements AutoCloseable {
    private static final String PREFIX = "10.231.";

    private final String subnet;
    private final List<NetworkNamespace> namespaces = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread cleanup = new Thread(this::close, "isolated-network-cleanup");

    private IsolatedNetwork(String subnet) {
        this.subnet = subnet;
    }

    /** Creates {@code count} namespaces, or says why this machine cannot. */
    static Availability<IsolatedNetwork> create(int count) {
        Shell.Result ip = Shell.run(10, "ip", "netns", "list");
        if (!ip.ok()) {
            return Availability.unavailable("ip netns does not work here: " + ip.output());
        }
        long pid = ProcessHandle.current().pid();
        String subnet = null;
        String refusal = "";
        for (int attempt = 0; attempt < 10 && subnet == null; attempt++) {
            String candidate = PREFIX + ((pid + attempt) % 250 + 1) + ".0/24";
            if (isInUse(candidate)) {
                refusal = candidate + " is routed on this machine already";
                continue;
            }
            Shell.Result route = Shell.run(10, "ip", "route", "add", "unreachable", candidate);
            if (route.ok()) {
                subnet = candidate;
            } else {
                refusal = route.output();
            }
        }
        if (subnet == null) {
            return Availability.unavailable("cannot reserve a subnet of " + PREFIX + "0.0/16 for network namespaces: " + refusal);
        }
        IsolatedNetwork network = new IsolatedNetwork(subnet);
        Runtime.getRuntime().addShutdownHook(network.cleanup);
        String base = subnet.substring(0, subnet.lastIndexOf('.') + 1);
        try {
            for (int i = 0; i < count; i++) {
                network.namespaces.add(NetworkNamespace.create("flv" + pid + "-" + i, "flv" + pid + "h" + i, "flv" + pid + "n" + i,
                        base + (4 * i + 1), base + (4 * i + 2)));
            }
        } catch (IllegalStateException e) {
            network.close();
            return Availability.unavailable("cannot set up a network namespace with a veth pair: " + e.getMessage());
        }
        return Availability.of(network);
    }

    /**
     * Whether the machine routes {@code subnet} other than by its default route (a LAN or a VPN
     * that covers it): the guard route, more specific, would cut the machine off from those hosts.
     */
    private static boolean isInUse(String subnet) {
        Shell.Result routes = Shell.run(10, "ip", "-4", "route", "show", "match", subnet);
        return !routes.ok() || routes.output().lines().anyMatch(line -> !line.isBlank() && !line.startsWith("default"));
    }

    List<NetworkNamespace> namespaces() {
        return namespaces;
    }

    /** Deletes the namespaces and their veth pairs, then the guard route. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        namespaces.forEach(NetworkNamespace::delete);
        Shell.run(10, "ip", "route", "del", "unreachable", subnet);
        if (Thread.currentThread() != cleanup) {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }
}
