package dev.codermon.proxy;

import static dev.codermon.proxy.testing.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.testing.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.ProxyFixture;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import io.netty.util.NettyRuntime;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-event-loop upstream pool over real sockets: alice's and bob's workspaces are served by the
 * same upstream address, as two workspaces would be if a port were reused. Client connections are
 * spread over the proxy's event loops, one pool each, so every test opens more client connections
 * in a row than there are event loops.
 */
class UpstreamPoolIT {

    /** More than the proxy's event loops (Netty's default: twice the processors). */
    private static final int SEQUENTIAL_CLIENTS = NettyRuntime.availableProcessors() * 2 * 3;

    private static ProxyFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture();
    }

    @AfterAll
    static void stop() throws IOException {
        fixture.close();
    }

    @BeforeEach
    void clearUpstream() throws InterruptedException {
        fixture.upstream.closeConnections();
        fixture.upstream.clear();
        // Let the proxy see the hang-ups of its pooled connections before the next test.
        Thread.sleep(200);
    }

    /** Sends one request on a new client connection that the proxy closes after answering. */
    private static Response requestOnNewConnection(String user, String host, String path) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + host + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nProxy-Authorization: " + RawClient.basic(user, fixture.token(user))
                    + "\r\nConnection: close\r\n\r\n").readResponse();
            // Once the proxy has closed this connection its upstream connection is back in the pool.
            assertTrue(client.closedByPeer());
            return response;
        }
    }

    private static Set<String> upstreamConnectionsOf(String pathPrefix) {
        return fixture.upstream.seen().stream().filter(s -> s.uri().startsWith(pathPrefix))
                .map(Seen::connection).collect(Collectors.toSet());
    }

    @Test
    void sequential_client_connections_reuse_upstream_connections() throws IOException {
        int acceptedBefore = fixture.upstream.acceptedConnections();
        for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
            assertEquals("hello /seq-" + i, requestOnNewConnection("alice", ALICE_HOST, "/seq-" + i).text());
        }
        int opened = fixture.upstream.acceptedConnections() - acceptedBefore;
        assertTrue(opened <= SEQUENTIAL_CLIENTS / 3,
                "at most one upstream connection per event loop, opened " + opened + " for " + SEQUENTIAL_CLIENTS);
        assertEquals(opened, upstreamConnectionsOf("/seq-").size());
    }

    @Test
    void different_workspaces_never_share_an_upstream_connection() throws IOException {
        // Alice's connections wait in every event loop's pool when bob's requests come.
        for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
            requestOnNewConnection("alice", ALICE_HOST, "/alice-" + i);
        }
        for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
            requestOnNewConnection("bob", BOB_HOST, "/bob-" + i);
        }
        Set<String> alice = upstreamConnectionsOf("/alice-");
        Set<String> bob = upstreamConnectionsOf("/bob-");
        assertTrue(alice.size() < SEQUENTIAL_CLIENTS && bob.size() < SEQUENTIAL_CLIENTS, "connections were reused");
        Set<String> shared = new HashSet<>(alice);
        shared.retainAll(bob);
        assertTrue(shared.isEmpty(), "an upstream connection carried both workspaces: " + shared);
    }

    @Test
    void upstream_connection_closed_while_idle_is_not_handed_out() throws Exception {
        for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
            requestOnNewConnection("alice", ALICE_HOST, "/before-" + i);
        }
        Set<String> before = upstreamConnectionsOf("/before-");
        fixture.upstream.closeConnections();
        Thread.sleep(200);
        int acceptedBefore = fixture.upstream.acceptedConnections();
        for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
            Response response = requestOnNewConnection("alice", ALICE_HOST, "/after-" + i);
            assertEquals(200, response.status());
            assertEquals("hello /after-" + i, response.text());
        }
        assertTrue(fixture.upstream.acceptedConnections() > acceptedBefore, "new upstream connections were opened");
        Set<String> after = upstreamConnectionsOf("/after-");
        after.retainAll(before);
        assertTrue(after.isEmpty(), "a closed upstream connection was used again");
    }

    @Test
    void keep_alive_client_keeps_its_upstream_connection() throws IOException {
        String auth = RawClient.basic("alice", fixture.token("alice"));
        try (RawClient client = new RawClient(fixture.port())) {
            for (int i = 0; i < 5; i++) {
                Response response = client.send("GET http://" + ALICE_HOST + "/ka-" + i + " HTTP/1.1\r\nHost: "
                        + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
                assertEquals("hello /ka-" + i, response.text());
            }
        }
        assertEquals(1, upstreamConnectionsOf("/ka-").size());
    }
}
