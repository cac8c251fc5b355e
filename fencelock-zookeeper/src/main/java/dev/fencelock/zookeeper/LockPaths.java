package dev.fencelock.zookeeper;

import java.util.Objects;

/**
 * Where a lock lives in ZooKeeper: {@code <root>/<name>}, the name escaped so that any lock name
 * is one path segment that ZooKeeper accepts ({@code /} would make a hierarchy, and ZooKeeper
 * refuses control characters, surrogates, the private-use area and the specials block, and the
 * segments {@code .} and {@code ..}). Each of them, and {@code %} itself, becomes {@code %} and four hex
 * digits of its UTF-16 unit; every other character stays as it is, so that a Curator recipe finds
 * the lock {@code orders:42} at {@code /fencelock/orders:42}.
 */
final class LockPaths {
    private LockPaths() {}

    /** The path of the lock {@code name} under {@code root}. */
    static String lockPath(String root, String name) {
        return root + "/" + escape(name);
    }

    static String escape(String name) {
        if (name.equals(".") || name.equals("..")) {
            return name.replace(".", "%002E");
        }
        StringBuilder escaped = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' || c == '/' || isRefusedByZooKeeper(c)) {
                escaped.append('%').append(String.format("%04X", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** The lock name of a child of the root, or null when the child is not an escaped name (someone else's node). */
    static String unescape(String segment) {
        StringBuilder name = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c != '%') {
                name.append(c);
                continue;
            }
            if (i + 5 > segment.length()) {
                return null;
            }
            try {
                name.append((char) Integer.parseInt(segment.substring(i + 1, i + 5), 16));
            } catch (NumberFormatException e) {
                return null;
            }
            i += 4;
        }
        return name.toString();
    }

    /** ZooKeeper's own path rule (PathUtils.validatePath) for one character. */
    private static boolean isRefusedByZooKeeper(char c) {
        return c <= '\u001f'
                || c >= '\u007f' && c <= '\u009f'
                || c >= '\ud800' && c <= '\uf8ff'
                || c >= '\ufff0';
    }

    /**
     * Checks an absolute path given as an option (the root of the locks, a chroot).
     *
     * @throws IllegalArgumentException naming {@code argument}, what is allowed, and the value
     */
    static String checkRoot(String path, String argument) {
        Objects.requireNonNull(path, argument);
        String allowed = argument + " must be an absolute ZooKeeper path of 2 to " + ZooKeeperLockOptions.MAX_ROOT_PATH_LENGTH
                + " characters, not ending with '/', without empty, '.' or '..' segments or characters"
                + " ZooKeeper refuses, was '" + path + "'";
        if (path.length() < 2 || path.length() > ZooKeeperLockOptions.MAX_ROOT_PATH_LENGTH
                || path.charAt(0) != '/' || path.endsWith("/")) {
            throw new IllegalArgumentException(allowed);
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")
                    || segment.chars().anyMatch(c -> isRefusedByZooKeeper((char) c))) {
                throw new IllegalArgumentException(allowed);
            }
        }
        return path;
    }
}
