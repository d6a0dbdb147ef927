package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probes stand-in servers on real unix sockets. */
class HealthProbeTest {

    @TempDir
    Path dir;

    @Test
    void a_socket_answering_200_is_healthy_and_other_statuses_are_not() throws Exception {
        try (UnixHttpServer ok = UnixHttpServer.answering(dir.resolve("ok.sock"), 200);
                UnixHttpServer failing = UnixHttpServer.answering(dir.resolve("bad.sock"), 503)) {
            assertTrue(new HealthProbe().isHealthy(ok.path().toString()));
            assertFalse(new HealthProbe().isHealthy(failing.path().toString()));
        }
    }

    @Test
    void a_symbolic_link_to_a_healthy_socket_is_never_followed() throws Exception {
        try (UnixHttpServer ok = UnixHttpServer.answering(dir.resolve("ok.sock"), 200)) {
            Path link = Files.createSymbolicLink(dir.resolve("link.sock"), ok.path());
            assertFalse(new HealthProbe().isHealthy(link.toString()));
            assertEquals(0, ok.connections.get(), "the probe connected through the link");
        }
    }

    @Test
    void missing_paths_regular_files_and_no_path_are_not_healthy() throws Exception {
        Path file = Files.writeString(dir.resolve("file.sock"), "HTTP/1.1 200 OK\r\n\r\n");
        HealthProbe probe = new HealthProbe();
        assertFalse(probe.isHealthy(file.toString()));
        assertFalse(probe.isHealthy(dir.resolve("missing.sock").toString()));
        assertFalse(probe.isHealthy(null));
    }

    @Test
    void a_socket_that_never_answers_is_given_up_on_after_the_timeout() throws Exception {
        try (UnixHttpServer silent = UnixHttpServer.silent(dir.resolve("silent.sock"))) {
            long start = System.nanoTime();
            assertFalse(new HealthProbe(Duration.ofMillis(300)).isHealthy(silent.path().toString()));
            long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(tookMs >= 250 && tookMs < 2000, "took " + tookMs + " ms");
        }
    }

    @Test
    void only_a_200_status_line_counts() {
        assertTrue(HealthProbe.isStatus200("HTTP/1.1 200 OK\r\n"));
        assertFalse(HealthProbe.isStatus200("HTTP/1.1 2000 OK\r\n"));
        assertFalse(HealthProbe.isStatus200("HTTP/1.1 200"));
        assertFalse(HealthProbe.isStatus200("SSH-2.0 200\r\n"));
    }
}
