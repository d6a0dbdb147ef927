package dev.codermon.controlplane.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
    HttpServer healthy;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteRouteStore.open(tempDir.resolve("routes.db"));
        healthy = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        healthy.createContext("/healthz", ex -> {
            byte[] body = "{\"status\":\"alive\"}".getBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        healthy.start();
    }

    @AfterEach
    void tearDown() {
        healthy.stop(0);
        store.close();
    }

    @Test
    void live_workspaces_are_kept_and_dead_ones_lose_their_route() {
        int livePort = healthy.getAddress().getPort();
        WorkspaceRecord live = record("live", WorkspaceState.RUNNING, livePort, "ref-live");
        WorkspaceRecord dead = record("dead", WorkspaceState.RUNNING, livePort, "ref-dead");
        WorkspaceRecord silent = record("silent", WorkspaceState.RUNNING, unusedPort(), "ref-silent");
        WorkspaceRecord halfStarted = record("half", WorkspaceState.STARTING, unusedPort(), "ref-half");
        WorkspaceRecord stopped = record("stopped", WorkspaceState.STOPPED, 0, null);
        for (WorkspaceRecord r : new WorkspaceRecord[] {live, dead, silent, halfStarted, stopped}) {
            store.insert(r);
        }
        runtime.pretendAlive("ref-live");
        runtime.pretendAlive("ref-silent");

        Reconciler.Result result = new Reconciler(store, runtime, new HealthProbe()).reconcile();

        assertEquals(new Reconciler.Result(1, 3), result);
        assertTrue(store.findRoute(live.hostname()).isPresent());
        assertTrue(runtime.isAlive("ref-live"));
        for (WorkspaceRecord r : new WorkspaceRecord[] {dead, silent, halfStarted}) {
            WorkspaceRecord now = store.find(r.id()).orElseThrow();
            assertEquals(WorkspaceState.STOPPED, now.state(), r.name());
            assertNull(now.upstreamHost());
            assertTrue(store.findRoute(r.hostname()).isEmpty(), r.name());
        }
        assertFalse(runtime.isAlive("ref-silent"), "a process that no longer answers is stopped");
        assertEquals(WorkspaceState.STOPPED, store.find(stopped.id()).orElseThrow().state());
    }

    @Test
    void another_runtimes_workspaces_are_left_as_they_are() {
        int port = healthy.getAddress().getPort();
        WorkspaceRecord running = record("theirs", WorkspaceState.RUNNING, port, "other-1234");
        WorkspaceRecord starting = record("starting", WorkspaceState.STARTING, unusedPort(), "other-5678");
        store.insert(running);
        store.insert(starting);

        Reconciler.Result result = new Reconciler(store, runtime, new HealthProbe()).reconcile();

        assertEquals(new Reconciler.Result(2, 0), result);
        assertEquals(WorkspaceState.RUNNING, store.find(running.id()).orElseThrow().state());
        assertEquals("other-1234", store.find(running.id()).orElseThrow().runtimeRef());
        assertTrue(store.findRoute(running.hostname()).isPresent(), "its route stays: it may well be serving");
        assertEquals(WorkspaceState.STARTING, store.find(starting.id()).orElseThrow().state());
        assertTrue(runtime.stopped.isEmpty(), "nothing of another runtime is stopped: " + runtime.stopped);
    }

    @Test
    void a_start_interrupted_after_code_server_became_ready_is_promoted_to_running() {
        WorkspaceRecord half = record("half", WorkspaceState.STARTING, healthy.getAddress().getPort(), "ref-half");
        store.insert(half);
        runtime.pretendAlive("ref-half");
        assertEquals(new Reconciler.Result(1, 0), new Reconciler(store, runtime, new HealthProbe()).reconcile());
        assertTrue(store.findRoute(half.hostname()).isPresent());
    }

    @Test
    void instances_no_record_accounts_for_are_stopped_and_the_others_kept() {
        int port = healthy.getAddress().getPort();
        store.insert(record("live", WorkspaceState.RUNNING, port, "ref-live"));
        store.insert(record("stopped", WorkspaceState.STOPPED, 0, null));
        store.insert(record("starting", WorkspaceState.STARTING, 0, null));
        for (String ref : new String[] {"ref-live", "ref-old", "ref-stray", "ref-stopped", "ref-starting"}) {
            runtime.pretendAlive(ref);
        }
        assertEquals(0, new Reconciler(store, runtime, new HealthProbe()).stopOrphans(),
                "a runtime that cannot list its instances has no orphans");
        runtime.manage(java.util.List.of(
                new WorkspaceRuntime.Instance("id-live", "ref-live"),
                new WorkspaceRuntime.Instance("id-live", "ref-old"),
                new WorkspaceRuntime.Instance("id-deleted", "ref-stray"),
                new WorkspaceRuntime.Instance("id-stopped", "ref-stopped"),
                new WorkspaceRuntime.Instance("id-starting", "ref-starting")));

        int stopped = new Reconciler(store, runtime, new HealthProbe()).stopOrphans();

        assertEquals(3, stopped);
        assertEquals(java.util.Set.of("ref-old", "ref-stray", "ref-stopped"), java.util.Set.copyOf(runtime.stopped));
        assertTrue(runtime.isAlive("ref-live"));
        assertTrue(runtime.isAlive("ref-starting"), "a workspace being started is left alone");
    }

    private static WorkspaceRecord record(String name, WorkspaceState state, int port, String ref) {
        Instant now = Instant.now();
        return new WorkspaceRecord("id-" + name, "alice", name, name + ".alice.codermon.internal",
                port == 0 ? null : "127.0.0.1", port, state, ref, now, now);
    }

    private static int unusedPort() {
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
