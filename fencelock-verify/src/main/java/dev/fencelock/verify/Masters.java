package dev.fencelock.verify;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Independent Redis masters: one (a single server) or several (Redlock), some of which may run
 * under a fake clock or in network namespaces, which it then also owns.
 */
final class Masters implements Topology {
    private final List<FaultableRedis> nodes;
    private final Optional<IsolatedNetwork> network;

    Masters(List<FaultableRedis> nodes, Optional<IsolatedNetwork> network) {
        this.nodes = List.copyOf(nodes);
        this.network = network;
    }

    List<FaultableRedis> nodes() {
        return nodes;
    }

    @Override
    public String describe() {
        String each = nodes.stream().map(Object::toString).collect(Collectors.joining("; "));
        return nodes.size() == 1 ? "1 Redis server: " + each : "Redlock over " + nodes.size() + " masters: " + each;
    }

    @Override
    public List<String> lockUris() {
        return nodes.stream().map(FaultableRedis::uri).toList();
    }

    @Override
    public void close() {
        try {
            Cleanup.each(nodes, FaultableRedis::close);
        } finally {
            network.ifPresent(IsolatedNetwork::close);
        }
    }
}
