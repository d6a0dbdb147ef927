package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Is the node-job queue's part of the store's contract (mixed into {@link RouteStoreContract}). */
interface NodeJobsContract {

    Instant T = Instant.parse("2026-01-01T00:00:00Z");

    /** Opens another store instance on the test's database. */
    SqlRouteStore open();

    @Test
    default void aJobIsTakenOnceByItsOwnNodeOnlyAndEndsWithItsAnswer() {
        NodeJobs jobs = open().nodeJobs();
        long first = jobs.enqueue("n2", "w1", NodeJob.Kind.START, "alice\nmain\nmain.alice.test", T);
        long second = jobs.enqueue("n2", "w2", NodeJob.Kind.STOP, "c-2", T.plusSeconds(1));
        assertTrue(second > first);

        assertEquals(Optional.empty(), jobs.takeNext("n3", T), "another node's job");
        NodeJob taken = jobs.takeNext("n2", T).orElseThrow();
        assertEquals(first, taken.id());
        assertEquals(NodeJob.Status.TAKEN, taken.status());
        assertEquals("alice\nmain\nmain.alice.test", taken.argument());
        assertEquals(second, jobs.takeNext("n2", T).orElseThrow().id(), "oldest first, never the same twice");
        assertEquals(Optional.empty(), jobs.takeNext("n2", T));

        jobs.finish(first, true, "/s/w1.sock\nc-1", T);
        jobs.finish(second, false, "no such container", T);
        NodeJob done = open().nodeJobs().job(first).orElseThrow();
        assertEquals(NodeJob.Status.DONE, done.status());
        assertEquals("/s/w1.sock\nc-1", done.result());
        assertEquals(NodeJob.Status.FAILED, jobs.job(second).orElseThrow().status());
    }

    @Test
    default void aPortsJobAnswersTheListOfPorts() {
        NodeJobs jobs = open().nodeJobs();
        long id = jobs.enqueue("n1", "w1", NodeJob.Kind.PORTS, "codermon-w1", T);
        NodeJob taken = jobs.takeNext("n1", T).orElseThrow();
        assertEquals(NodeJob.Kind.PORTS, taken.kind());
        assertEquals("codermon-w1", taken.argument());
        jobs.finish(id, true, "3000,8501", T);
        assertEquals("3000,8501", open().nodeJobs().job(id).orElseThrow().result());
        assertFalse(jobs.cancelQueued(id), "an ended job is not cancelled");
    }

    @Test
    default void onlyAQueuedJobIsCancelledAndThenNeverTaken() {
        NodeJobs jobs = open().nodeJobs();
        long taken = jobs.enqueue("n1", "w1", NodeJob.Kind.PORTS, "c-1", T);
        long queued = jobs.enqueue("n1", "w1", NodeJob.Kind.PORTS, "c-1", T);
        long next = jobs.enqueue("n1", "w2", NodeJob.Kind.STOP, "c-2", T);
        assertEquals(taken, jobs.takeNext("n1", T).orElseThrow().id());

        assertFalse(jobs.cancelQueued(taken), "an agent works on it already");
        assertTrue(jobs.cancelQueued(queued));
        assertFalse(open().nodeJobs().cancelQueued(queued), "gone already");
        assertEquals(Optional.empty(), jobs.job(queued));
        assertEquals(next, jobs.takeNext("n1", T).orElseThrow().id(), "the agent goes on with the next one");
        assertEquals(NodeJob.Status.TAKEN, jobs.job(taken).orElseThrow().status());
    }

    @Test
    default void twoAgentsTakingAtOnceNeverTakeOneJobTwice() throws Exception {
        NodeJobs writer = open().nodeJobs();
        int count = 40;
        for (int i = 0; i < count; i++) {
            writer.enqueue("n1", "w" + i, NodeJob.Kind.STOP, "c", T);
        }
        List<NodeJobs> agents = List.of(open().nodeJobs(), open().nodeJobs());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Long>>> takers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                NodeJobs agent = agents.get(t % 2);
                Callable<List<Long>> take = () -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < count; i++) { // bounded: never more tries than jobs
                        Optional<NodeJob> job = agent.takeNext("n1", T);
                        if (job.isEmpty()) {
                            break;
                        }
                        mine.add(job.get().id());
                    }
                    return mine;
                };
                takers.add(pool.submit(take));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : takers) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(count, all.size(), "every job taken: " + all);
            assertEquals(count, Set.copyOf(all).size(), "none taken twice: " + all);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    default void aReportReplacesWhatRunsAndASilentNodeIsMarkedLostOnce() {
        SqlRouteStore store = open();
        NodeJobs jobs = store.nodeJobs();
        jobs.reportNode(new NodeRecord("n1", "10.0.0.1:5003", 4, T, false), Set.of("c-1", "c-2"));
        jobs.reportNode(new NodeRecord("n2", "10.0.0.2:5003", 4, T.plusSeconds(30), false), Set.of());
        jobs.reportNode(new NodeRecord("n1", "10.0.0.1:5003", 4, T.plusSeconds(2), false), Set.of("c-2"));
        assertEquals(Set.of("c-2"), open().nodeJobs().runningRefs("n1"));

        assertEquals(List.of("n1"), jobs.markLostNodes(T.plusSeconds(20)));
        assertEquals(List.of(), jobs.markLostNodes(T.plusSeconds(20)), "only once");
        assertTrue(store.nodes().get(0).lost());
        assertFalse(store.nodes().get(1).lost());

        jobs.reportNode(new NodeRecord("n1", "10.0.0.1:5003", 4, T.plusSeconds(40), false), Set.of());
        assertFalse(store.nodes().get(0).lost(), "a node that reports again is back");
    }

    @Test
    default void aWorkspaceKeepsTheNodeItIsPlacedOn() {
        SqlRouteStore store = open();
        WorkspaceRecord r = new WorkspaceRecord("w1", "alice", "main", "main.alice.test", "/s/w1.sock",
                WorkspaceState.RUNNING, "node:n3:c-1", T, T, "n3");
        store.insert(r);
        assertEquals("n3", open().find("w1").orElseThrow().nodeId());
        assertEquals("n3", open().loadAll().routes().get("main.alice.test").nodeId(), "the route names it too");
        store.update(r.onNode("n2"));
        assertEquals("n2", open().find("w1").orElseThrow().nodeId());
    }
}
