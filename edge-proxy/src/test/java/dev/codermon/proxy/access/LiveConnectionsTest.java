package dev.codermon.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.Route;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveConnectionsTest {

    private static final Principal ALICE = new Principal("alice", "t1", Instant.EPOCH, Instant.MAX);
    private static final Route MAIN = new Route("ws-1", "alice", "main.alice.codermon.internal", "/run/ws-1.sock");
    private static final Route OTHER = new Route("ws-2", "alice", "other.alice.codermon.internal", "/run/ws-2.sock");

    private final LiveConnections connections = new LiveConnections();

    @Test
    void bound_connections_are_counted_per_workspace_with_their_web_sockets_and_tunnels() {
        EmbeddedChannel plain = new EmbeddedChannel();
        EmbeddedChannel webSocket = new EmbeddedChannel();
        EmbeddedChannel tunnelledWebSocket = new EmbeddedChannel();
        EmbeddedChannel other = new EmbeddedChannel();
        EmbeddedChannel unbound = new EmbeddedChannel();
        connections.bind(plain, ALICE, MAIN);
        connections.bind(webSocket, ALICE, MAIN);
        LiveConnections.markWebSocket(webSocket);
        LiveConnections.markTunnel(tunnelledWebSocket);
        connections.bind(tunnelledWebSocket, ALICE, MAIN);
        LiveConnections.markWebSocket(tunnelledWebSocket);
        connections.bind(other, ALICE, OTHER);
        LiveConnections.markTunnel(other);
        LiveConnections.markTunnel(unbound);

        assertEquals(Map.of("ws-1", new OpenCounts(3, 2, 1), "ws-2", new OpenCounts(1, 0, 1)),
                connections.openByWorkspace());

        webSocket.close();
        other.close();
        assertEquals(Map.of("ws-1", new OpenCounts(2, 1, 1)), connections.openByWorkspace());
        for (EmbeddedChannel c : new EmbeddedChannel[] {plain, webSocket, tunnelledWebSocket, other, unbound}) {
            c.finishAndReleaseAll();
        }
        assertEquals(Map.of(), connections.openByWorkspace());
    }

    @Test
    void a_connection_that_moves_to_another_workspace_counts_there_only_and_keeps_its_tunnel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        connections.bind(channel, ALICE, MAIN);
        LiveConnections.markTunnel(channel);
        connections.bind(channel, ALICE, OTHER);
        assertEquals(Map.of("ws-2", new OpenCounts(1, 0, 1)), connections.openByWorkspace());
        channel.finishAndReleaseAll();
    }
}
