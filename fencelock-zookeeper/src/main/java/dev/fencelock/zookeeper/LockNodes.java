package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The nodes under one lock's path and who of them holds it: Curator's layout, so that Curator's
 * mutex and Fencelock's exclusive locks, and Curator's read-write lock and Fencelock's readers,
 * exclude each other on the same path. Not other mixes: each Curator recipe orders only the nodes
 * named as its own by their sequence, and sorts any other after them.
 *
 * <p>Each participant is an ephemeral sequential node. Curator names them
 * {@code _c_<uuid>-lock-<sequence>} ({@code InterProcessMutex}) and {@code _c_<uuid>-__READ__<sequence>} or
 * {@code _c_<uuid>-__WRIT__<sequence>} ({@code InterProcessReadWriteLock}); the {@code _c_<uuid>-} prefix is
 * its "protection", which finds a node again after a create whose reply was lost. Fencelock's
 * exclusive nodes are named as the mutex's, its readers as Curator's readers. All of them are
 * ordered by their ten-digit sequence, which the parent assigns in the order the creates commit:
 * an exclusive node holds the lock when it is first; a reader holds it when no exclusive node is
 * before it. Each waiter watches only the node it waits for, so a release wakes one waiter (or the
 * readers behind one writer), never the whole queue.
 */
final class LockNodes {
    static final String EXCLUSIVE = "lock-";
    static final String READ = "__READ__";
    private static final int SEQUENCE_DIGITS = 10;
    /** By sequence, then by name: a total order, whatever the children. */
    private static final Comparator<Sequenced> BY_SEQUENCE =
            Comparator.comparingLong(Sequenced::sequence).thenComparing(Sequenced::node);

    private LockNodes() {}

    /** What the node of an acquisition of {@code kind} is called, before the parent appends its sequence. */
    static String prefix(LockKind kind) {
        return kind == LockKind.READ ? READ : EXCLUSIVE;
    }

    /**
     * The participants among {@code children}, in the order of their sequence. Each sequence is
     * parsed once, not at every comparison: this runs on ZooKeeper's event thread at every attempt,
     * over every node queued for the lock.
     */
    static List<String> ordered(List<String> children) {
        List<Sequenced> participants = new ArrayList<>(children.size());
        for (String child : children) {
            if (isParticipant(child)) {
                participants.add(new Sequenced(sequence(child), child));
            }
        }
        participants.sort(BY_SEQUENCE);
        List<String> ordered = new ArrayList<>(participants.size());
        for (Sequenced participant : participants) {
            ordered.add(participant.node());
        }
        return Collections.unmodifiableList(ordered);
    }

    static boolean isRead(String node) {
        return node.contains(READ);
    }

    /**
     * The node that {@code ours} waits for, or null when {@code ours} holds the lock.
     *
     * @param ordered the participants, in order, including {@code ours}
     * @param besides a node that a reader does not wait for (the write lease of its own caller,
     *     beside which a downgrade is granted), or null
     */
    static String blocker(LockKind kind, List<String> ordered, String ours, String besides) {
        int index = ordered.indexOf(ours);
        if (index < 0) {
            throw new IllegalArgumentException("node " + ours + " is not among " + ordered);
        }
        if (kind != LockKind.READ) {
            return index == 0 ? null : ordered.get(index - 1);
        }
        for (int i = index - 1; i >= 0; i--) {
            String before = ordered.get(i);
            if (!isRead(before) && !before.equals(besides)) {
                return before;
            }
        }
        return null;
    }

    /** Whether {@code first} is queued before {@code second}; false when {@code first} is not among {@code ordered}. */
    static boolean isBefore(List<String> ordered, String first, String second) {
        int index = ordered.indexOf(first);
        return index >= 0 && index < ordered.indexOf(second);
    }

    /** The nodes that hold the lock now: the first exclusive node, or the readers before any exclusive one. */
    static List<String> holders(List<String> ordered) {
        if (ordered.isEmpty()) {
            return List.of();
        }
        if (!isRead(ordered.get(0))) {
            return List.of(ordered.get(0));
        }
        return ordered.stream().takeWhile(LockNodes::isRead).toList();
    }

    private static boolean isParticipant(String node) {
        if (node.length() <= SEQUENCE_DIGITS) {
            return false;
        }
        for (int i = node.length() - SEQUENCE_DIGITS; i < node.length(); i++) {
            if (!Character.isDigit(node.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static long sequence(String node) {
        return Long.parseLong(sequenceDigits(node));
    }

    private static String sequenceDigits(String node) {
        return node.substring(node.length() - SEQUENCE_DIGITS);
    }

    /** A participant and its parsed sequence, for sorting. */
    private record Sequenced(long sequence, String node) {}
}
