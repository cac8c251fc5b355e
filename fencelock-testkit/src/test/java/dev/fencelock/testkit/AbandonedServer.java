package dev.fencelock.testkit;

/**
 * A program that starts a server and crashes without closing it, for the test that the shutdown
 * hook stops such servers. Prints {@code STARTED <pid> <dir>} first.
 */
final class AbandonedServer {
    private AbandonedServer() {}

    public static void main(String[] args) {
        RedisServer server = RedisServer.start();
        System.out.println("STARTED " + server.pid() + " " + server.dir());
        System.out.flush();
        throw new IllegalStateException("crashing with " + server + " still running, on purpose");
    }
}
