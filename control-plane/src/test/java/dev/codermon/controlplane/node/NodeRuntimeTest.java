package dev.codermon.controlplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.NodeJob;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.FakeRuntime;
import dev.codermon.controlplane.runtime.RuntimeHandle;
import dev.codermon.controlplane.runtime.RuntimeStartException;
import dev.codermon.controlplane.runtime.RuntimeUnavailableException;
import dev.codermon.controlplane.runtime.WorkspaceSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRuntimeTest {

    @TempDir
    Path home;
    private final FakeNodeStore store = new FakeNodeStore();
    private final List<NodeAgent> agents = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();

    @AfterEach
    void stopAgents() {
        agents.forEach(NodeAgent::close);
    }

    private FakeRuntime agent(String node, int capacity) {
        FakeRuntime runtime = new FakeRuntime();
        NodeAgent agent = new NodeAgent(new NodeRecord(node, "127.0.0.1:1", capacity, Instant.EPOCH, false), store,
                store, runtime, socket -> socket != null, home.resolve(node), clock);
        agent.start();
        agents.add(agent);
        return runtime;
    }

    /** A runtime that fails at once when no node is live (no wait for silent nodes). */
    private NodeRuntime runtime() {
        return new NodeRuntime(store, store, store, Duration.ofSeconds(10), Duration.ZERO, clock);
    }

    private WorkspaceSpec starting(String id, String name) {
        Instant now = clock.instant();
        store.insert(new WorkspaceRecord(id, "alice", name, name + ".alice.test", null, WorkspaceState.STARTING,
                null, now, now));
        return new WorkspaceSpec(id, "alice", name, name + ".alice.test", home.resolve("cp").resolve(id));
    }

    @Test
    void startsOnTheNodeWithTheMostRoomThroughItsAgentAndKnowsItRuns() throws Exception {
        FakeRuntime n1 = agent("n1", 1);
        FakeRuntime n2 = agent("n2", 3);
        NodeRuntime runtime = runtime();

        RuntimeHandle handle = runtime.start(starting("w1", "main"));

        assertEquals("n2", handle.nodeId());
        assertEquals("node:n2:fake-1", handle.runtimeRef());
        assertEquals(FakeRuntime.socketOf("fake-1"), handle.socketPath());
        assertEquals(0, n1.starts.get());
        assertEquals(1, n2.starts.get());
        assertEquals(home.resolve("n2").resolve("w1"), n2.started.get(0).directory(),
                "the node keeps the files under its own home");
        assertEquals("n2", store.find("w1").orElseThrow().nodeId());
        assertTrue(runtime.isAlive(handle.runtimeRef()), "the agent reported it before answering");

        runtime.stop(handle.runtimeRef());
        assertEquals(List.of("fake-1"), n2.stopped);
        agents.get(1).heartbeat();
        assertFalse(runtime.isAlive(handle.runtimeRef()));
    }

    @Test
    void aWorkspaceThatRanBeforeStartsOnItsOwnNodeOrNotAtAll() throws Exception {
        agent("n1", 5);
        FakeRuntime n2 = agent("n2", 1);
        WorkspaceSpec spec = starting("w1", "main");
        store.update(store.find("w1").orElseThrow().onNode("n2"));

        assertEquals("n2", runtime().start(spec).nodeId());
        assertEquals(1, n2.starts.get());

        WorkspaceSpec other = starting("w2", "other");
        store.update(store.find("w2").orElseThrow().onNode("n2"));
        RuntimeStartException e = assertThrows(RuntimeStartException.class, () -> runtime().start(other));
        assertTrue(e.getMessage().contains("its files are on node n2"), e.getMessage());
        assertTrue(e.getMessage().contains("1/1 placed"), e.getMessage());
    }

    @Test
    void aNodeWhoseLastSlotAnotherControlPlaneTookWhilePlacingIsPassedOverForOneWithRoom() throws Exception {
        FakeRuntime n1 = agent("n1", 1);
        FakeRuntime n2 = agent("n2", 1);
        WorkspaceSpec spec = starting("w1", "main");
        // Both have room when the counts are read (n1 wins the tie); another control plane fills n1 first.
        Instant now = clock.instant();
        store.beforeNextPlacement = () -> store.insert(new WorkspaceRecord("other", "bob", "main", "main.bob.test",
                null, WorkspaceState.STARTING, null, now, now).onNode("n1"));

        assertEquals("n2", runtime().start(spec).nodeId());
        assertEquals(0, n1.starts.get(), "n1 got a workspace beyond its capacity");
        assertEquals(1, n2.starts.get());
        assertEquals(1, store.listAll().stream().filter(r -> "n1".equals(r.nodeId())).count());
    }

    @Test
    void noLiveNodeWithRoomIsAClearRefusalAndQueuesNothing() {
        assertEquals("no node has registered (start a node agent: docs/scale-out.md)",
                assertThrows(RuntimeStartException.class, () -> runtime().start(starting("w1", "main"))).getMessage());
        store.reportNode(new NodeRecord("n1", "127.0.0.1:1", 2, Instant.now().minusSeconds(60), false), java.util.Set.of());
        String why = assertThrows(RuntimeStartException.class, () -> runtime().start(starting("w2", "b")))
                .getMessage();
        assertTrue(why.startsWith("no live node has room: n1 silent since"), why);
        assertTrue(store.jobs().isEmpty());
    }

    @Test
    void aStartWaitsForASilentNodeThatReportsAgainAsAfterAStoreOutage() throws Exception {
        // n1 was silent for 30 s (its heartbeats could not reach the store), not lost.
        store.reportNode(new NodeRecord("n1", "127.0.0.1:1", 2, Instant.now().minusSeconds(30), false), java.util.Set.of());
        NodeRuntime runtime = new NodeRuntime(store, store, store, Duration.ofSeconds(10), Duration.ofSeconds(5), clock);
        Thread reporter = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            agent("n1", 2); // reports at once, then takes the job
        });
        reporter.start();
        long start = System.nanoTime();
        RuntimeHandle handle = runtime.start(starting("w1", "main"));
        reporter.join();
        assertEquals("n1", handle.nodeId());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(500).toNanos(), "placed before n1 reported");
    }

    @Test
    void aNodeThatStaysSilentIsRefusedOnceTheWaitIsOver() {
        store.reportNode(new NodeRecord("n1", "127.0.0.1:1", 2, Instant.now().minusSeconds(30), false), java.util.Set.of());
        NodeRuntime runtime = new NodeRuntime(store, store, store, Duration.ofSeconds(10), Duration.ofMillis(400), clock);
        long start = System.nanoTime();
        String why = assertThrows(RuntimeStartException.class, () -> runtime.start(starting("w1", "main"))).getMessage();
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(400).toNanos(), "did not wait for n1");
        assertTrue(why.startsWith("no live node has room: n1 silent since"), why);
        assertTrue(store.jobs().isEmpty());
    }

    @Test
    void anAgentRefusesAWorkspaceTheStorePlacesOnAnotherNode() {
        FakeRuntime n1 = agent("n1", 5);
        starting("w1", "main");
        store.update(store.find("w1").orElseThrow().onNode("n2"));
        long id = store.enqueue("n1", "w1", NodeJob.Kind.START, JobText.startArgument("alice", "main",
                "main.alice.test"), Instant.now());

        NodeJob job = awaitEnd(id);

        assertEquals(NodeJob.Status.FAILED, job.status());
        assertEquals("workspace w1 is placed on node n2, not n1: refused", job.result());
        assertEquals(0, n1.starts.get());
    }

    @Test
    void aStartTheNodeCannotDoFailsWithTheNodesReason() {
        FakeRuntime n1 = agent("n1", 5);
        n1.failStartsWith("image missing");
        RuntimeStartException e = assertThrows(RuntimeStartException.class,
                () -> runtime().start(starting("w1", "main")));
        assertEquals("node n1 could not start it: image missing", e.getMessage());
    }

    @Test
    void aWorkspacesPortsAreListedByItsOwnNode() throws Exception {
        FakeRuntime n1 = agent("n1", 1);
        FakeRuntime n2 = agent("n2", 3);
        NodeRuntime runtime = runtime();
        RuntimeHandle handle = runtime.start(starting("w1", "main"));
        store.update(store.find("w1").orElseThrow().withUpstream(handle.socketPath(), handle.runtimeRef())
                .withState(WorkspaceState.RUNNING));
        n2.listen("fake-1", List.of(8501, 3000));
        n1.listen("fake-1", List.of(9999));

        assertEquals(List.of(3000, 8501), runtime.listeningPorts(handle.runtimeRef()),
                "n2's agent looked inside its own instance");
        n2.listen("fake-1", List.of());
        assertEquals(List.of(), runtime.listeningPorts(handle.runtimeRef()), "nothing listens any more");
        assertEquals(List.of(), runtime.listeningPorts("fake-1"), "not an instance on a node");
        assertEquals(List.of("w1", "w1"), store.jobs().stream().filter(j -> j.kind() == NodeJob.Kind.PORTS)
                .map(NodeJob::workspaceId).toList(), "each job names the workspace whose instance it is");
    }

    @Test
    void aSilentOrSlowNodesPortsAreUnavailableWithTheReason() {
        store.reportNode(new NodeRecord("n1", "127.0.0.1:1", 2, Instant.now().minusSeconds(60), false),
                java.util.Set.of("fake-1"));
        RuntimeUnavailableException silent = assertThrows(RuntimeUnavailableException.class,
                () -> runtime().listeningPorts("node:n1:fake-1"));
        assertEquals("node n1 is not reporting, so the workspace's apps cannot be listed now", silent.getMessage());

        // n2 reports but no agent takes its jobs (one busy starting another workspace).
        store.reportNode(new NodeRecord("n2", "127.0.0.1:1", 2, Instant.now(), false), java.util.Set.of("fake-1"));
        NodeRuntime waitsBriefly = new NodeRuntime(store, store, store, Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofMillis(300), clock);
        RuntimeUnavailableException slow = assertThrows(RuntimeUnavailableException.class,
                () -> waitsBriefly.listeningPorts("node:n2:fake-1"));
        assertTrue(slow.getMessage().startsWith("node n2 could not list the workspace's apps: its agent did not"
                + " finish job "), slow.getMessage());
        assertTrue(store.jobs().stream().noneMatch(j -> j.kind() == NodeJob.Kind.PORTS),
                "the unanswered job was taken out of n2's queue: " + store.jobs());
    }

    @Test
    void aSilentNodesInstancesAreUnknownNotGone() {
        store.reportNode(new NodeRecord("n1", "127.0.0.1:1", 2, Instant.now().minusSeconds(60), false),
                java.util.Set.of("fake-1"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> runtime().isAlive("node:n1:fake-1"));
        assertTrue(e.getMessage().startsWith("node n1 is not reporting"), e.getMessage());
    }

    @Test
    void theSweepStopsInstancesTheStoreDoesNotPlaceHere() {
        FakeRuntime n1 = agent("n1", 5);
        starting("w1", "main");
        store.update(store.find("w1").orElseThrow().onNode("n2").withState(WorkspaceState.RUNNING)
                .withUpstream("/x", "node:n2:fake-9"));
        n1.pretendAlive("fake-7");
        n1.manage(List.of(new dev.codermon.controlplane.runtime.WorkspaceRuntime.Instance("w1", "fake-7")));

        agents.get(0).sweep();

        assertEquals(List.of("fake-7"), n1.stopped);
    }

    private NodeJob awaitEnd(long id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            NodeJob job = store.job(id).orElseThrow();
            if (job.status().ended()) {
                return job;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("job " + id + " did not end");
    }
}
