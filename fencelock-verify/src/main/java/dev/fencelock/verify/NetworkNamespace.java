package dev.fencelock.verify;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One network namespace with a Redis node (or a ZooKeeper member) in it, reached from the harness's namespace through a
 * veth pair. A partition takes the namespace's end of the pair down: packets in either direction
 * are dropped silently, as on a cut link, and established connections stay open until it heals.
 */
final class NetworkNamespace {
    private final String name;
    private final String hostInterface;
    private final String namespaceInterface;
    private final String hostAddress;
    private final String address;

    private NetworkNamespace(String name, String hostInterface, String namespaceInterface, String hostAddress, String address) {
        this.name = name;
        this.hostInterface = hostInterface;
        this.namespaceInterface = namespaceInterface;
        this.hostAddress = hostAddress;
        this.address = address;
    }

    /** Creates the namespace and its veth pair, {@code hostAddress}/30 outside and {@code address}/30 inside. */
    static NetworkNamespace create(String name, String hostInterface, String namespaceInterface, String hostAddress, String address) {
        NetworkNamespace namespace = new NetworkNamespace(name, hostInterface, namespaceInterface, hostAddress, address);
        try {
            Shell.check("ip", "netns", "add", name);
            Shell.check("ip", "link", "add", hostInterface, "type", "veth", "peer", "name", namespaceInterface);
            Shell.check("ip", "link", "set", namespaceInterface, "netns", name);
            Shell.check("ip", "addr", "add", hostAddress + "/30", "dev", hostInterface);
            Shell.check("ip", "link", "set", hostInterface, "up");
            Shell.check("ip", "netns", "exec", name, "ip", "addr", "add", address + "/30", "dev", namespaceInterface);
            Shell.check("ip", "netns", "exec", name, "ip", "link", "set", namespaceInterface, "up");
            Shell.check("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
            return namespace;
        } catch (IllegalStateException e) {
            namespace.delete();
            throw e;
        }
    }

    /** The node's address inside the namespace. */
    String address() {
        return address;
    }

    /** The harness's end of the link: the address at which the node reaches the harness's namespace. */
    String hostAddress() {
        return hostAddress;
    }

    /** The command prefix that runs a program inside the namespace. */
    List<String> execPrefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Cuts the link: nothing gets in or out. */
    void partition() {
        Shell.check("ip", "netns", "exec", name, "ip", "link", "set", namespaceInterface, "down");
    }

    /** Restores the link. */
    void heal() {
        Shell.check("ip", "netns", "exec", name, "ip", "link", "set", namespaceInterface, "up");
    }

    /** Why {@code tc netem} cannot delay this link (its kernel module missing, say), or empty when it can. */
    Optional<String> netemUnavailable() {
        Shell.Result probe = Shell.run(10, "tc", "qdisc", "add", "dev", hostInterface, "root", "netem", "delay", "1ms");
        if (!probe.ok()) {
            return Optional.of("tc netem does not work here (" + probe.output() + ")");
        }
        Shell.check("tc", "qdisc", "del", "dev", hostInterface, "root");
        return Optional.empty();
    }

    /** Delays packets in both directions by {@code delay} ± a quarter, and drops {@code lossPercent} of them. */
    void degrade(Duration delay, int lossPercent) {
        String[] netem = {"netem", "delay", delay.toMillis() + "ms", delay.toMillis() / 4 + "ms", "loss", lossPercent + "%"};
        Shell.check(concat(new String[] {"tc", "qdisc", "add", "dev", hostInterface, "root"}, netem));
        Shell.check(concat(new String[] {"ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", namespaceInterface, "root"}, netem));
    }

    /** Removes the delay and loss. */
    void restore() {
        Shell.check("tc", "qdisc", "del", "dev", hostInterface, "root");
        Shell.check("ip", "netns", "exec", name, "tc", "qdisc", "del", "dev", namespaceInterface, "root");
    }

    /** Deletes the veth pair and the namespace; quietly, as cleanup. */
    void delete() {
        Shell.run(10, "ip", "link", "del", hostInterface);
        Shell.run(10, "ip", "netns", "del", name);
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Override
    public String toString() {
        return "namespace " + name + " (" + address + ")";
    }
}
