package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shows how the SQLite file is kept: WAL mode, Flyway's history, {@code PRAGMA user_version} for builds
 * before Flyway, and files made by those builds (fixtures of user_version 2, 3 and 7 holding rows) taken
 * over with their rows.
 */
class SqliteSchemaTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int NEWEST_VERSION = 6;

    @TempDir
    Path tmp;

    @Test
    void a_new_file_runs_in_wal_mode_with_flyways_history_and_the_old_numbering() throws Exception {
        Path file = tmp.resolve("routes.db");
        try (SqlRouteStore store = SqlRouteStore.openSqlite(file)) {
            store.insert(RouteStoreContract.record("w1", "alice", "main", WorkspaceState.RUNNING));
            assertTrue(Files.exists(tmp.resolve("routes.db-wal")), "store should run in WAL mode");
        }
        assertEquals(6 + NEWEST_VERSION, userVersion(file), "builds before Flyway must see a newer file");
        assertEquals(String.valueOf(NEWEST_VERSION), query(file,
                "SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1"));
        try (SqlRouteStore again = SqlRouteStore.openSqlite(file)) {
            assertTrue(again.findRoute("main.alice.codermon.internal").isPresent());
        }
    }

    @Test
    void a_version_2_file_is_taken_over_and_its_tcp_workspaces_lose_their_route() throws Exception {
        Path old = fixture("routes-v2.sql");
        try (SqlRouteStore upgraded = SqlRouteStore.openSqlite(old)) {
            WorkspaceRecord r = upgraded.find("w1").orElseThrow();
            assertEquals(WorkspaceState.STOPPED, r.state());
            assertEquals(null, r.upstreamSocket());
            assertEquals(Optional.empty(), upgraded.findRoute("main.alice.codermon.internal"));
            assertEquals("codermon-w1", r.runtimeRef());
        }
        assertEquals(6 + NEWEST_VERSION, userVersion(old));
    }

    @Test
    void a_version_3_file_keeps_its_rows_and_gains_every_later_table() throws Exception {
        Path old = fixture("routes-v3.sql");
        try (SqlRouteStore upgraded = SqlRouteStore.openSqlite(old)) {
            assertEquals("/run/codermon/ws/w1/cs.sock",
                    upgraded.findRoute("main.alice.codermon.internal").orElseThrow().upstreamSocket());
            assertEquals(Map.of("bob", Instant.ofEpochMilli(5000)), upgraded.revocations());
            assertTrue(upgraded.findSession("sess-1").isPresent());
            assertEquals(false, upgraded.consumeToken("used-1", T0), "its used-token marks stay");
            upgraded.insertSshKey(new SshKeyRecord("k1", "alice", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", T0));
            upgraded.publishPresence("p1", Map.of("w1", new OpenCounts(1, 0, 0)), T0);
            upgraded.people().setRefreshToken("alice", "rt", T0);
            assertEquals(1, upgraded.sshKeysOf("alice").size());
            assertEquals(1, upgraded.loadAll().routes().size());
        }
    }

    @Test
    void a_version_7_file_keeps_every_row_and_gains_the_change_log_and_nodes() throws Exception {
        Path old = fixture("routes-v7.sql");
        try (SqlRouteStore upgraded = SqlRouteStore.openSqlite(old)) {
            assertTrue(upgraded.findRoute("main.alice.codermon.internal").isPresent());
            assertEquals("alice", upgraded.people().findPerson("https://idp", "1").orElseThrow().name());
            assertEquals(1, upgraded.sshKeysOf("alice").size());
            assertEquals(new OpenCounts(2, 1, 0), upgraded.openCounts("w1", Instant.ofEpochMilli(0)));
            assertEquals(Map.of("alice", "rt-1"), upgraded.people().refreshTokens());
            long before = upgraded.loadAll().version();
            upgraded.revokeTokens("alice", T0);
            assertTrue(upgraded.loadAll().version() > before);
            assertEquals(0, upgraded.nodes().size());
        }
        assertEquals(6 + NEWEST_VERSION, userVersion(old));
    }

    @Test
    void a_file_of_a_newer_schema_is_refused_and_left_untouched() throws Exception {
        Path file = tmp.resolve("routes.db");
        SqlRouteStore.openSqlite(file).close();
        execute(file, "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                + " checksum, installed_by, execution_time, success) VALUES (100, '99', 'from the future', 'SQL',"
                + " 'V99__future.sql', 0, 'test', 0, 1)");
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> SqlRouteStore.openSqlite(file));
        assertTrue(e.getMessage().contains("store schema version 99 is newer than this build (" + NEWEST_VERSION
                + "); upgrade Codermon"), e.getMessage());
    }

    @Test
    void a_file_of_a_newer_build_before_flyway_is_refused() throws Exception {
        Path file = tmp.resolve("old-future.db");
        execute(file, "CREATE TABLE workspaces (id TEXT PRIMARY KEY)");
        execute(file, "PRAGMA user_version = 9");
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> SqlRouteStore.openSqlite(file));
        assertTrue(e.getMessage().contains("store schema version 9 is newer than this build (7)"), e.getMessage());
    }

    @Test
    void an_unreadable_store_fails_loudly() throws Exception {
        Path dir = tmp.resolve("is-a-directory");
        Files.createDirectories(dir);
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> SqlRouteStore.openSqlite(dir));
        assertTrue(e.getMessage().contains("cannot open route store"), e.getMessage());
    }

    @Test
    void settings_from_the_environment_open_the_file_in_the_data_directory() {
        StoreSettings s = StoreSettings.fromEnv(Map.of(), new dev.codermon.auth.CodermonHome(tmp));
        try (SqlRouteStore store = Stores.open(s)) {
            assertTrue(store.listAll().isEmpty());
            assertTrue(store.leadership().leads("monitor"), "on one machine the only control plane leads");
        }
        assertTrue(Files.exists(tmp.resolve("routes.db")));
    }

    /** Builds a file from a fixture script of an older build's schema and rows. */
    private Path fixture(String script) throws IOException, SQLException {
        Path file = tmp.resolve(script.replace(".sql", ".db"));
        String sql;
        try (InputStream in = SqliteSchemaTest.class.getResourceAsStream("/store-fixtures/" + script)) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String statement : sql.split(";\\s*\\n")) {
            if (!statement.isBlank()) {
                execute(file, statement);
            }
        }
        return file;
    }

    private static void execute(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    private static String query(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static int userVersion(Path file) throws SQLException {
        return Integer.parseInt(query(file, "PRAGMA user_version"));
    }
}
