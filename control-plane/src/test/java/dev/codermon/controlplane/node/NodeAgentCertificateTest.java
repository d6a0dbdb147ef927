package dev.codermon.controlplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.route.NodeRecord;
import dev.codermon.controlplane.runtime.FakeRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node agent publishes its node's relay certificate at every heartbeat, and a new one once issued. */
class NodeAgentCertificateTest {

    @TempDir
    Path home;

    @Test
    void every_heartbeat_publishes_the_certificate_the_node_holds_then_and_a_lost_mark_keeps_it() {
        FakeNodeStore store = new FakeNodeStore();
        AtomicReference<String> certificate = new AtomicReference<>("aa11");
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T00:00:00Z"), ZoneOffset.UTC);
        NodeAgent agent = new NodeAgent(new NodeRecord("n2", "10.0.0.2:5003", 2, Instant.EPOCH, false, null), store,
                store, new FakeRuntime(), socket -> true, home.resolve("workspaces"), clock)
                .publishing(certificate::get);

        agent.heartbeat();
        assertEquals(new NodeRecord("n2", "10.0.0.2:5003", 2, clock.instant(), false, "aa11"), store.nodes().get(0));

        certificate.set("bb22"); // issued again: the file changed
        agent.heartbeat();
        assertEquals("bb22", store.nodes().get(0).relayCertificate());

        store.markLostNodes(clock.instant().plusSeconds(1));
        assertEquals(new NodeRecord("n2", "10.0.0.2:5003", 2, clock.instant(), true, "bb22"), store.nodes().get(0),
                "marked lost, still the node's certificate");
        agent.close();
    }
}
