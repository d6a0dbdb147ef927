package dev.codermon.controlplane.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.UnixHttpServer;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {

    @TempDir
    Path tempDir;
    SqliteRouteStore store;
    FakeRuntime runtime = new FakeRuntime();
    UnixHttpServer healthy;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        healthy = UnixHttpServer.answering(tempDir.resolve("healthy.sock"), 200);
    }

    @AfterEach
    void tearDown() throws Exception {
        healthy.close();
        store.close();
    }

    @Test
    void live_workspaces_are_kept_and_dead_ones_lose_their_route() {
        String liveSocket = healthy.path().toString();
        WorkspaceRecord live = record("live", WorkspaceState.RUNNING, liveSocket, "ref-live");
        WorkspaceRecord dead = record("dead", WorkspaceState.RUNNING, liveSocket, "ref-dead");
        WorkspaceRecord silent = record("silent", WorkspaceState.RUNNING, noSocket(), "ref-silent");
        WorkspaceRecord halfStarted = record("half", WorkspaceState.STARTING, noSocket(), "ref-half");
        WorkspaceRecord stopped = record("stopped", WorkspaceState.STOPPED, null, null);
        for (WorkspaceRecord r : new WorkspaceRecord[] {live, dead, silent, halfStarted, stopped}) {
            store.insert(r);
        }
        runtime.pretendAlive("ref-live");
        runtime.pretendAlive("ref-silent");

        Reconciler.Result result = new Reconciler(store, runtime, new HealthProbe()::isHealthy).reconcile();

        assertEquals(new Reconciler.Result(1, 3), result);
        assertTrue(store.findRoute(live.hostname()).isPresent());
        assertTrue(runtime.isAlive("ref-live"));
        for (WorkspaceRecord r : new WorkspaceRecord[] {dead, silent, halfStarted}) {
            WorkspaceRecord now = store.find(r.id()).orElseThrow();
            assertEquals(WorkspaceState.STOPPED, now.state(), r.name());
            assertNull(now.upstreamSocket());
            assertTrue(store.findRoute(r.hostname()).isEmpty(), r.name());
        }
        assertFalse(runtime.isAlive("ref-silent"), "a process that no longer answers is stopped");
        assertEquals(WorkspaceState.STOPPED, store.find(stopped.id()).orElseThrow().state());
    }

    @Test
    void another_runtimes_workspaces_are_left_as_they_are() {
        WorkspaceRecord running = record("theirs", WorkspaceState.RUNNING, healthy.path().toString(), "other-1234");
        WorkspaceRecord starting = record("starting", WorkspaceState.STARTING, noSocket(), "other-5678");
        store.insert(running);
        store.insert(starting);

        Reconciler.Result result = new Reconciler(store, runtime, new HealthProbe()::isHealthy).reconcile();

        assertEquals(new Reconciler.Result(2, 0), result);
        assertEquals(WorkspaceState.RUNNING, store.find(running.id()).orElseThrow().state());
        assertEquals("other-1234", store.find(running.id()).orElseThrow().runtimeRef());
        assertTrue(store.findRoute(running.hostname()).isPresent(), "its route stays: it may well be serving");
        assertEquals(WorkspaceState.STARTING, store.find(starting.id()).orElseThrow().state());
        assertTrue(runtime.stopped.isEmpty(), "nothing of another runtime is stopped: " + runtime.stopped);
    }

    @Test
    void a_start_interrupted_after_code_server_became_ready_is_promoted_to_running() {
        WorkspaceRecord half = record("half", WorkspaceState.STARTING, healthy.path().toString(), "ref-half");
        store.insert(half);
        runtime.pretendAlive("ref-half");
        assertEquals(new Reconciler.Result(1, 0), new Reconciler(store, runtime, new HealthProbe()::isHealthy).reconcile());
        assertTrue(store.findRoute(half.hostname()).isPresent());
    }

    @Test
    void instances_no_record_accounts_for_are_stopped_and_the_others_kept() {
        store.insert(record("live", WorkspaceState.RUNNING, healthy.path().toString(), "ref-live"));
        store.insert(record("stopped", WorkspaceState.STOPPED, null, null));
        store.insert(record("starting", WorkspaceState.STARTING, null, null));
        for (String ref : new String[] {"ref-live", "ref-old", "ref-stray", "ref-stopped", "ref-starting"}) {
            runtime.pretendAlive(ref);
        }
        assertEquals(0, new Reconciler(store, runtime, new HealthProbe()::isHealthy).stopOrphans(),
                "a runtime that cannot list its instances has no orphans");
        runtime.manage(java.util.List.of(
                new WorkspaceRuntime.Instance("id-live", "ref-live"),
                new WorkspaceRuntime.Instance("id-live", "ref-old"),
                new WorkspaceRuntime.Instance("id-deleted", "ref-stray"),
                new WorkspaceRuntime.Instance("id-stopped", "ref-stopped"),
                new WorkspaceRuntime.Instance("id-starting", "ref-starting")));

        int stopped = new Reconciler(store, runtime, new HealthProbe()::isHealthy).stopOrphans();

        assertEquals(3, stopped);
        assertEquals(java.util.Set.of("ref-old", "ref-stray", "ref-stopped"), java.util.Set.copyOf(runtime.stopped));
        assertTrue(runtime.isAlive("ref-live"));
        assertTrue(runtime.isAlive("ref-starting"), "a workspace being started is left alone");
    }

    @Test
    void a_stopped_record_whose_instance_still_runs_has_it_stopped_at_the_start() {
        // What a store upgraded from TCP ports holds: marked stopped, its old instance still running.
        store.insert(record("upgraded", WorkspaceState.STOPPED, null, "ref-old-tcp"));
        store.insert(record("theirs", WorkspaceState.FAILED, null, "other-77"));
        runtime.pretendAlive("ref-old-tcp");
        runtime.pretendAlive("other-77");

        new Reconciler(store, runtime, new HealthProbe()::isHealthy).reconcile();

        assertFalse(runtime.isAlive("ref-old-tcp"), "the leftover instance still runs");
        assertNull(store.find("id-upgraded").orElseThrow().runtimeRef());
        assertEquals(WorkspaceState.STOPPED, store.find("id-upgraded").orElseThrow().state());
        assertTrue(runtime.isAlive("other-77"), "another runtime's instance is not this one's to stop");
    }

    private static WorkspaceRecord record(String name, WorkspaceState state, String socket, String ref) {
        Instant now = Instant.now();
        return new WorkspaceRecord("id-" + name, "alice", name, name + ".alice.codermon.internal", socket, state,
                ref, now, now);
    }

    /** A socket path nothing listens on. */
    private String noSocket() {
        return tempDir.resolve("nothing-" + System.nanoTime() + ".sock").toString();
    }
}
