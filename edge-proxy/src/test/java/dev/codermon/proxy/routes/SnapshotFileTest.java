package dev.codermon.proxy.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {

    @TempDir
    Path dir;

    @Test
    void a_snapshot_reads_back_as_written_and_only_its_owner_can_read_it() throws IOException {
        SnapshotFile file = new SnapshotFile(dir.resolve("proxy/5000/routes-snapshot.json"));
        RouteSnapshot written = new RouteSnapshot(42,
                Map.of("main.alice.codermon.internal", new Route("ws-a", "alice", "main.alice.codermon.internal",
                                "/run/codermon/ws-a/cs.sock"),
                        "main.bob.codermon.internal", new Route("ws-b", "bob", "main.bob.codermon.internal",
                                "/run/codermon/ws-b/cs.sock", "node-2")),
                Map.of("carol", Instant.parse("2026-12-03T21:00:00Z"),
                        "token:abc", Instant.parse("2026-12-04T21:00:00.123Z")));
        Instant savedAt = Instant.parse("2026-12-03T21:30:00Z");
        file.write(written, savedAt);
        file.write(written, savedAt); // replaces, leaving no temporary file behind

        SnapshotFile.Saved read = file.read().orElseThrow();
        assertEquals(written, read.snapshot());
        assertEquals(savedAt, read.savedAt());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path().getParent())));
        try (var files = Files.list(file.path().getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void no_file_is_no_snapshot() throws IOException {
        assertTrue(new SnapshotFile(dir.resolve("none.json")).read().isEmpty());
    }

    @Test
    void damaged_or_foreign_files_are_refused() throws IOException {
        SnapshotFile file = new SnapshotFile(dir.resolve("routes-snapshot.json"));
        for (String content : new String[] {"", "garbage", "{\"format\":1,\"version\":3,\"routes\":[",
                "{\"format\":2,\"version\":3,\"savedAt\":\"2026-12-03T21:30:00Z\",\"routes\":[],\"revocations\":{}}",
                "{\"format\":1,\"version\":3,\"savedAt\":\"yesterday\",\"routes\":[],\"revocations\":{}}",
                "{\"format\":1,\"version\":3,\"savedAt\":\"2026-12-03T21:30:00Z\",\"routes\":[{\"user\":\"a\"}],"
                        + "\"revocations\":{}}"}) {
            Files.writeString(file.path(), content);
            assertThrows(IOException.class, file::read, content);
        }
    }
}
