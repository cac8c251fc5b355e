package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * A class and its nested classes share one start of the servers, which no nested class's end
 * stops, and one stop after the last. The probe runs through JUnit's engine test kit, so that the
 * stop after its last test can be counted from the outside.
 */
class ServersPerClassTest {
    private static final AtomicInteger starts = new AtomicInteger();
    private static final AtomicInteger stops = new AtomicInteger();

    @Test
    void aClassAndItsNestedClassesStartTheServersOnceAndStopThemOnce() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Probe.class)).execute().testEvents();

        tests.assertStatistics(stats -> stats.started(3).succeeded(3));
        assertThat(starts).as("starts").hasValue(1);
        assertThat(stops).as("stops").hasValue(1);
    }

    /** Each test checks that the servers were started once and are not stopped yet. */
    static class Probe {
        @RegisterExtension
        static final ServersPerClass servers = new ServersPerClass() {
            @Override
            public void startServers() {
                starts.incrementAndGet();
            }

            @Override
            public void stopServers() {
                stops.incrementAndGet();
            }
        };

        @Test
        void theClassFindsThemRunning() {
            assertStartedOnceAndRunning();
        }

        @Nested
        class First {
            @Test
            void aNestedClassSharesThem() {
                assertStartedOnceAndRunning();
            }
        }

        @Nested
        class Second {
            @Test
            void theOtherNestedClassFindsThemRunning() {
                assertStartedOnceAndRunning();
            }
        }

        private static void assertStartedOnceAndRunning() {
            assertThat(starts).as("starts").hasValue(1);
            assertThat(stops).as("stops").hasValue(0);
        }
    }
}
