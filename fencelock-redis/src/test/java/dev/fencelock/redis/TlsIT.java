package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.testkit.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} URIs reach a TLS-only port. Reported as skipped, with the reason, when the
 * machine has no openssl to make a certificate or the redis-server was built without TLS.
 */
class TlsIT {

    @Test
    void locksWorkOverTlsAndAnUntrustedCertificateIsRefused(@TempDir Path dir) throws Exception {
        makeSelfSignedCertificate(dir);
        int tlsPort = freePort();
        RedisServer redis;
        try {
            redis = RedisServer.builder().args(
                    "--tls-port", Integer.toString(tlsPort),
                    "--tls-cert-file", dir.resolve("cert.pem").toString(),
                    "--tls-key-file", dir.resolve("key.pem").toString(),
                    "--tls-ca-cert-file", dir.resolve("cert.pem").toString(),
                    "--tls-auth-clients", "no").start();
        } catch (IllegalStateException e) {
            assumeTrue(false, "this redis-server cannot serve TLS: " + e.getMessage());
            return;
        }
        try (redis) {
            String uri = "rediss://127.0.0.1:" + tlsPort;
            assertThatThrownBy(() -> RedisLocks.connect(uri))
                    .as("the self-signed certificate is not trusted by default")
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessageStartingWith("cannot connect to Redis at 127.0.0.1:" + tlsPort + " (TLS)");

            try (LockClient locks = RedisLocks.connect(uri + "?verifyPeer=NONE");
                    Lease lease = locks.lock("tls").acquire(Duration.ZERO)) {
                assertThat(lease.fencingToken()).isPositive();
                assertThat(redis.call("EXISTS", "fencelock:{tls}")).isEqualTo(1L);
            }
            assertThat(redis.call("EXISTS", "fencelock:{tls}")).isEqualTo(0L);
        }
    }

    private static void makeSelfSignedCertificate(Path dir) throws IOException, InterruptedException {
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "openssl is not installed; the TLS test needs it to make a certificate");
            return;
        }
        assumeTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0,
                "openssl could not make a certificate; see " + dir.resolve("openssl.log"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
