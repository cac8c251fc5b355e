package dev.fencelock.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * A command for {@code fencelock run} that says "interrupted" for each SIGINT it receives, and
 * exits 130 three seconds after the first: time for a second one, forwarded, to arrive on a loaded
 * machine.
 * The JVM dispatches every delivered signal, where a shell's trap may merge two.
 */
final class InterruptCounter {
    static final String READY = "counting interrupts";
    static final String INTERRUPTED = "interrupted";
    private static final long AFTER_FIRST_MILLIS = 3000;

    private InterruptCounter() {}

    public static void main(String[] args) throws InterruptedException {
        AtomicInteger received = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), signal -> {
            System.out.println(INTERRUPTED + " " + received.incrementAndGet());
            first.countDown();
        });
        System.out.println(READY);
        first.await();
        Thread.sleep(AFTER_FIRST_MILLIS);
        System.exit(130);
    }
}
