package dev.fencelock.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server's CPU time is all its threads', ended ones included: a ZooKeeper server answers on threads other than its main one. */
class ProcessCpuTest {
    private static final long SPIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void countsTheCpuOfEveryThreadOfAServer() throws Exception {
        assumeTrue(ProcessCpu.readsServers(), "needs Linux's /proc to read a process's CPU time");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Spinner.class.getName())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            long spun = Long.parseLong(out.readLine().strip());

            ProcessCpu.Sample sample = ProcessCpu.of(server.pid()).sample();

            // Less one clock tick of 10 ms, the resolution of /proc/<pid>/stat.
            assertThat(sample.serverNanos()).hasValueSatisfying(nanos -> assertThat(nanos)
                    .isGreaterThanOrEqualTo(spun - TimeUnit.MILLISECONDS.toNanos(10)));
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    /** Spends a second of CPU on a thread other than main that then ends, says how much, and waits for the test to end it. */
    static final class Spinner {
        public static void main(String[] args) throws Exception {
            long[] spun = new long[1];
            Thread worker = new Thread(() -> {
                var threads = ManagementFactory.getThreadMXBean();
                while (threads.getCurrentThreadCpuTime() < SPIN_NANOS) {
                    Thread.onSpinWait();
                }
                spun[0] = threads.getCurrentThreadCpuTime();
            });
            worker.start();
            worker.join();
            System.out.println(spun[0]);
            System.out.flush();
            // Until the test ends it, or its own end closes this input.
            System.in.read();
        }
    }
}
