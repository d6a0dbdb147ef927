package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlitePresenceTableTest {

    private static final Instant T0 = Instant.parse("2026-12-03T19:00:00Z");

    @TempDir
    Path dir;

    @Test
    void fresh_rows_of_several_proxies_are_summed_and_stale_ones_do_not_count() {
        try (SqliteRouteStore store = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            assertEquals(1, store.publishPresence("p1", Map.of("w1", new OpenCounts(3, 1, 2)), T0));
            store.publishPresence("p2", Map.of("w1", new OpenCounts(1, 1, 0), "w2", new OpenCounts(1, 0, 0)), T0);
            assertEquals(new OpenCounts(4, 2, 2), store.openCounts("w1", T0));
            assertEquals(new OpenCounts(1, 0, 0), store.openCounts("w2", T0));
            assertEquals(OpenCounts.NONE, store.openCounts("w3", T0));

            // p1 refreshes its rows without any change; p2 falls silent and stops counting.
            Instant later = T0.plus(PresenceReader.FRESH_FOR);
            assertEquals(1, store.publishPresence("p1", Map.of(), later));
            assertEquals(new OpenCounts(3, 1, 2), store.openCounts("w1", later.minus(PresenceReader.FRESH_FOR)
                    .plusMillis(1)));
        }
    }

    @Test
    void an_empty_count_deletes_the_row_and_withdrawing_deletes_only_that_proxys_rows() {
        try (SqliteRouteStore store = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            store.publishPresence("p1", Map.of("w1", new OpenCounts(1, 1, 0), "w2", new OpenCounts(2, 0, 1)), T0);
            store.publishPresence("p2", Map.of("w1", new OpenCounts(1, 0, 0)), T0);
            assertEquals(1, store.publishPresence("p1", Map.of("w1", OpenCounts.NONE), T0));
            assertEquals(new OpenCounts(1, 0, 0), store.openCounts("w1", T0));
            store.withdrawPresence("p1");
            assertEquals(OpenCounts.NONE, store.openCounts("w2", T0));
            assertEquals(new OpenCounts(1, 0, 0), store.openCounts("w1", T0), "p2's row stays");
        }
    }

    @Test
    void pruning_deletes_rows_of_a_killed_proxy_long_after_they_stopped_counting() {
        try (SqliteRouteStore store = SqliteRouteStore.open(dir.resolve("routes.db"))) {
            store.publishPresence("killed", Map.of("w1", new OpenCounts(1, 1, 1)), T0);
            store.pruneExpired(T0.plusSeconds(60));
            assertEquals(new OpenCounts(1, 1, 1), store.openCounts("w1", T0), "kept for a look by hand");
            store.pruneExpired(T0.plusSeconds(2 * 3600));
            assertEquals(OpenCounts.NONE, store.openCounts("w1", T0));
        }
    }

    @Test
    void a_version_4_store_gains_the_presence_table_and_keeps_its_workspaces() throws Exception {
        Path file = dir.resolve("v4.db");
        try (SqliteRouteStore store = SqliteRouteStore.open(file)) {
            store.insert(new WorkspaceRecord("w1", "alice", "main", "main.alice.x", null, WorkspaceState.STOPPED,
                    null, T0, T0));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate("DROP TABLE workspace_presence");
            s.executeUpdate("PRAGMA user_version = 4");
        }
        try (SqliteRouteStore store = SqliteRouteStore.open(file)) {
            assertEquals(1, store.listAll().size());
            store.publishPresence("p1", Map.of("w1", new OpenCounts(1, 0, 0)), T0);
            assertEquals(new OpenCounts(1, 0, 0), store.openCounts("w1", T0));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            assertEquals(SqliteSchema.VERSION, rs.getInt(1));
            assertTrue(SqliteSchema.VERSION >= 5);
        }
    }
}
