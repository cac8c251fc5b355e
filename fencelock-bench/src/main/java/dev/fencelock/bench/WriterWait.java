package dev.fencelock.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Scenario 9: how long a writer waits while readers keep coming. {@link Settings#readers()}
 * threads take the read lock in a loop, each holding it for {@link #HOLD}, so that the readers'
 * holds overlap and the lock is rarely free of readers; one writer takes the write lock again and
 * again, a {@link #WRITER_PAUSE} apart, and each wait is timed. A lock that prefers writers holds
 * new readers back once the writer waits, so the wait is about one reader hold; one that does not
 * lets the writer wait until the readers happen to leave all at once, which may be never. The
 * writer therefore gives up after {@link Settings#writerCap()}: such a wait is recorded at its
 * length and counted as timed out. Readers wait at most as long, so nothing hangs.
 *
 * <p>Every system once per round, in turn; each figure is the median over the rounds, and the
 * counts of attempts and time-outs are also summed over all rounds.
 */
final class WriterWait {
    /** How long a reader or the writer holds the lock: a short critical section. */
    static final Duration HOLD = Duration.ofMillis(1);
    /** Between two attempts of the writer, so that the readers run between writes. */
    static final Duration WRITER_PAUSE = Duration.ofMillis(10);

    private final Settings settings;

    WriterWait(Settings settings) {
        this.settings = settings;
    }

    List<Result> measure(List<ReadWriteSystem> systems) throws Exception {
        Map<String, List<Map<String, Double>>> rounds = new LinkedHashMap<>();
        systems.forEach(system -> rounds.put(system.name(), new ArrayList<>()));
        for (int round = 0; round < settings.rounds(); round++) {
            for (int i = 0; i < systems.size(); i++) {
                ReadWriteSystem system = systems.get((round + i) % systems.size());
                System.gc();
                rounds.get(system.name()).add(round(system));
            }
        }
        List<Result> results = new ArrayList<>();
        rounds.forEach((system, figures) -> {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("readers", settings.readers());
            extra.put("hold_ms", HOLD.toMillis());
            extra.put("cap_ms", settings.writerCap().toMillis());
            extra.put("writer_attempts_total", sum(figures, "writer_attempts"));
            extra.put("writer_timeouts_total", sum(figures, "writer_timeouts"));
            extra.put("reader_timeouts_total", sum(figures, "reader_timeouts"));
            results.add(Result.median(9, system, figures, extra));
        });
        return results;
    }

    private static long sum(List<Map<String, Double>> rounds, String figure) {
        return Math.round(rounds.stream().mapToDouble(round -> round.get(figure)).sum());
    }

    private Map<String, Double> round(ReadWriteSystem system) throws Exception {
        ReadWriteLock lock = system.locks().apply("bench:writer-wait");
        long capNanos = settings.writerCap().toNanos();
        Lock writer = lock.writeLock();
        // Scripts loaded and connections open before anything is timed.
        if (!writer.tryLock(capNanos, TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException(system.name() + ": the write lock was not free before the readers started");
        }
        writer.unlock();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch everyReaderIn = new CountDownLatch(settings.readers());
        LongAdder reads = new LongAdder();
        LongAdder readerTimeouts = new LongAdder();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < settings.readers(); r++) {
            Lock reader = lock.readLock();
            Thread thread = new Thread(() -> {
                boolean counted = false;
                try {
                    while (!stop.get()) {
                        if (!reader.tryLock(capNanos, TimeUnit.NANOSECONDS)) {
                            readerTimeouts.increment();
                            continue;
                        }
                        try {
                            if (!counted) {
                                everyReaderIn.countDown();
                                counted = true;
                            }
                            LockSupport.parkNanos(HOLD.toNanos());
                        } finally {
                            reader.unlock();
                        }
                        reads.increment();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                } finally {
                    if (!counted) {
                        everyReaderIn.countDown();
                    }
                }
            }, system.name() + "-reader-" + r);
            readers.add(thread);
            thread.start();
        }

        LatencyRecorder waits = new LatencyRecorder();
        long timeouts = 0;
        double seconds;
        long readCount;
        try {
            everyReaderIn.await();
            long readsBefore = reads.sum();
            long start = System.nanoTime();
            long end = start + settings.measure().toNanos();
            while (System.nanoTime() - end < 0 && failure.get() == null) {
                long asked = System.nanoTime();
                boolean granted = writer.tryLock(capNanos, TimeUnit.NANOSECONDS);
                waits.record(System.nanoTime() - asked);
                if (granted) {
                    LockSupport.parkNanos(HOLD.toNanos());
                    writer.unlock();
                } else {
                    timeouts++;
                }
                LockSupport.parkNanos(WRITER_PAUSE.toNanos());
            }
            seconds = (System.nanoTime() - start) / 1e9;
            readCount = reads.sum() - readsBefore;
        } finally {
            stop.set(true);
            for (Thread thread : readers) {
                thread.join();
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException(system.name() + ": a reader failed", failure.get());
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("writer_attempts", (double) waits.count());
        figures.put("writer_timeouts", (double) timeouts);
        figures.put("writer_wait_p50_us", waits.percentileMicros(0.50));
        figures.put("writer_wait_p99_us", waits.percentileMicros(0.99));
        figures.put("writer_wait_max_us", waits.percentileMicros(1.0));
        figures.put("reader_ops_per_s", readCount / seconds);
        figures.put("reader_timeouts", (double) readerTimeouts.sum());
        return figures;
    }
}
