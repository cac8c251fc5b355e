package dev.fencelock.verify;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of a history: something a client process or the nemesis did or saw, stamped with the
 * machine's monotonic clock ({@code System.nanoTime()}, which on Linux is CLOCK_MONOTONIC and so
 * comparable across the processes of one boot) and the wall clock, for people.
 *
 * <p>A history line is tab-separated: {@code mono wall process lease type op token value detail},
 * where {@code process} is {@code c1}…{@code cK}, {@code nemesis}, or {@code queue} (the fair
 * queue's observer), {@code lease} numbers the
 * client's acquisitions, {@code token} and {@code value} are -1 when they do not apply, and
 * {@code detail} is {@code key=value} pairs separated by spaces.
 *
 * @param mono monotonic time in nanoseconds
 * @param wall wall-clock time in milliseconds since the epoch
 * @param process the client ({@code c3}), {@code nemesis} or {@code queue}
 * @param lease the client's acquisition number (from 1), 0 for the nemesis
 * @param type what kind of event
 * @param op the operation
 * @param token the fencing token, or -1
 * @param value the counter value read or written, or -1
 * @param detail {@code key=value} pairs, never a tab or a newline
 */
record Event(long mono, long wall, String process, long lease, Type type, Op op, long token, long value, String detail) {

    /** The kind of an event, as in Jepsen's histories, plus the lost signal and the fault markers. */
    enum Type {
        /** An operation begins. */
        INVOKE,
        /** It succeeded. */
        OK,
        /** It failed, and had no effect (a rejected fenced write, a lock not acquired in time). */
        FAIL,
        /** Its outcome is unknown (a timeout): it may or may not have taken effect. */
        INFO,
        /** The library told the holder its lease was lost. */
        SIGNAL,
        /** A fault begins, or the run's measurement window opens. */
        START,
        /** A fault is healed, or the run's measurement window closes. */
        END
    }

    /**
     * What was done. A reader of a read-write lock does {@code READ}s instead of a claim and a
     * write. {@code JOIN}, {@code DROP}, {@code GRANT} and {@code RESET} are what the fair queue's
     * observer saw on the server ({@link FairQueueMonitor}).
     */
    enum Op {
        ACQUIRE, CLAIM, READ, WRITE, RELEASE, LOST, FAULT, RUN, JOIN, DROP, GRANT, RESET
    }

    static final long NONE = -1;

    Event {
        if (detail.indexOf('\t') >= 0 || detail.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("detail must not contain a tab or a newline: " + detail);
        }
    }

    /** Identifies a client's acquisition across its events and in the resource's log: {@code c3/17}. */
    String leaseId() {
        return process + "/" + lease;
    }

    boolean is(Type type, Op op) {
        return this.type == type && this.op == op;
    }

    /** The value of {@code key} in the detail, or null. */
    String detail(String key) {
        return details().get(key);
    }

    Map<String, String> details() {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : detail.split(" ")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return pairs;
    }

    String format() {
        return mono + "\t" + wall + "\t" + process + "\t" + lease + "\t" + type.name().toLowerCase() + "\t"
                + op.name().toLowerCase() + "\t" + token + "\t" + value + "\t" + detail;
    }

    static Event parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 9) {
            throw new IllegalArgumentException("a history line has 9 tab-separated fields, this one " + f.length + ": " + line);
        }
        return new Event(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], Long.parseLong(f[3]),
                Type.valueOf(f[4].toUpperCase()), Op.valueOf(f[5].toUpperCase()),
                Long.parseLong(f[6]), Long.parseLong(f[7]), f[8]);
    }
}
