package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Properties the lock client refuses fail the startup, before any connection is tried, with a
 * message that names the property (and never the password). No server: nothing is reached.
 */
class BadPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FencelockAutoConfiguration.class))
            // Nothing listens there: a property that were accepted would fail on connecting instead.
            .withPropertyValues("spring.data.redis.port=1", "spring.data.redis.password=s3cret-pw");

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "fencelock.default-lease         | 10ms                      | defaultLease must be between",
            "fencelock.namespace             | billing{locks}:           | namespace must not contain",
            "fencelock.command-timeout       | 2h                        | commandTimeout must be between",
            "fencelock.connect-timeout       | 1ms                       | connectTimeout must be between",
            "fencelock.fence-counter-ttl     | 1m                        | fenceCounterTtl must be between",
            "fencelock.outage-allowance      | 2d                        | outageAllowance must be between",
            "fencelock.redlock.restart-quarantine | 2d                   | redlockRestartQuarantine must be between",
            "spring.data.redis.timeout       | 1ms                       | commandTimeout must be between",
            "spring.data.redis.url           | http://redis.internal     | uri must look like",
            "fencelock.redlock.uris          | redis://a:1,redis://b:2   | Redlock needs at least 3",
            "spring.data.redis.ssl.bundle    | client                    | does not read SSL bundles",
            "spring.data.redis.sentinel.password | other-pw              | no credentials of its own",
    })
    void aRefusedPropertyFailsTheStartupNamingIt(String property, String value, String reason) {
        runner.withPropertyValues(property + "=" + value).run(context -> assertFailedNaming(context, property, reason));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "redis://:s3cret-pw@host:6390/first | must be a database number",
            "redis://:s3cret-pw@host:6390/a b   | not a URI",
            "rediss://:s3cret-pw@host:6390      | over TLS",
    })
    void aUrlThatSentinelCannotServeFailsTheStartupWithoutItsPassword(String url, String reason) {
        runner.withPropertyValues("spring.data.redis.url=" + url, "spring.data.redis.sentinel.master=main",
                        "spring.data.redis.sentinel.nodes=127.0.0.1:1")
                .run(context -> assertFailedNaming(context, "spring.data.redis.url", reason));
    }

    /** The startup failed, its root cause naming {@code property} and {@code reason}, and no password. */
    private static void assertFailedNaming(AssertableApplicationContext context, String property, String reason) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        assertThat(failure).rootCause()
                .as("the root cause names the property and why")
                .hasMessageContaining(property)
                .hasMessageContaining(reason);
        assertThat(failure).rootCause().message().as("no password in the message").doesNotContain("s3cret-pw");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // A command timeout of a third of the lease leaves no time for a renewal to be retried.
            "fencelock.default-lease=3s, fencelock.command-timeout=1s         | fencelock.default-lease",
            "fencelock.default-lease=3s, spring.data.redis.timeout=1s         | fencelock.default-lease",
            "fencelock.redlock.uris=redis://a:1;redis://b:2;redis://c:3, fencelock.command-timeout=100ms, fencelock.redlock.node-timeout=200ms | fencelock.redlock.node-timeout",
    })
    void twoPropertiesThatContradictEachOtherFailTheStartupNamingOne(String properties, String named) {
        runner.withPropertyValues(properties.replace(';', ',').split(", "))
                .run(context -> assertThat(context.getStartupFailure()).as("startup failure").rootCause()
                        .hasMessageContaining(named));
    }
}
