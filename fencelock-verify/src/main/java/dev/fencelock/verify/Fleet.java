package dev.fencelock.verify;

import java.util.List;

/**
 * The client processes of a scenario, for the nemeses that pause them. Filled once the clients
 * are started, after the nemeses are made.
 */
final class Fleet {
    private volatile List<ClientProcess> clients = List.of();

    void set(List<ClientProcess> clients) {
        this.clients = List.copyOf(clients);
    }

    List<ClientProcess> clients() {
        return clients;
    }

    /** The client numbered {@code id}. */
    ClientProcess client(int id) {
        return clients.stream().filter(client -> client.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no client " + id));
    }
}
