package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shows that two processes share one store file: one writes records, the other reads routes. */
class SqliteRouteStoreTwoProcessIT {

    @TempDir
    Path tmp;

    @Test
    void another_process_sees_routes_appear_and_disappear_and_its_activity_is_seen_here() throws Exception {
        Path file = tmp.resolve("routes.db");
        String host = "main.alice.codermon.internal";
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        try (SqlRouteStore writer = SqlRouteStore.openSqlite(file)) {
            Process reader = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), StoreReaderProcess.class.getName(),
                    file.toString(), host)
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("opened", out.readLine());
                WorkspaceRecord r = new WorkspaceRecord("w1", "alice", "main", host, "/run/codermon/ws/w1/cs.sock",
                        WorkspaceState.RUNNING, null, t0, t0);
                writer.insert(r);
                assertEquals("route alice /run/codermon/ws/w1/cs.sock", out.readLine());
                assertEquals("activity recorded", out.readLine());
                assertEquals(Instant.parse("2030-01-01T00:00:00Z"),
                        writer.find("w1").orElseThrow().lastActivityAt());
                writer.update(r.withState(WorkspaceState.STOPPED));
                assertEquals("route gone", out.readLine());
                assertTrue(reader.waitFor(10, TimeUnit.SECONDS));
                assertEquals(0, reader.exitValue());
            } finally {
                reader.destroyForcibly();
            }
        }
    }
}
