package dev.fencelock.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of a ZooKeeper server that can swallow the server's replies on the
 * connections open now and then cut them: a request the ensemble applied but whose answer never
 * came, as when a member fails right after a write. Connections opened later pass everything.
 */
final class ReplyHoldingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    private ReplyHoldingProxy(String target) throws IOException {
        int colon = target.lastIndexOf(':');
        this.targetHost = target.substring(0, colon);
        this.targetPort = Integer.parseInt(target.substring(colon + 1));
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("proxy-accept", this::accept);
    }

    /** A proxy to {@code target} ({@code host:port}), listening on a free loopback port. */
    static ReplyHoldingProxy to(String target) {
        try {
            return new ReplyHoldingProxy(target);
        } catch (IOException e) {
            throw new UncheckedIOException("starting a proxy to " + target + " failed", e);
        }
    }

    String connectString() {
        return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
    }

    /** From now on, the server's replies on the connections open now are dropped. */
    void holdReplies() {
        open.forEach(connection -> connection.holding = true);
    }

    /** Closes the connections open now: their clients reconnect, through this proxy, to the same server. */
    void cutConnections() {
        open.forEach(Connection::close);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cutConnections();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server;
                try {
                    server = new Socket(targetHost, targetPort);
                } catch (IOException refused) {
                    closeQuietly(client);
                    continue;
                }
                Connection connection = new Connection(client, server);
                open.add(connection);
                daemon("proxy-requests", () -> connection.pump(client, connection.server, false));
                daemon("proxy-replies", () -> connection.pump(connection.server, client, true));
            } catch (IOException closed) {
                // The proxy is closed: the loop ends.
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing to do for a socket that cannot even close.
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private final class Connection {
        final Socket client;
        final Socket server;
        volatile boolean holding;

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void pump(Socket from, Socket to, boolean replies) {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    if (!(replies && holding)) {
                        out.write(buffer, 0, read);
                    }
                }
            } catch (IOException closed) {
                // Either side went away: the connection ends.
            } finally {
                close();
            }
        }

        void close() {
            open.remove(this);
            closeQuietly(client);
            closeQuietly(server);
        }
    }
}
