package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.route.NodeJob;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.Stores;
import dev.codermon.auth.route.TestPostgres;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.node.LostNodes;
import dev.codermon.controlplane.node.NodeAgent;
import dev.codermon.controlplane.node.NodeRuntime;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.runtime.RuntimeChoice;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workspaces on nodes with a real PostgreSQL and real code-server processes: two node agents, each with a
 * data directory of its own, and the control plane's node runtime placing, starting and stopping through
 * them; a node that falls silent is marked lost with its workspace.
 */
class NodesIT {

    private static TestPostgres pg;

    @TempDir
    Path tmp;
    private SqlRouteStore store;
    private String database;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final java.util.Map<String, List<WorkspaceRuntime>> runtimes = new java.util.HashMap<>();
    private final java.util.Map<String, List<String>> started = new java.util.HashMap<>();
    private final HealthProbe probe = new HealthProbe();

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @BeforeEach
    void openStore() {
        database = pg.newDatabase();
        store = Stores.open(pg.settings(database));
    }

    @AfterEach
    void closeAll() throws Exception {
        // An agent leaves its workspaces running when it stops (as a node agent must): stop them here.
        started.forEach((node, refs) -> refs.forEach(ref -> runtimes.get(node).forEach(rt -> rt.stop(ref))));
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        store.close();
    }

    /** Starts a node agent with its own store connection, data directory and local code-server processes. */
    private NodeAgent node(String id, int capacity) {
        CodermonHome home = new CodermonHome(tmp.resolve(id));
        home.ensureExists();
        SqlRouteStore own = Stores.open(pg.settings(database));
        closing.add(own);
        WorkspaceRuntime runtime = RuntimeChoice.open(RuntimeSettings.defaults().forProcessUser("alice"), RealCodeServer.binary(),
                Duration.ofSeconds(60), home, probe);
        closing.add(runtime);
        runtimes.computeIfAbsent(id, k -> new ArrayList<>()).add(runtime);
        NodeAgent agent = new NodeAgent(new NodeRecord(id, "127.0.0.1:1", capacity, Instant.now(), false),
                own.nodeJobs(), own, runtime, probe::isHealthy, home.workspacesDir(), Clock.systemUTC());
        closing.add(agent);
        agent.start();
        return agent;
    }

    private NodeRuntime runtime(Clock clock) {
        return new NodeRuntime(store.nodeJobs(), store, store, Duration.ofSeconds(90), clock);
    }

    private WorkspaceSpec starting(String id, String user, String name) {
        Instant now = Instant.now();
        store.insert(new WorkspaceRecord(id, user, name, name + "." + user + ".codermon.test", null,
                WorkspaceState.STARTING, null, now, now));
        return new WorkspaceSpec(id, user, name, name + "." + user + ".codermon.test", tmp.resolve("cp/" + id));
    }

    @Test
    void aWorkspaceRunsOnItsNodeAndIsLostWithIt() throws Exception {
        node("n1", 1);
        NodeAgent n2 = node("n2", 3);
        NodeRuntime nodes = runtime(Clock.systemUTC());

        RuntimeHandle handle = track(nodes.start(starting("w1", "alice", "main")));

        assertEquals("n2", handle.nodeId(), "the node with the most room");
        assertTrue(handle.socketPath().startsWith(tmp.resolve("n2").toString()), handle.socketPath());
        assertTrue(probe.isHealthy(handle.socketPath()), "real code-server answers on n2's socket");
        WorkspaceRecord running = store.find("w1").orElseThrow().withUpstream(handle.socketPath(),
                handle.runtimeRef()).withState(WorkspaceState.RUNNING);
        store.update(running);
        Route route = store.loadAll().routes().get("main.alice.codermon.test");
        assertEquals("n2", route.nodeId(), "every proxy learns the node from the route");
        assertTrue(nodes.isAlive(handle.runtimeRef()));

        n2.close(); // the node falls silent
        // The leader's passes every 2 s, on a clock that runs ahead, until the node has been silent long enough.
        java.util.concurrent.atomic.AtomicReference<Duration> ahead = new java.util.concurrent.atomic.AtomicReference<>(
                Duration.ZERO);
        Clock passes = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.now().plus(ahead.get());
            }
        };
        LostNodes leader = new LostNodes(store.nodeJobs(), store, store, LostNodes.LOST_AFTER, passes);
        for (long s = 0; s <= LostNodes.LOST_AFTER.toSeconds() + 4; s += 2) {
            ahead.set(Duration.ofSeconds(s));
            leader.run();
        }
        Clock later = Clock.offset(Clock.systemUTC(), LostNodes.LOST_AFTER.plusSeconds(5));

        WorkspaceRecord lost = store.find("w1").orElseThrow();
        assertEquals(WorkspaceState.LOST, lost.state());
        assertEquals("n2", lost.nodeId(), "its files are on n2");
        assertNull(store.loadAll().routes().get("main.alice.codermon.test"), "no proxy routes to it any more");
        assertThrows(IllegalStateException.class, () -> runtime(later).isAlive(handle.runtimeRef()),
                "a lost node cannot tell");
        RuntimeStartException again = assertThrows(RuntimeStartException.class, () -> runtime(later).start(
                new WorkspaceSpec("w1", "alice", "main", "main.alice.codermon.test", tmp.resolve("cp/w1"))));
        assertTrue(again.getMessage().startsWith("its files are on node n2"), again.getMessage());
    }

    @Test
    void aStopGoesThroughTheNodeAndANodeRefusesWhatIsPlacedElsewhere() throws Exception {
        node("n1", 2);
        NodeRuntime nodes = runtime(Clock.systemUTC());
        RuntimeHandle handle = track(nodes.start(starting("w1", "alice", "main")));
        assertTrue(probe.isHealthy(handle.socketPath()));

        nodes.stop(handle.runtimeRef());

        assertFalse(probe.isHealthy(handle.socketPath()), "code-server on n1 stopped");

        starting("w2", "alice", "other");
        store.update(store.find("w2").orElseThrow().onNode("n9"));
        long job = store.nodeJobs().enqueue("n1", "w2", NodeJob.Kind.START, "alice\nother\nother.alice.codermon.test",
                Instant.now());
        NodeJob refused = awaitEnd(job);
        assertEquals(NodeJob.Status.FAILED, refused.status());
        assertEquals("workspace w2 is placed on node n9, not n1: refused", refused.result());

        RuntimeStartException bob = assertThrows(RuntimeStartException.class,
                () -> nodes.start(starting("w3", "bob", "main")));
        assertEquals("node n1 could not start it: node n1 runs local processes for alice only, not for bob",
                bob.getMessage());
    }

    /** Remembers what a node started, so that the test stops it at the end. */
    private RuntimeHandle track(RuntimeHandle handle) {
        String local = handle.runtimeRef().substring(handle.runtimeRef().indexOf(':', "node:".length()) + 1);
        started.computeIfAbsent(handle.nodeId(), k -> new ArrayList<>()).add(local);
        return handle;
    }

    private NodeJob awaitEnd(long id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            NodeJob job = store.nodeJobs().job(id).orElseThrow();
            if (job.status().ended()) {
                return job;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " did not end");
    }
}
