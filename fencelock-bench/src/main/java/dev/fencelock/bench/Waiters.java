package dev.fencelock.bench;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Scenarios 6 and 7: many threads wait for one lock (plain in 6, fair in 7) that another client
 * holds; the holder releases it and every waiter takes it in turn, once or a few times. Counts what
 * the clients sent the server per hand-off ({@link ServerRequests}): on Redis, commands, exactly
 * (from MONITOR): about 2 (one acquire, one release) when a release wakes one waiter, more when each
 * waiter polls or every release wakes many (a thundering herd); on ZooKeeper, packets received
 * (requests and pings). Also times each hand-off, from the start of a release to the return of
 * the acquisition of a thread that was already waiting, with MONITOR attached on Redis (it costs
 * the server a little time per command, a script's inner commands included, on either system).
 *
 * <p>The waiters are the threads of one client (one process), or spread over several clients
 * (several processes: a release is announced to each of them). Every system once per round,
 * medians over the rounds.
 */
final class Waiters {
    /** Virtual threads on JDK 21+ (found by reflection: this module compiles for Java 17), else null. */
    private static final Function<Runnable, Thread> VIRTUAL = virtualThreads();
    private static final long QUIET_POLL_MILLIS = 200;
    private static final long MAX_SETTLE_MILLIS = 30_000;

    private final Settings settings;
    private final Supplier<ServerRequests> requests;

    /** {@code requests} opens the count of what the clients send to the server the systems lock on. */
    Waiters(Settings settings, Supplier<ServerRequests> requests) {
        this.settings = settings;
        this.requests = requests;
    }

    /** "virtual" or "platform": the threads that wait. */
    static String threadKind() {
        return VIRTUAL != null ? "virtual" : "platform";
    }

    /** The clients of one system: one that holds the lock first, and those whose threads wait. */
    private record Clients(String name, BenchSystem holder, List<BenchSystem> waiters) implements AutoCloseable {
        @Override
        public void close() {
            holder.close();
            for (BenchSystem waiter : waiters) {
                waiter.close();
            }
        }
    }

    /** Measures the systems named in {@code steps}, each opened by {@code open} as often as it needs clients. */
    List<Result> measure(int scenario, List<Settings.WaiterStep> steps, List<String> systems,
            Function<String, BenchSystem> open) throws Exception {
        int maxClients = steps.stream().mapToInt(Settings.WaiterStep::clients).max().orElse(1);
        List<Clients> clients = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try (ServerRequests monitor = requests.get()) {
            for (String system : systems) {
                BenchSystem holder = open.apply(system);
                List<BenchSystem> waiters = new ArrayList<>();
                clients.add(new Clients(system, holder, waiters));
                for (int i = 0; i < maxClients; i++) {
                    waiters.add(open.apply(system));
                }
            }
            for (Settings.WaiterStep step : steps) {
                Map<String, List<Map<String, Double>>> rounds = new LinkedHashMap<>();
                Map<String, Map<String, Long>> breakdowns = new LinkedHashMap<>();
                clients.forEach(system -> rounds.put(system.name(), new ArrayList<>()));
                for (int round = 0; round < settings.rounds(); round++) {
                    for (int i = 0; i < clients.size(); i++) {
                        Clients system = clients.get((round + i) % clients.size());
                        System.gc();
                        Map<String, Long> commands = new LinkedHashMap<>();
                        rounds.get(system.name()).add(handoffs(system, step, monitor, commands));
                        breakdowns.put(system.name(), commands);
                    }
                }
                rounds.forEach((system, figures) -> {
                    Map<String, Object> extra = new LinkedHashMap<>();
                    extra.put("waiters", step.waiters());
                    extra.put("clients", step.clients());
                    extra.put("turns", step.turns());
                    extra.put("threads", threadKind());
                    extra.put("client_commands_last_round", breakdowns.get(system));
                    results.add(Result.median(scenario, system, figures, extra));
                });
            }
        } finally {
            for (Clients system : clients) {
                system.close();
            }
        }
        return results;
    }

    private Map<String, Double> handoffs(Clients system, Settings.WaiterStep step, ServerRequests monitor,
            Map<String, Long> commandsOut) throws Exception {
        int waiters = step.waiters();
        BenchLock holder = system.holder().lock("herd");
        holder.lock();
        CountDownLatch started = new CountDownLatch(waiters);
        CountDownLatch done = new CountDownLatch(waiters);
        AtomicReference<Exception> failure = new AtomicReference<>();
        // Written by each holder just before it releases, read by the next one: see LockLoop.
        AtomicLong releaseStartedAt = new AtomicLong(Long.MIN_VALUE);
        LatencyRecorder handoffLatencies = new LatencyRecorder(); // guarded by itself
        for (int i = 0; i < waiters; i++) {
            BenchLock lock = system.waiters().get(i % step.clients()).lock("herd");
            Runnable waiter = () -> {
                started.countDown();
                try {
                    for (int turn = 0; turn < step.turns(); turn++) {
                        long start = System.nanoTime();
                        lock.lock();
                        long acquired = System.nanoTime();
                        long released = releaseStartedAt.get();
                        if (released - start > 0) {
                            synchronized (handoffLatencies) {
                                handoffLatencies.record(acquired - released);
                            }
                        }
                        releaseStartedAt.set(System.nanoTime());
                        lock.unlock();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            };
            Thread thread = VIRTUAL != null ? VIRTUAL.apply(waiter) : new Thread(waiter, system.name() + "-waiter-" + i);
            thread.start();
        }
        started.await();
        awaitQuiet(monitor); // every waiter has made its first try and now waits
        String from = monitor.mark();
        long start = System.nanoTime();
        releaseStartedAt.set(start);
        holder.unlock();
        if (!done.await(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException(system.name() + ": " + done.getCount() + " of " + waiters
                    + " waiters did not finish their turns within 2 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException(system.name() + ": a waiter failed", failure.get());
        }
        Map<String, Long> commands = monitor.since(from);
        commandsOut.putAll(commands);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("commands_per_handoff", commands.values().stream().mapToLong(Long::longValue).sum() / (double) step.handoffs());
        figures.put("handoffs_per_s", step.handoffs() / seconds);
        synchronized (handoffLatencies) {
            figures.put("handoff_p50_us", handoffLatencies.percentileMicros(0.50));
            figures.put("handoff_p99_us", handoffLatencies.percentileMicros(0.99));
        }
        return figures;
    }

    /** Waits until the clients have sent nothing for a poll interval. */
    private static void awaitQuiet(ServerRequests monitor) throws InterruptedException {
        long last = -1;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_SETTLE_MILLIS);
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(QUIET_POLL_MILLIS);
            long now = monitor.total();
            if (now == last) {
                return;
            }
            last = now;
        }
        throw new IllegalStateException("the waiters kept sending commands for " + MAX_SETTLE_MILLIS + " ms");
    }

    private static Function<Runnable, Thread> virtualThreads() {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Method unstarted = Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class);
            return runnable -> {
                try {
                    return (Thread) unstarted.invoke(builder, runnable);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot start a virtual thread", e);
                }
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // JDK 17 to 20: no (final) virtual threads
        }
    }
}
