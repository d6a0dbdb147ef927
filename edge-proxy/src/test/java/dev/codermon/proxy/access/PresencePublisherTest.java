package dev.codermon.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.PresenceWriter;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteStoreException;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PresencePublisherTest {

    private static final Principal ALICE = new Principal("alice", "t1", Instant.EPOCH, Instant.MAX);
    private static final Route MAIN = new Route("ws-1", "alice", "main.alice.codermon.internal", "/run/ws-1.sock");
    private static final Route OTHER = new Route("ws-2", "alice", "other.alice.codermon.internal", "/run/ws-2.sock");

    /** Keeps rows like the store does and records each call's changes. */
    private static final class RecordingWriter implements PresenceWriter {
        final Map<String, OpenCounts> rows = new HashMap<>();
        final List<Map<String, OpenCounts>> calls = new ArrayList<>();
        boolean failing;
        boolean withdrawn;

        @Override
        public int publishPresence(String proxyId, Map<String, OpenCounts> changed, Instant at) {
            if (failing) {
                throw new RouteStoreException("store down", null);
            }
            calls.add(Map.copyOf(changed));
            changed.forEach((id, c) -> {
                if (c.isEmpty()) {
                    rows.remove(id);
                } else {
                    rows.put(id, c);
                }
            });
            return rows.size();
        }

        @Override
        public void withdrawPresence(String proxyId) {
            rows.clear();
            withdrawn = true;
        }
    }

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final LiveConnections connections = new LiveConnections();
    private final RecordingWriter store = new RecordingWriter();
    private final PresencePublisher publisher = new PresencePublisher(store, connections, "p1",
            Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), executor, Duration.ofHours(1));
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() {
        executor.shutdownNow();
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel open(Route route) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        connections.bind(channel, ALICE, route);
        return channel;
    }

    @Test
    void only_changes_are_written_and_an_unchanged_instance_only_refreshes_its_rows() {
        publisher.publish();
        assertEquals(List.of(), store.calls, "nothing open, nothing published: no write at all");

        EmbeddedChannel ws = open(MAIN);
        LiveConnections.markWebSocket(ws);
        publisher.publish();
        assertEquals(Map.of("ws-1", new OpenCounts(1, 1, 0)), store.calls.get(0));

        publisher.publish();
        assertEquals(Map.of(), store.calls.get(1), "unchanged: only the rows' time is refreshed");

        open(OTHER);
        publisher.publish();
        assertEquals(Map.of("ws-2", new OpenCounts(1, 0, 0)), store.calls.get(2));

        ws.close();
        publisher.publish();
        assertEquals(Map.of("ws-1", OpenCounts.NONE), store.calls.get(3), "a workspace with nothing open is deleted");
        assertEquals(Map.of("ws-2", new OpenCounts(1, 0, 0)), store.rows);
    }

    @Test
    void after_a_failed_write_everything_is_written_again_and_gone_workspaces_are_still_deleted() {
        EmbeddedChannel ws = open(MAIN);
        open(OTHER);
        publisher.publish();
        store.failing = true;
        ws.close();
        assertThrows(RouteStoreException.class, publisher::publish);
        store.failing = false;
        publisher.publish();
        assertEquals(Map.of("ws-1", OpenCounts.NONE, "ws-2", new OpenCounts(1, 0, 0)), store.calls.get(1));
        assertEquals(Map.of("ws-2", new OpenCounts(1, 0, 0)), store.rows);
    }

    @Test
    void rows_lost_in_the_store_are_written_again() {
        open(MAIN);
        publisher.publish();
        store.rows.clear(); // pruned by someone else
        publisher.publish();
        publisher.publish();
        assertEquals(Map.of("ws-1", new OpenCounts(1, 0, 0)), store.calls.get(2));
        assertEquals(Map.of("ws-1", new OpenCounts(1, 0, 0)), store.rows);
    }

    @Test
    void closing_withdraws_every_row() {
        open(MAIN);
        publisher.publish();
        publisher.close();
        assertTrue(store.withdrawn);
        assertEquals(Map.of(), store.rows);
    }
}
