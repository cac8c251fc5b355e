package dev.fencelock.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/**
 * A ZooKeeper server for {@code fencelock demo --zookeeper} when none is given: ZooKeeper's own
 * embedded server, standalone, in this JVM, on a free port of 127.0.0.1, its data in a temporary
 * directory deleted when it stops. Its tick is short, so that the demo's three-second sessions are
 * allowed.
 */
final class DemoZooKeeper implements AutoCloseable {
    private static final int TICK_MILLIS = 200;

    private final ZooKeeperServerEmbedded server;
    private final Path directory;
    private final String connectString;

    private DemoZooKeeper(ZooKeeperServerEmbedded server, Path directory, String connectString) {
        this.server = server;
        this.directory = directory;
        this.connectString = connectString;
    }

    static DemoZooKeeper start() throws Exception {
        Path directory = Files.createTempDirectory("fencelock-demo-zookeeper");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Properties configuration = new Properties();
        configuration.setProperty("clientPort", Integer.toString(port));
        configuration.setProperty("clientPortAddress", "127.0.0.1");
        configuration.setProperty("tickTime", Integer.toString(TICK_MILLIS));
        configuration.setProperty("dataDir", directory.resolve("data").toString());
        // No admin web server (it needs Jetty), no metrics (the default provider needs Dropwizard
        // Metrics), and no fsync: the demo's data lives for one run.
        configuration.setProperty("admin.enableServer", "false");
        configuration.setProperty("metricsProvider.className", "org.apache.zookeeper.metrics.impl.NullMetricsProvider");
        configuration.setProperty("forceSync", "no");
        ZooKeeperServerEmbedded server = ZooKeeperServerEmbedded.builder()
                .baseDir(directory)
                .configuration(configuration)
                .exitHandler(ExitHandler.LOG_ONLY)
                .build();
        server.start();
        return new DemoZooKeeper(server, directory, "127.0.0.1:" + port);
    }

    String connectString() {
        return connectString;
    }

    @Override
    public void close() {
        server.close();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + directory + " failed", e);
        }
    }
}
