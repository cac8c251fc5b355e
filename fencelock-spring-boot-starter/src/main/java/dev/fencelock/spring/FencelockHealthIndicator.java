package dev.fencelock.spring;

import dev.fencelock.LockClient;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Reads one lock's state from the store: up when the store answers, down (with the exception) when
 * it does not within the command timeout or the client is closed. A read, never a write: checking
 * health takes no lock and leaves no key.
 */
final class FencelockHealthIndicator extends AbstractHealthIndicator {
    /** Any name will do: its state is read, not changed. */
    static final String PROBE = "fencelock-health";

    private final LockClient client;

    FencelockHealthIndicator(LockClient client) {
        super("Fencelock health check failed");
        this.client = client;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        client.admin().inspect(PROBE);
        builder.up().withDetail("client", client.toString());
    }
}
