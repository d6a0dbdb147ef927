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
    private Instant clockAt = now.minusSeconds(16);
    private final Clock clock = new Clock() {
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
            return clockAt;
        }
    };
    private final LostNodes pass = new LostNodes(store, store, store, Duration.ofSeconds(15), clock);

    /** Runs the pass every 2 s, as the leader does, from 16 s ago until now. */
    private void passUntilNow() {
        for (clockAt = now.minusSeconds(16); !clockAt.isAfter(now); clockAt = clockAt.plusSeconds(2)) {
            pass.run();
        }
        clockAt = now;
        pass.run();
    }

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

        passUntilNow();

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
        passUntilNow();
        assertEquals(WorkspaceState.RUNNING, store.find("w1").orElseThrow().state());
    }

    @Test
    void afterAStoreOutageOrANewLeaderEveryNodeGetsTheFullTimeToReportAgain() {
        // Every node fell silent while the store was down: their last heartbeats are 40 s old.
        store.reportNode(new NodeRecord("n1", "a:1", 5, now.minusSeconds(40), false), Set.of());
        running("w1", "n1");

        clockAt = now;
        pass.run(); // the first pass of this leader (or the first after passes lapsed)
        clockAt = now.plusSeconds(2);
        pass.run();
        assertEquals(WorkspaceState.RUNNING, store.find("w1").orElseThrow().state(), "not lost at once");

        clockAt = now.plusSeconds(30); // passes lapsed meanwhile (the store was down again): counts anew
        pass.run();
        assertEquals(WorkspaceState.RUNNING, store.find("w1").orElseThrow().state());

        for (int s = 32; s <= 46; s += 2) { // 16 s of passes with the node still silent
            clockAt = now.plusSeconds(s);
            pass.run();
        }
        assertEquals(WorkspaceState.LOST, store.find("w1").orElseThrow().state(), "silent for the full time");
    }
}
