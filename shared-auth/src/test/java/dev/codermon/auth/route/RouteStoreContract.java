package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.TokenVerifier;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Is the store's contract, run against each backend by a subclass: every behaviour both processes rely on,
 * and what must hold when two store instances (two processes, two machines) share one database.
 */
abstract class RouteStoreContract implements NodeJobsContract {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final List<String> ALICE = List.of("alice", "alice-2", "alice-3");

    SqlRouteStore store;
    private final List<SqlRouteStore> opened = new ArrayList<>();

    /** Prepares a fresh, empty database for one test. */
    abstract void newDatabase();

    /** Opens another store instance on this test's database. */
    abstract SqlRouteStore openStore();

    @BeforeEach
    void openFirst() {
        newDatabase();
        store = open();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SqlRouteStore::close);
    }

    public SqlRouteStore open() {
        SqlRouteStore s = openStore();
        opened.add(s);
        return s;
    }

    static WorkspaceRecord record(String id, String user, String name, WorkspaceState state) {
        return new WorkspaceRecord(id, user, name, name + "." + user + ".codermon.internal",
                state == WorkspaceState.RUNNING ? "/run/codermon/ws/" + id + "/cs.sock" : null, state, null, T0, T0);
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
    void a_record_keeps_its_node_and_its_route_names_it() {
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING).onNode("node-3"));
        assertEquals("node-3", store.find("w1").orElseThrow().nodeId());
        assertEquals("node-3", store.findRoute("main.alice.codermon.internal").orElseThrow().nodeId());
        store.update(store.find("w1").orElseThrow().onNode(null));
        assertEquals(null, store.findRoute("main.alice.codermon.internal").orElseThrow().nodeId());
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
        store.recordActivity("w1", T0.plusSeconds(100));
        store.recordActivity("w1", T0.plusSeconds(50));
        assertEquals(T0.plusSeconds(100), store.find("w1").orElseThrow().lastActivityAt());
        // A control-plane update carrying an older activity time must not roll it back.
        store.update(r.withState(WorkspaceState.RUNNING));
        assertEquals(T0.plusSeconds(100), store.find("w1").orElseThrow().lastActivityAt());
    }

    @Test
    void lists_are_per_user_and_oldest_first() {
        store.insert(new WorkspaceRecord("b", "alice", "two", "two.alice.x", null, WorkspaceState.STOPPED, null,
                T0.plusSeconds(5), T0));
        store.insert(new WorkspaceRecord("a", "alice", "one", "one.alice.x", null, WorkspaceState.STOPPED, null,
                T0, T0));
        store.insert(record("c", "bob", "main", WorkspaceState.STOPPED));
        assertEquals(List.of("a", "b"), store.listByUser("alice").stream().map(WorkspaceRecord::id).toList());
        assertEquals(List.of("a", "c", "b"), store.listAll().stream().map(WorkspaceRecord::id).toList());
        assertEquals(Optional.of("c"), store.findByUserAndName("bob", "main").map(WorkspaceRecord::id));
    }

    @Test
    void a_record_is_found_by_its_runtime_reference_alone() {
        store.insert(record("a", "alice", "one", WorkspaceState.RUNNING).withUpstream("/s/a.sock", "node:n1:ref-a"));
        store.insert(record("b", "alice", "two", WorkspaceState.RUNNING).withUpstream("/s/b.sock", "node:n2:ref-b"));
        store.insert(record("c", "bob", "main", WorkspaceState.STOPPED));
        assertEquals(Optional.of("b"), store.findByRuntimeRef("node:n2:ref-b").map(WorkspaceRecord::id));
        assertEquals(Optional.of("a"), store.findByRuntimeRef("node:n1:ref-a").map(WorkspaceRecord::id));
        assertEquals(Optional.empty(), store.findByRuntimeRef("node:n1:ref-b"));
        assertEquals(Optional.empty(), store.findByRuntimeRef("node:n2:ref"));
    }

    @Test
    void data_is_seen_by_another_instance_and_survives_reopening() {
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        SqlRouteStore other = open();
        assertTrue(other.findRoute("main.alice.codermon.internal").isPresent());
        store.close();
        opened.remove(store);
        store = open();
        assertTrue(store.findRoute("main.alice.codermon.internal").isPresent());
    }

    @Test
    void a_one_time_token_is_consumed_once() {
        assertTrue(store.consumeToken("jti-1", T0.plusSeconds(60)));
        assertFalse(store.consumeToken("jti-1", T0.plusSeconds(60)));
        assertTrue(store.consumeToken("jti-2", T0.plusSeconds(60)));
    }

    @Test
    void revocation_is_per_user_never_moves_back_and_drops_sessions() {
        store.createSession(new ProxySession("h1", "alice", "main.alice.x", T0, T0.plusSeconds(600)));
        store.createSession(new ProxySession("h2", "bob", "main.bob.x", T0, T0.plusSeconds(600)));
        assertEquals(Optional.of("alice"), store.findSession("h1").map(ProxySession::user));
        store.revokeTokens("alice", T0.plusSeconds(100));
        store.revokeTokens("alice", T0.plusSeconds(50));
        assertEquals(Map.of("alice", T0.plusSeconds(100)), store.revocations());
        assertEquals(Optional.empty(), store.findSession("h1"));
        assertTrue(store.findSession("h2").isPresent());
    }

    @Test
    void pruning_removes_only_expired_marks_and_sessions() {
        store.consumeToken("old", T0);
        store.consumeToken("new", T0.plusSeconds(600));
        store.createSession(new ProxySession("old", "alice", "h", T0, T0));
        store.createSession(new ProxySession("new", "alice", "h", T0, T0.plusSeconds(600)));
        store.pruneExpired(T0.plus(TokenVerifier.MAX_CLOCK_SKEW).plusSeconds(1));
        assertTrue(store.consumeToken("old", T0), "expired mark is gone, so the id is fresh again");
        assertFalse(store.consumeToken("new", T0.plusSeconds(600)));
        assertEquals(Optional.empty(), store.findSession("old"));
        assertTrue(store.findSession("new").isPresent());
    }

    @Test
    void a_used_mark_outlives_its_token_by_the_verifiers_clock_skew() {
        store.consumeToken("link", T0);
        store.createSession(new ProxySession("s", "alice", "h", T0, T0));
        store.pruneExpired(T0.plusSeconds(1));
        assertTrue(store.findSession("s").isEmpty(), "a session goes at its expiry");
        store.pruneExpired(T0.plus(TokenVerifier.MAX_CLOCK_SKEW));
        assertFalse(store.consumeToken("link", T0), "the token still verifies within the skew: its mark must stay");
        store.pruneExpired(T0.plus(TokenVerifier.MAX_CLOCK_SKEW).plusMillis(1));
        assertTrue(store.consumeToken("link", T0), "past expiry plus skew the token no longer verifies");
    }

    @Test
    void a_closed_store_fails_loudly_not_as_no_route() {
        store.close();
        opened.remove(store);
        assertThrows(RouteStoreException.class, () -> store.findRoute("main.alice.codermon.internal"));
    }

    @Test
    void ssh_keys_are_per_user_unique_by_fingerprint_and_deleted_only_by_their_owner() {
        store.insertSshKey(new SshKeyRecord("k1", "alice", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", T0));
        store.insertSshKey(new SshKeyRecord("k2", "alice", "desk", "ssh-ed25519 AAAA2", "SHA256:two", T0.plusSeconds(1)));
        store.insertSshKey(new SshKeyRecord("k3", "bob", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", T0));
        assertThrows(DuplicateSshKeyException.class, () -> store.insertSshKey(
                new SshKeyRecord("k4", "alice", "again", "ssh-ed25519 AAAA1", "SHA256:one", T0)));
        assertEquals(List.of("k1", "k2"), store.sshKeysOf("alice").stream().map(SshKeyRecord::id).toList());
        assertFalse(store.deleteSshKey("bob", "k1"), "bob cannot delete alice's key");
        assertTrue(store.deleteSshKey("alice", "k1"));
        assertEquals(List.of("k2"), store.sshKeysOf("alice").stream().map(SshKeyRecord::id).toList());
        assertEquals(List.of("k3"), store.sshKeysOf("bob").stream().map(SshKeyRecord::id).toList());
    }

    @Test
    void the_keys_of_several_users_come_in_one_read_per_user_oldest_first() {
        store.insertSshKey(new SshKeyRecord("k2", "alice", "desk", "ssh-ed25519 AAAA2", "SHA256:two", T0.plusSeconds(1)));
        store.insertSshKey(new SshKeyRecord("k1", "alice", "laptop", "ssh-ed25519 AAAA1", "SHA256:one", T0));
        store.insertSshKey(new SshKeyRecord("k3", "bob", "laptop", "ssh-ed25519 AAAA3", "SHA256:three", T0));
        store.insertSshKey(new SshKeyRecord("k4", "carol", "laptop", "ssh-ed25519 AAAA4", "SHA256:four", T0));
        Map<String, List<SshKeyRecord>> read = open().sshKeysOf(List.of("alice", "bob", "dave", "alice"));
        assertEquals(Map.of("alice", List.of("k1", "k2"), "bob", List.of("k3"), "dave", List.of()),
                read.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                        e -> e.getValue().stream().map(SshKeyRecord::id).toList())), "carol was not asked for");
        assertEquals(store.sshKeysOf("alice"), read.get("alice"));
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            many.add("user" + i);
        }
        many.add("bob");
        assertEquals(List.of("k3"), store.sshKeysOf(many).get("bob").stream().map(SshKeyRecord::id).toList(),
                "more users than one statement takes");
    }

    @Test
    void presence_of_several_proxies_is_summed_stale_rows_do_not_count_and_withdrawing_is_per_proxy() {
        assertEquals(1, store.publishPresence("p1", Map.of("w1", new OpenCounts(3, 1, 2)), T0));
        store.publishPresence("p2", Map.of("w1", new OpenCounts(1, 1, 0), "w2", new OpenCounts(1, 0, 0)), T0);
        assertEquals(new OpenCounts(4, 2, 2), store.openCounts("w1", T0));
        assertEquals(OpenCounts.NONE, store.openCounts("w3", T0));
        Instant later = T0.plus(PresenceReader.FRESH_FOR);
        assertEquals(1, store.publishPresence("p1", Map.of(), later));
        assertEquals(new OpenCounts(3, 1, 2), store.openCounts("w1", later.minus(PresenceReader.FRESH_FOR).plusMillis(1)));
        assertEquals(0, store.publishPresence("p1", Map.of("w1", OpenCounts.NONE), later), "an empty count deletes");
        store.withdrawPresence("p2");
        assertEquals(OpenCounts.NONE, store.openCounts("w2", T0));
        store.publishPresence("killed", Map.of("w9", new OpenCounts(1, 1, 1)), T0);
        store.pruneExpired(T0.plusSeconds(60));
        assertEquals(new OpenCounts(1, 1, 1), store.openCounts("w9", T0), "kept for a look by hand");
        store.pruneExpired(T0.plusSeconds(2 * 3600));
        assertEquals(OpenCounts.NONE, store.openCounts("w9", T0));
    }

    @Test
    void a_person_keeps_their_name_and_two_people_never_share_one() {
        PeopleStore people = store.people();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertEquals("alice", people.signIn("https://idp", "1", "a@x", "user", now, ALICE, n -> false).name());
        assertEquals("alice-2", people.signIn("https://idp", "2", "b@x", "user", now, ALICE, n -> false).name());
        assertEquals("alice-3", people.signIn("https://other", "1", "c@x", "user", now, ALICE,
                n -> n.equals("alice-2")).name(), "same subject at another issuer is another person");
        PersonRecord again = people.signIn("https://idp", "1", "new@x", "admin", now, ALICE, n -> true);
        assertEquals("alice", again.name());
        assertEquals("admin", people.findPerson("alice").orElseThrow().role());
        assertEquals("new@x", people.findPerson("https://idp", "1").orElseThrow().email());
    }

    @Test
    void revoking_a_user_ends_their_console_sessions_and_one_token_is_revoked_by_its_id() {
        PeopleStore people = store.people();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        people.createConsoleSession(new ConsoleSession("h1", "alice", "user", "csrf", now, now.plusSeconds(60)));
        assertTrue(people.findConsoleSession("h1").isPresent());
        store.revokeTokens("alice", now.plusSeconds(1));
        assertTrue(people.findConsoleSession("h1").isEmpty());
        people.addPersonalToken(new PersonalToken("t1", "alice", "cli", now, now.plusSeconds(3600), null));
        assertTrue(people.revokePersonalToken("bob", "t1", now).isEmpty(), "only its owner revokes it");
        assertTrue(people.revokePersonalToken("alice", "t1", now).isPresent());
        assertEquals(now, people.personalTokens("alice").get(0).revokedAt());
        Instant until = store.revocations().get(RevocationKeys.token("t1"));
        assertTrue(until.isAfter(now.plusSeconds(3600)), "refused until it could no longer verify anyway");
    }

    @Test
    void a_refresh_token_is_kept_replaced_forgotten_and_not_listed_for_disabled_people() {
        PeopleStore people = store.people();
        Instant now = Instant.now();
        people.signIn("https://idp", "1", "a@x", "user", now, ALICE, n -> false);
        people.signIn("https://idp", "2", "b@x", "user", now, List.of("bob"), n -> false);
        people.setRefreshToken("alice", "rt-1", now);
        people.setRefreshToken("bob", "rt-b", now);
        people.setRefreshToken("alice", "rt-2", now);
        assertEquals(Map.of("alice", "rt-2", "bob", "rt-b"), people.refreshTokens(), "one token a person, the newest");
        people.setDisabled("bob", true);
        assertEquals(Map.of("alice", "rt-2"), people.refreshTokens(), "a disabled person is not listed");
        people.setRefreshToken("alice", null, now);
        assertEquals(Map.of(), people.refreshTokens());
        people.setDisabled("bob", false);
        assertEquals(Map.of("bob", "rt-b"), open().people().refreshTokens(), "seen by another instance");
    }

    @Test
    void nodes_are_saved_replaced_and_listed_by_id() {
        store.saveNode(new NodeRecord("node-2", "10.0.0.2:5443", 10, T0, false));
        store.saveNode(new NodeRecord("node-1", "10.0.0.1:5443", 5, T0, false));
        store.saveNode(new NodeRecord("node-2", "10.0.0.2:5443", 10, T0.plusSeconds(5), true));
        assertEquals(List.of(new NodeRecord("node-1", "10.0.0.1:5443", 5, T0, false),
                new NodeRecord("node-2", "10.0.0.2:5443", 10, T0.plusSeconds(5), true)), open().nodes());
    }

    @Test
    void a_node_keeps_the_relay_certificate_its_agent_published_until_it_publishes_another() {
        store.saveNode(new NodeRecord("n1", "10.0.0.1:5003", 5, T0, false));
        assertNull(open().nodes().get(0).relayCertificate(), "none published yet");
        store.saveNode(new NodeRecord("n1", "10.0.0.1:5003", 5, T0.plusSeconds(2), false, "aa11"));
        assertEquals("aa11", open().nodes().get(0).relayCertificate());
        store.saveNode(new NodeRecord("n1", "10.0.0.1:5003", 5, T0.plusSeconds(4), false, "bb22"));
        assertEquals(List.of(new NodeRecord("n1", "10.0.0.1:5003", 5, T0.plusSeconds(4), false, "bb22")),
                open().nodes(), "issued again: the new one replaces the old");
    }

    @Test
    void a_node_is_retired_only_once_lost_and_holding_no_workspace() {
        store.nodeJobs().reportNode(new NodeRecord("n3", "10.0.0.3:5003", 5, T0, false, "cc33"), Set.of("ref-1"));
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING).onNode("n3"));

        assertEquals(NodeRecords.Retirement.UNKNOWN, store.retireNode("n9"));
        assertEquals(NodeRecords.Retirement.REPORTING, store.retireNode("n3"), "its agent reports");
        assertEquals(List.of("n3"), store.nodeJobs().markLostNodes(T0.plusSeconds(60)));
        assertEquals(NodeRecords.Retirement.HOLDS_WORKSPACES, store.retireNode("n3"), "alice's files are there");
        assertEquals(1, open().nodes().size(), "a refused retirement removed the node");

        store.delete("w1");
        assertEquals(NodeRecords.Retirement.RETIRED, open().retireNode("n3"));
        assertEquals(List.of(), open().nodes());
        assertEquals(Set.of(), open().nodeJobs().runningRefs("n3"), "what it last ran went with it");
        assertEquals(NodeRecords.Retirement.UNKNOWN, store.retireNode("n3"), "retired once");

        // An agent that reports again joins anew.
        store.nodeJobs().reportNode(new NodeRecord("n3", "10.0.0.3:5003", 5, T0.plusSeconds(90), false, "cc33"), Set.of());
        assertEquals(List.of("n3"), open().nodes().stream().map(NodeRecord::id).toList());
    }

    @Test
    void instances_opening_one_fresh_database_at_once_migrate_it_once_and_all_work() throws Exception {
        newDatabase();
        List<SqlRouteStore> racers = race(4, i -> openStore());
        racers.forEach(opened::add);
        racers.get(0).insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        for (SqlRouteStore s : racers) {
            assertTrue(s.findRoute("main.alice.codermon.internal").isPresent());
        }
    }

    @Test
    void two_instances_consuming_one_token_at_once_give_exactly_one_true() throws Exception {
        SqlRouteStore other = open();
        for (int round = 0; round < 5; round++) {
            String jti = "race-" + round;
            List<Boolean> answers = race(16, i -> (i % 2 == 0 ? store : other).consumeToken(jti, T0.plusSeconds(60)));
            assertEquals(1, answers.stream().filter(b -> b).count(), "round " + round + ": " + answers);
        }
    }

    @Test
    void two_instances_signing_in_one_new_person_at_once_give_one_person() throws Exception {
        SqlRouteStore other = open();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int round = 0; round < 5; round++) {
            String subject = "s" + round;
            List<String> candidates = List.of("p" + round, "p" + round + "-2");
            List<String> names = race(2, i -> (i == 0 ? store : other).people()
                    .signIn("https://idp", subject, "a@x", "user", now, candidates, n -> false).name());
            assertEquals(names.get(0), names.get(1), "round " + round + ": one person, one name");
        }
    }

    @Test
    void two_instances_inserting_one_workspace_at_once_give_one_duplicate() throws Exception {
        SqlRouteStore other = open();
        for (int round = 0; round < 5; round++) {
            String name = "ws" + round;
            String prefix = "w" + round + "-";
            List<Boolean> inserted = race(2, i -> {
                try {
                    (i == 0 ? store : other).insert(record(prefix + i, "alice", name, WorkspaceState.STARTING));
                    return true;
                } catch (DuplicateWorkspaceException e) {
                    return false;
                }
            });
            assertEquals(1, inserted.stream().filter(b -> b).count(), "round " + round + ": " + inserted);
        }
        assertEquals(5, other.listByUser("alice").size());
    }

    @Test
    void load_all_reads_every_route_and_revocation_at_the_newest_version() {
        RouteSnapshot empty = store.loadAll();
        assertEquals(0, empty.version());
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        store.insert(record("w2", "bob", "main", WorkspaceState.STOPPED));
        store.revokeTokens("carol", T0);
        RouteSnapshot all = open().loadAll();
        assertEquals(Map.of("main.alice.codermon.internal", store.findRoute("main.alice.codermon.internal").orElseThrow()),
                all.routes());
        assertEquals(Map.of("carol", T0), all.revocations());
        assertEquals(3, all.version(), "two inserts and a revocation");
    }

    @Test
    void a_change_is_seen_in_changes_since_and_a_delete_gives_no_route() {
        long v0 = store.loadAll().version();
        WorkspaceRecord r = record("w1", "alice", "main", WorkspaceState.STARTING);
        store.insert(r);
        RouteChanges starting = store.changesSince(v0);
        assertTrue(starting.complete());
        assertEquals(Map.of(r.hostname(), Optional.empty()), starting.routes(), "logged, but not a route yet");
        assertEquals(null, starting.revocations());
        WorkspaceRecord running = r.withUpstream("/run/codermon/ws/w1/cs.sock", "pid:1").withState(WorkspaceState.RUNNING);
        store.update(running);
        RouteChanges up = open().changesSince(starting.version());
        assertEquals(Map.of(r.hostname(), running.route()), up.routes());
        assertTrue(up.version() > starting.version());
        store.delete("w1");
        RouteChanges gone = store.changesSince(up.version());
        assertEquals(Map.of(r.hostname(), Optional.empty()), gone.routes());
        RouteChanges none = store.changesSince(gone.version());
        assertEquals(new RouteChanges(gone.version(), Map.of(), null, true), none);
    }

    @Test
    void several_hostnames_and_a_revocation_since_one_version_are_read_together() {
        long v = store.loadAll().version();
        WorkspaceRecord a = record("w1", "alice", "main", WorkspaceState.RUNNING);
        WorkspaceRecord b = record("w2", "bob", "main", WorkspaceState.RUNNING);
        store.insert(a);
        store.insert(b);
        store.delete("w1");
        RouteChanges routes = store.changesSince(v);
        assertTrue(routes.complete());
        assertEquals(Map.of(a.hostname(), Optional.empty(), b.hostname(), b.route()), routes.routes());
        assertEquals(null, routes.revocations(), "no revocation logged");
        store.revokeTokens("alice", T0);
        RouteChanges both = open().changesSince(v);
        assertTrue(both.version() > routes.version());
        assertEquals(routes.routes(), both.routes());
        assertEquals(Map.of("alice", T0), both.revocations());
        assertEquals(Map.of(), store.changesSince(routes.version()).routes(), "only the revocation after it");
    }

    @Test
    void a_revocation_change_returns_every_revocation() {
        store.revokeTokens("alice", T0);
        long v = store.loadAll().version();
        store.people().addPersonalToken(new PersonalToken("t1", "bob", "cli", T0, T0.plusSeconds(60), null));
        assertEquals(v, store.loadAll().version(), "adding a token changes no revocation");
        store.people().revokePersonalToken("bob", "t1", T0);
        RouteChanges changes = store.changesSince(v);
        assertEquals(Map.of(), changes.routes());
        assertEquals(2, changes.revocations().size());
        assertEquals(T0, changes.revocations().get("alice"));
        assertTrue(changes.revocations().containsKey(RevocationKeys.token("t1")));
        assertTrue(store.people().revokePersonalToken("bob", "nope", T0).isEmpty());
        assertEquals(changes.version(), store.loadAll().version(), "no such token: nothing logged");
    }

    @Test
    void activity_presence_sessions_and_marks_do_not_advance_the_version() {
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        long v = store.loadAll().version();
        store.recordActivity("w1", T0.plusSeconds(100));
        store.publishPresence("p1", Map.of("w1", new OpenCounts(1, 0, 0)), T0);
        store.createSession(new ProxySession("s", "alice", "h", T0, T0.plusSeconds(60)));
        store.consumeToken("jti", T0);
        store.saveNode(new NodeRecord("n1", "127.0.0.1:1", 1, T0, false));
        assertEquals(v, store.loadAll().version());
        assertEquals(new RouteChanges(v, Map.of(), null, true), store.changesSince(v));
    }

    @Test
    void pruning_keeps_the_newest_row_and_an_older_reader_is_told_to_reload() {
        store.insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
        store.insert(record("w2", "alice", "two", WorkspaceState.RUNNING));
        store.insert(record("w3", "alice", "three", WorkspaceState.RUNNING));
        long newest = store.loadAll().version();
        store.pruneExpired(Instant.now().plus(ChangeLog.KEPT).plusSeconds(60));
        assertFalse(store.changesSince(newest - 3).complete(), "pruned past it: reload everything");
        assertEquals(newest, store.changesSince(newest - 3).version());
        RouteChanges last = store.changesSince(newest - 1);
        assertTrue(last.complete(), "the newest row is always kept");
        assertEquals(1, last.routes().size());
        assertFalse(store.changesSince(newest + 5).complete(), "a version this store never had: reload");
        store.pruneExpired(Instant.now());
        assertTrue(store.changesSince(newest - 1).complete(), "rows younger than an hour are kept");
    }

    @Test
    void the_doorbell_rings_after_a_change_by_another_instance_and_is_quiet_otherwise() {
        try (ChangeDoorbell bell = store.openDoorbell()) {
            assertEquals(ChangeDoorbell.Ring.QUIET, bell.await(java.time.Duration.ofMillis(200)));
            open().insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
            assertEquals(ChangeDoorbell.Ring.RANG, bell.await(java.time.Duration.ofSeconds(2)));
            store.recordActivity("w1", T0.plusSeconds(5));
            assertEquals(ChangeDoorbell.Ring.QUIET, bell.await(java.time.Duration.ofMillis(200)));
        }
    }

    @Test
    void a_wake_ends_the_doorbells_wait_early_and_a_ring_still_rings_after_it() throws Exception {
        try (ChangeDoorbell bell = store.openDoorbell()) {
            bell.wake();
            long started = System.nanoTime();
            assertEquals(ChangeDoorbell.Ring.QUIET, bell.await(java.time.Duration.ofSeconds(20)),
                    "a wake before the wait ends it");
            assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(5),
                    "ended by the wake, not the timeout");
            ExecutorService waker = Executors.newSingleThreadExecutor();
            try {
                started = System.nanoTime();
                waker.submit(() -> {
                    Thread.sleep(200);
                    bell.wake();
                    return null;
                });
                assertEquals(ChangeDoorbell.Ring.QUIET, bell.await(java.time.Duration.ofSeconds(20)));
                long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertTrue(millis >= 150 && millis < 5_000, "ended by the wake from another thread after " + millis + " ms");
            } finally {
                waker.shutdownNow();
            }
            open().insert(record("w1", "alice", "main", WorkspaceState.RUNNING));
            assertEquals(ChangeDoorbell.Ring.RANG, bell.await(java.time.Duration.ofSeconds(2)));
        }
    }

    /** A task of a race, given its index. */
    interface Contender<T> {
        T run(int index) throws Exception;
    }

    /** Runs the contenders at once (released together) and returns their answers. */
    static <T> List<T> race(int n, Contender<T> contender) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                Callable<T> task = () -> {
                    start.await();
                    return contender.run(index);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_conditional_update_succeeds_for_exactly_one_of_two_instances() {
        WorkspaceRecord stopped = record("w1", "alice", "main", WorkspaceState.STOPPED);
        store.insert(stopped);
        SqlRouteStore other = open();
        WorkspaceRecord starting = stopped.withState(WorkspaceState.STARTING);

        assertTrue(other.updateIf(starting, WorkspaceState.STOPPED));
        assertFalse(store.updateIf(starting, WorkspaceState.STOPPED), "the state read is gone");
        assertEquals(WorkspaceState.STARTING, store.find("w1").orElseThrow().state());
        assertFalse(store.updateIf(record("nope", "alice", "x", WorkspaceState.STARTING), WorkspaceState.STOPPED));
    }
    @Test
    void a_placement_takes_a_slot_only_while_the_node_has_room() {
        for (String id : List.of("w1", "w2", "w3")) {
            store.insert(record(id, "alice", "ws-" + id, WorkspaceState.STARTING));
        }
        assertTrue(store.placeIfRoom(store.find("w1").orElseThrow().onNode("n1"), 2));
        assertTrue(store.placeIfRoom(store.find("w2").orElseThrow().onNode("n1"), 2));
        assertFalse(store.placeIfRoom(store.find("w3").orElseThrow().onNode("n1"), 2), "a third on a node of 2");
        assertEquals(null, store.find("w3").orElseThrow().nodeId(), "a refused placement was written");
        // Placing one again does not count itself; a stopped workspace holds no slot.
        assertTrue(store.placeIfRoom(store.find("w1").orElseThrow().onNode("n1"), 2));
        store.update(store.find("w1").orElseThrow().withState(WorkspaceState.STOPPED));
        assertTrue(store.placeIfRoom(store.find("w3").orElseThrow().onNode("n1"), 2));
        assertFalse(store.placeIfRoom(record("nope", "alice", "x", WorkspaceState.STARTING).onNode("n2"), 2),
                "a record that is not there was placed");
    }

    @Test
    void of_many_control_planes_placing_at_once_only_as_many_as_the_node_has_room_for_succeed() throws Exception {
        int contenders = 8;
        int capacity = 3;
        for (int i = 0; i < contenders; i++) {
            store.insert(record("w" + i, "alice", "ws-" + i, WorkspaceState.STARTING));
        }
        List<SqlRouteStore> replicas = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            replicas.add(open());
        }
        List<Boolean> placed = race(contenders, i -> replicas.get(i).placeIfRoom(
                replicas.get(i).find("w" + i).orElseThrow().onNode("n1"), capacity));
        assertEquals(capacity, placed.stream().filter(p -> p).count(), "placements that succeeded: " + placed);
        assertEquals(capacity, store.listAll().stream().filter(r -> "n1".equals(r.nodeId())).count());
    }

    @Test
    void a_workspaces_host_key_is_recorded_replaced_and_forgotten() {
        assertEquals(Optional.empty(), store.hostKeyOf("w1"));
        store.putHostKey("w1", "ssh-ed25519 AAAAfirst");
        store.putHostKey("w2", "ssh-ed25519 AAAAother");
        assertEquals(Optional.of("ssh-ed25519 AAAAfirst"), open().hostKeyOf("w1"), "another replica reads it");
        store.putHostKey("w1", "ssh-ed25519 AAAAsecond");
        assertEquals(Optional.of("ssh-ed25519 AAAAsecond"), store.hostKeyOf("w1"));
        assertTrue(store.deleteHostKey("w1"));
        assertFalse(store.deleteHostKey("w1"));
        assertEquals(Optional.empty(), store.hostKeyOf("w1"));
        assertEquals(Optional.of("ssh-ed25519 AAAAother"), store.hostKeyOf("w2"));
    }
}
