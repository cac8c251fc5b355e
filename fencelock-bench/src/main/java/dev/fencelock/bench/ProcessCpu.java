package dev.fencelock.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU time of the bench's own JVM, where the clients under test run, and of the servers it
 * started, so that a loop can say where a lock+unlock's CPU goes. A loop with many threads on a
 * small machine is bound by the two together, and a change to a client and a change to its
 * scripts move different halves. The servers' time is read from Linux's {@code /proc}; elsewhere
 * there is none.
 */
final class ProcessCpu {
    /** utime's place among the fields after the command name (stime follows it): field 14 of proc(5). */
    private static final int UTIME = 11;
    private static final long NANOS_PER_TICK = 10_000_000;
    private static final OperatingSystemMXBean JVM = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final long[] serverPids;

    private ProcessCpu(long[] serverPids) {
        this.serverPids = serverPids;
    }

    /** The bench's JVM and the server processes {@code serverPids}. */
    static ProcessCpu of(long... serverPids) {
        return new ProcessCpu(serverPids.clone());
    }

    /** Whether a server's CPU time can be read here: it comes from Linux's {@code /proc/<pid>/stat}. */
    static boolean readsServers() {
        return Files.exists(Path.of("/proc/self/stat"));
    }

    /** The CPU time so far, in nanoseconds. */
    Sample sample() {
        long client = JVM.getProcessCpuTime();
        Optional<Long> servers = Arrays.stream(serverPids)
                .mapToObj(ProcessCpu::onCpu)
                .reduce(Optional.of(0L), (sum, one) -> sum.flatMap(total -> one.map(nanos -> total + nanos)));
        return new Sample(client < 0 ? Optional.empty() : Optional.of(client), servers);
    }

    /**
     * A process's CPU time, all its threads' together, those that ended included (a ZooKeeper
     * server answers on threads other than its main one): user and system time from
     * {@code /proc/<pid>/stat}, in clock ticks of 10 ms (Linux's USER_HZ, 100 on every
     * architecture the JDK runs on), a fraction of a per cent of a loop's window.
     */
    private static Optional<Long> onCpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The fields after the command name, which is in parentheses and may hold spaces.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[UTIME]) + Long.parseLong(fields[UTIME + 1]);
            return Optional.of(ticks * NANOS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** CPU nanoseconds of the JVM and of the servers together, each where it could be read. */
    record Sample(Optional<Long> clientNanos, Optional<Long> serverNanos) {
        /**
         * Microseconds of CPU per operation from {@code before} to this sample, as the fields
         * {@code client_cpu_us} and {@code server_cpu_us}, each where both samples have it.
         */
        void perOperationSince(Sample before, long operations, Map<String, Double> figures) {
            clientNanos.flatMap(after -> before.clientNanos.map(start -> after - start))
                    .ifPresent(nanos -> figures.put("client_cpu_us", nanos / 1e3 / operations));
            serverNanos.flatMap(after -> before.serverNanos.map(start -> after - start))
                    .ifPresent(nanos -> figures.put("server_cpu_us", nanos / 1e3 / operations));
        }
    }
}
