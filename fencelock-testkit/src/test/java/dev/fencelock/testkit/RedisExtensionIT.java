package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The extension injects distinct fresh servers and stops them when their test is over. The
 * nested probe classes are run by {@link #run} through JUnit's engine test kit, so that a test
 * here can watch a whole test, failing ones included, from the outside.
 */
@RedisTest
class RedisExtensionIT {
    private static final String PROBE_PARAMETER = "fencelock.testkit.probe";

    @Test
    void eachParameterGetsItsOwnServer(RedisServer first, RedisServer second) {
        assertThat(first.port()).isNotEqualTo(second.port());
        first.call("SET", "k", "v");
        assertThat(second.dbSize()).as("keys on the second server").isZero();
    }

    @Test
    void serversGivesAsManyDistinctRunningServersAsAskedFor(@Servers(3) RedisServers servers) {
        assertThat(servers.size()).isEqualTo(3);
        assertThat(servers.all()).allMatch(RedisServer::isRunning);
        assertThat(servers.all().stream().map(RedisServer::port).distinct()).hasSize(3);
        assertThat(servers.uris()).containsExactly(servers.get(0).uri(), servers.get(1).uri(), servers.get(2).uri());
        servers.get(0).call("SET", "k", "v");
        assertThat(servers.get(1).dbSize() + servers.get(2).dbSize()).as("keys on the other servers").isZero();
    }

    @Test
    void appendOnlyServersKeepTheirDataAcrossAKill(
            @Servers(value = 2, appendOnly = true) RedisServers servers, @AppendOnly @Servers(1) RedisServers annotated) {
        for (RedisServer server : List.of(servers.get(0), servers.get(1), annotated.get(0))) {
            server.call("SET", "k", server.uri());
            server.kill();
            server.restart();
            assertThat(server.call("GET", "k")).as("the key on %s after a restart", server).isEqualTo(server.uri());
        }
    }

    @Test
    void serversOfATestThatFailsAreStoppedAndDeleted() {
        Events tests = run(FailingTest.class);

        assertThat(tests.failed().count()).as("the probe's failing test").isEqualTo(1);
        assertThat(FailingTest.seen).hasSize(3).allSatisfy(RedisExtensionIT::assertStopped);
    }

    @Test
    void aConstructorParameterIsStoppedAfterEachTest() {
        Events tests = run(ConstructorTest.class);

        assertAllPassed(tests, 2);
        assertThat(ConstructorTest.seen).hasSize(2).allSatisfy(RedisExtensionIT::assertStopped);
    }

    @Test
    void aBeforeAllParameterLivesUntilTheClassIsDone() {
        Events tests = run(BeforeAllTest.class);

        assertAllPassed(tests, 2);
        assertThat(BeforeAllTest.seen).hasSize(1).allSatisfy(RedisExtensionIT::assertStopped);
    }

    @Test
    void aRedisServersParameterWithoutServersIsRefusedWithAReason() {
        Events tests = run(MissingCountTest.class);

        assertThat(failures(tests)).singleElement().asString().contains("needs @Servers(n)");
    }

    /** Whether a probe runs: only inside {@link #run}, since some of them fail on purpose. */
    static boolean isProbeRun(ExtensionContext context) {
        return context.getConfigurationParameter(PROBE_PARAMETER).isPresent();
    }

    private static Events run(Class<?> probe) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter(PROBE_PARAMETER, "true")
                .selectors(selectClass(probe))
                .execute()
                .testEvents();
    }

    private static void assertAllPassed(Events tests, long count) {
        assertThat(failures(tests)).as("failures in the probe").isEmpty();
        assertThat(tests.succeeded().count()).as("passed tests in the probe").isEqualTo(count);
    }

    private static List<String> failures(Events tests) {
        List<String> failures = new ArrayList<>();
        tests.failed().stream()
                .map(event -> event.getRequiredPayload(TestExecutionResult.class).getThrowable())
                .forEach(thrown -> failures.add(thrown.map(Throwable::toString).orElse("a failure without a cause")));
        return failures;
    }

    private static void assertStopped(RedisServer server) {
        assertThat(server.isRunning()).as("%s is running", server).isFalse();
        assertThat(server.dir()).as("the directory of %s", server).doesNotExist();
    }

    @RedisTest
    @EnabledIf("dev.fencelock.testkit.RedisExtensionIT#isProbeRun")
    static class FailingTest {
        static final Queue<RedisServer> seen = new ConcurrentLinkedQueue<>();

        @Test
        void failsOnPurpose(RedisServer redis, @Servers(2) RedisServers servers) {
            seen.add(redis);
            servers.forEach(seen::add);
            fail("on purpose, to see that the servers are stopped all the same");
        }
    }

    @RedisTest
    @EnabledIf("dev.fencelock.testkit.RedisExtensionIT#isProbeRun")
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class ConstructorTest {
        static final List<RedisServer> seen = new ArrayList<>();
        private final RedisServer redis;

        ConstructorTest(RedisServer redis) {
            this.redis = redis;
            seen.add(redis);
        }

        @Test
        @Order(1)
        void first() {
            assertThat(redis.isRunning()).isTrue();
        }

        @Test
        @Order(2)
        void second() {
            assertThat(seen).hasSize(2);
            assertThat(seen.get(0).isRunning()).as("the first test's server, during the second test").isFalse();
            assertThat(redis.isRunning()).isTrue();
        }
    }

    @RedisTest
    @EnabledIf("dev.fencelock.testkit.RedisExtensionIT#isProbeRun")
    static class BeforeAllTest {
        static final Set<RedisServer> seen = new HashSet<>();
        private static RedisServer shared;

        @BeforeAll
        static void startOne(RedisServer redis) {
            shared = redis;
        }

        @Test
        void first() {
            seen.add(shared);
            assertThat(shared.isRunning()).isTrue();
        }

        @Test
        void second() {
            seen.add(shared);
            assertThat(shared.isRunning()).isTrue();
        }
    }

    @RedisTest
    @EnabledIf("dev.fencelock.testkit.RedisExtensionIT#isProbeRun")
    static class MissingCountTest {
        @Test
        void asksForServersWithoutSayingHowMany(RedisServers servers) {
            fail("resolved %s without @Servers", servers);
        }
    }
}
