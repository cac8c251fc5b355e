package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A class and its nested classes share one start of the servers, which no nested class's end stops. */
class ServersPerClassTest {
    private static final AtomicInteger starts = new AtomicInteger();
    private static final AtomicInteger stops = new AtomicInteger();

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
    void theClassStartsThemOnce() {
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
