package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockKind;
import java.util.Comparator;
import java.util.List;

/**
 * The nodes under one lock's path and who of them holds it: Curator's layout, so that Curator's
 * recipes and Fencelock exclude each other on the same path.
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

    private LockNodes() {}

    /** What the node of an acquisition of {@code kind} is called, before the parent appends its sequence. */
    static String prefix(LockKind kind) {
        return kind == LockKind.READ ? READ : EXCLUSIVE;
    }

    /** The participants among {@code children}, in the order of their sequence. */
    static List<String> ordered(List<String> children) {
        return children.stream().filter(LockNodes::isParticipant)
                .sorted(Comparator.comparingLong(LockNodes::sequence).thenComparing(Comparator.naturalOrder()))
                .toList();
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
        return node.length() > SEQUENCE_DIGITS && sequenceDigits(node).chars().allMatch(Character::isDigit);
    }

    private static long sequence(String node) {
        return Long.parseLong(sequenceDigits(node));
    }

    private static String sequenceDigits(String node) {
        return node.substring(node.length() - SEQUENCE_DIGITS);
    }
}
