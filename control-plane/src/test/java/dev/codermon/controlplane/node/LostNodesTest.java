package dev.codermon.controlplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LostNodesTest {

    private final FakeNodeStore store = new FakeNodeStore();
    private final Instant now = Instant.parse("2026-12-03T12:00:00Z");
    private final LostNodes pass = new LostNodes(store, store, store, Duration.ofSeconds(15),
            Clock.fixed(now, java.time.ZoneOffset.UTC));

    private void running(String id, String node) {
        store.insert(new WorkspaceRecord(id, "alice", id, id + ".alice.test", "/s/" + id, WorkspaceState.RUNNING,
                "node:" + node + ":c-" + id, now.minusSeconds(600), now.minusSeconds(60), node));
    }

    @Test
    void aSilentNodesWorkspacesLoseTheirRoutesAndTheLiveOnesKeepThem() {
        store.reportNode(new NodeRecord("n1", "a:1", 5, now.minusSeconds(3), false), Set.of());
        store.reportNode(new NodeRecord("n3", "a:3", 5, now.minusSeconds(16), false), Set.of());
        running("w1", "n1");
        running("w3", "n3");

        pass.run();

        assertTrue(store.find("w1").orElseThrow().route().isPresent());
        WorkspaceRecord lost = store.find("w3").orElseThrow();
        assertEquals(WorkspaceState.LOST, lost.state());
        assertTrue(lost.route().isEmpty());
        assertNull(lost.upstreamSocket());
        assertEquals("n3", lost.nodeId(), "it keeps its node: its files are there");
        assertTrue(store.nodes().stream().filter(n -> n.id().equals("n3")).findFirst().orElseThrow().lost());
        assertFalse(store.nodes().stream().filter(n -> n.id().equals("n1")).findFirst().orElseThrow().lost());
    }

    @Test
    void aNodeIsNotLostForOneOrTwoMissedHeartbeats() {
        assertThrows(IllegalArgumentException.class, () -> new LostNodes(store, store, store, Duration.ofSeconds(3),
                Clock.systemUTC()));
        store.reportNode(new NodeRecord("n1", "a:1", 5, now.minusSeconds(14), false), Set.of());
        running("w1", "n1");
        pass.run();
        assertEquals(WorkspaceState.RUNNING, store.find("w1").orElseThrow().state());
    }

    @Test
    void afterAGapWithoutPassesNodesHaveLostAfterToReportBeforeAnyIsLost() {
        // A store outage of 30 s: no pass could run and no node could report; every heartbeat is 30 s old.
        java.util.concurrent.atomic.AtomicReference<Instant> time = new java.util.concurrent.atomic.AtomicReference<>(now);
        Clock clock = new Clock() {
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
                return time.get();
            }
        };
        LostNodes watching = new LostNodes(store, store, store, Duration.ofSeconds(15), clock);
        watching.run();
        time.set(now.plusSeconds(30));
        store.reportNode(new NodeRecord("n1", "a:1", 5, now, false), Set.of());
        store.reportNode(new NodeRecord("n3", "a:3", 5, now, false), Set.of());
        running("w1", "n1");
        running("w3", "n3");

        watching.run();
        assertEquals(WorkspaceState.RUNNING, store.find("w1").orElseThrow().state(), "not judged right after the gap");

        for (int t = 32; t <= 46; t += 2) { // a pass every 2 s, as the leader runs them
            time.set(now.plusSeconds(t));
            if (t == 40) {
                store.reportNode(new NodeRecord("n1", "a:1", 5, now.plusSeconds(40), false), Set.of());
            }
            watching.run();
            if (t == 44) {
                assertEquals(WorkspaceState.RUNNING, store.find("w3").orElseThrow().state(), "14 s after the gap");
            }
        }
        assertEquals(WorkspaceState.RUNNING, store.find("w1").orElseThrow().state(), "n1 reported again");
        assertEquals(WorkspaceState.LOST, store.find("w3").orElseThrow().state(),
                "n3 stayed silent for 15 s after the check resumed");
    }
}
