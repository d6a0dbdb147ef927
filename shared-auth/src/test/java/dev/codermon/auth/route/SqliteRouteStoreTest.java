package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.TokenVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteRouteStoreTest {

    @TempDir
    Path tmp;

    private SqliteRouteStore store;
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeEach
    void open() {
        store = SqliteRouteStore.open(tmp.resolve("routes.db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private WorkspaceRecord record(String id, String user, String name, WorkspaceState state) {
        return new WorkspaceRecord(id, user, name, name + "." + user + ".codermon.internal",
                state == WorkspaceState.RUNNING ? "/run/codermon/ws/" + id + "/cs.sock" : null, state, null, t0, t0);
    }

    @Test
    void running_record_is_a_route_and_others_are_not() {
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        store.insert(record("w2", "alice", "other", WorkspaceState.STARTING));
        assertEquals(Optional.of(new Route("w1", "alice", "main.alice.codermon.internal", "/run/codermon/ws/w1/cs.sock")),
                store.findRoute("main.alice.codermon.internal"));
        assertEquals(Optional.empty(), store.findRoute("other.alice.codermon.internal"));
        assertEquals(Optional.empty(), store.findRoute("nope.codermon.internal"));
    }

    @Test
    void user_and_name_are_unique() {
        store.insert(record("w1", "alice", "main", WorkspaceState.STARTING));
        DuplicateWorkspaceException e = assertThrows(DuplicateWorkspaceException.class,
                () -> store.insert(record("w2", "alice", "main", WorkspaceState.STARTING)));
        assertTrue(e.getMessage().contains("alice/main"), e.getMessage());
        store.insert(record("w3", "bob", "main", WorkspaceState.STARTING));
        assertEquals(2, store.listAll().size());
    }

    @Test
    void update_changes_state_and_upstream_and_delete_removes() {
        WorkspaceRecord r = record("w1", "alice", "main", WorkspaceState.STARTING);
        store.insert(r);
        assertTrue(store.update(r.withUpstream("/run/codermon/ws/w1/cs.sock", "pid:7").withState(WorkspaceState.RUNNING)));
        WorkspaceRecord back = store.find("w1").orElseThrow();
        assertEquals("/run/codermon/ws/w1/cs.sock", back.upstreamSocket());
        assertEquals("pid:7", back.runtimeRef());
        assertEquals(WorkspaceState.RUNNING, back.state());
        assertTrue(store.delete("w1"));
        assertFalse(store.delete("w1"));
        assertFalse(store.update(r));
        assertEquals(Optional.empty(), store.findRoute(r.hostname()));
    }

    @Test
    void activity_only_moves_forward_and_survives_control_plane_updates() {
        WorkspaceRecord r = record("w1", "alice", "main", WorkspaceState.RUNNING);
        store.insert(r);
        store.recordActivity("w1", t0.plusSeconds(100));
        store.recordActivity("w1", t0.plusSeconds(50));
        assertEquals(t0.plusSeconds(100), store.find("w1").orElseThrow().lastActivityAt());
        // A control-plane update carrying an older activity time must not roll it back.
        store.update(r.withState(WorkspaceState.RUNNING));
        assertEquals(t0.plusSeconds(100), store.find("w1").orElseThrow().lastActivityAt());
    }

    @Test
    void lists_are_per_user_and_oldest_first() {
        store.insert(new WorkspaceRecord("b", "alice", "two", "two.alice.x", null, WorkspaceState.STOPPED, null,
                t0.plusSeconds(5), t0));
        store.insert(new WorkspaceRecord("a", "alice", "one", "one.alice.x", null, WorkspaceState.STOPPED, null,
                t0, t0));
        store.insert(record("c", "bob", "main", WorkspaceState.STOPPED));
        List<WorkspaceRecord> alice = store.listByUser("alice");
        assertEquals(List.of("a", "b"), alice.stream().map(WorkspaceRecord::id).toList());
        assertEquals(Optional.of("c"), store.findByUserAndName("bob", "main").map(WorkspaceRecord::id));
    }

    @Test
    void data_survives_reopening_and_uses_wal() throws Exception {
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        store.close();
        store = SqliteRouteStore.open(tmp.resolve("routes.db"));
        assertTrue(store.findRoute("main.alice.codermon.internal").isPresent());
        assertTrue(Files.exists(tmp.resolve("routes.db-wal")), "store should run in WAL mode");
    }

    @Test
    void a_one_time_token_is_consumed_once() {
        assertTrue(store.consumeToken("jti-1", t0.plusSeconds(60)));
        assertFalse(store.consumeToken("jti-1", t0.plusSeconds(60)));
        assertTrue(store.consumeToken("jti-2", t0.plusSeconds(60)));
    }

    @Test
    void revocation_is_per_user_never_moves_back_and_drops_sessions() {
        store.createSession(new ProxySession("h1", "alice", "main.alice.x", t0, t0.plusSeconds(600)));
        store.createSession(new ProxySession("h2", "bob", "main.bob.x", t0, t0.plusSeconds(600)));
        assertEquals(Optional.of("alice"), store.findSession("h1").map(ProxySession::user));
        store.revokeTokens("alice", t0.plusSeconds(100));
        store.revokeTokens("alice", t0.plusSeconds(50));
        assertEquals(java.util.Map.of("alice", t0.plusSeconds(100)), store.revocations());
        assertEquals(Optional.empty(), store.findSession("h1"));
        assertTrue(store.findSession("h2").isPresent());
    }

    @Test
    void pruning_removes_only_expired_marks_and_sessions() {
        store.consumeToken("old", t0);
        store.consumeToken("new", t0.plusSeconds(600));
        store.createSession(new ProxySession("old", "alice", "h", t0, t0));
        store.createSession(new ProxySession("new", "alice", "h", t0, t0.plusSeconds(600)));
        store.pruneExpired(t0.plus(TokenVerifier.MAX_CLOCK_SKEW).plusSeconds(1));
        assertTrue(store.consumeToken("old", t0), "expired mark is gone, so the id is fresh again");
        assertFalse(store.consumeToken("new", t0.plusSeconds(600)));
        assertEquals(Optional.empty(), store.findSession("old"));
        assertTrue(store.findSession("new").isPresent());
    }

    @Test
    void a_used_mark_outlives_its_token_by_the_verifiers_clock_skew() {
        store.consumeToken("link", t0);
        store.createSession(new ProxySession("s", "alice", "h", t0, t0));
        store.pruneExpired(t0.plusSeconds(1));
        assertTrue(store.findSession("s").isEmpty(), "a session goes at its expiry");
        store.pruneExpired(t0.plus(TokenVerifier.MAX_CLOCK_SKEW));
        assertFalse(store.consumeToken("link", t0), "the token still verifies within the skew: its mark must stay");
        store.pruneExpired(t0.plus(TokenVerifier.MAX_CLOCK_SKEW).plusMillis(1));
        assertTrue(store.consumeToken("link", t0), "past expiry plus skew the token no longer verifies");
    }

    @Test
    void unreadable_store_fails_loudly_not_as_no_route() throws Exception {
        Path dir = tmp.resolve("is-a-directory");
        Files.createDirectories(dir);
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> SqliteRouteStore.open(dir));
        assertTrue(e.getMessage().contains("cannot open route store"), e.getMessage());
        store.close();
        assertThrows(RouteStoreException.class, () -> store.findRoute("main.alice.codermon.internal"));
        store = SqliteRouteStore.open(tmp.resolve("routes.db"));
    }

    @Test
    void a_version_2_store_is_upgraded_and_its_tcp_workspaces_lose_their_route() throws Exception {
        Path old = tmp.resolve("v2.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + old);
                java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE workspaces (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,"
                    + " hostname TEXT NOT NULL UNIQUE, upstream_host TEXT, upstream_port INTEGER NOT NULL DEFAULT 0,"
                    + " state TEXT NOT NULL, runtime_ref TEXT, created_at INTEGER NOT NULL,"
                    + " last_activity_at INTEGER NOT NULL, UNIQUE (user_id, name))");
            s.executeUpdate("INSERT INTO workspaces VALUES ('w1', 'alice', 'main', 'main.alice.codermon.internal',"
                    + " '127.0.0.1', 20000, 'RUNNING', 'codermon-w1', 1, 2)");
            s.executeUpdate("PRAGMA user_version = 2");
        }
        try (SqliteRouteStore upgraded = SqliteRouteStore.open(old)) {
            WorkspaceRecord r = upgraded.find("w1").orElseThrow();
            assertEquals(WorkspaceState.STOPPED, r.state());
            assertEquals(null, r.upstreamSocket());
            assertEquals(Optional.empty(), upgraded.findRoute("main.alice.codermon.internal"));
            assertEquals("codermon-w1", r.runtimeRef());
        }
    }

    @Test
    void ssh_keys_are_per_user_unique_by_fingerprint_and_deleted_only_by_their_owner() {
        store.insertSshKey(new SshKeyRecord("k1", "alice", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", t0));
        store.insertSshKey(new SshKeyRecord("k2", "alice", "desk", "ssh-ed25519 AAAA2", "SHA256:two", t0.plusSeconds(1)));
        store.insertSshKey(new SshKeyRecord("k3", "bob", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", t0));
        assertThrows(DuplicateSshKeyException.class, () -> store.insertSshKey(
                new SshKeyRecord("k4", "alice", "again", "ssh-ed25519 AAAA1", "SHA256:one", t0)));
        assertEquals(List.of("k1", "k2"), store.sshKeysOf("alice").stream().map(SshKeyRecord::id).toList());
        assertFalse(store.deleteSshKey("bob", "k1"), "bob cannot delete alice's key");
        assertTrue(store.deleteSshKey("alice", "k1"));
        assertEquals(List.of("k2"), store.sshKeysOf("alice").stream().map(SshKeyRecord::id).toList());
        assertEquals(List.of("k3"), store.sshKeysOf("bob").stream().map(SshKeyRecord::id).toList());
    }

    @Test
    void a_version_3_store_gains_the_ssh_keys_table() throws Exception {
        Path old = tmp.resolve("v3.db");
        SqliteRouteStore.open(old).close();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + old);
                java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("DROP TABLE ssh_keys");
            s.executeUpdate("PRAGMA user_version = 3");
        }
        try (SqliteRouteStore upgraded = SqliteRouteStore.open(old)) {
            upgraded.insertSshKey(new SshKeyRecord("k1", "alice", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", t0));
            assertEquals(1, upgraded.sshKeysOf("alice").size());
        }
    }
}
