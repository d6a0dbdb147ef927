package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import io.netty.util.NettyRuntime;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-event-loop upstream pool over real unix sockets: alice's and bob's workspaces are served by the
 * same upstream socket, as two workspaces would be if a socket path were reused; other tests give a
 * workspace a socket of its own, or move one to a new socket. Client connections are
 * spread over the proxy's event loops, one pool each, so every test opens more client connections
 * in a row than there are event loops.
 */
class UpstreamPoolIT {

    /** More than the proxy's event loops (Netty's default: twice the processors). */
    private static final int SEQUENTIAL_CLIENTS = NettyRuntime.availableProcessors() * 2 * 3;

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    @BeforeEach
    void clearUpstream() throws InterruptedException {
        fixture.upstream.closeConnections();
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
    void workspaces_on_different_sockets_never_share_a_pooled_connection() throws Exception {
        String carolHost = "main.carol.codermon.internal";
        try (TestUpstream carols = new TestUpstream().start()) {
            fixture.addRoute("ws-carol", "carol", "main", carolHost, carols.socket());
            // Turn by turn, so that each workspace's idle connections wait in the pools when the other's come.
            for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
                assertEquals("hello /alice-" + i, requestOnNewConnection("alice", ALICE_HOST, "/alice-" + i).text());
                assertEquals("hello /carol-" + i, requestOnNewConnection("carol", carolHost, "/carol-" + i).text());
            }
            assertEquals(SEQUENTIAL_CLIENTS,
                    fixture.upstream.seen().stream().filter(s -> s.uri().startsWith("/alice-")).count());
            assertTrue(fixture.upstream.seen().stream().noneMatch(s -> s.uri().startsWith("/carol-")),
                    "carol's request reached alice's workspace");
            assertEquals(SEQUENTIAL_CLIENTS, carols.seen().size());
            assertTrue(carols.seen().stream().allMatch(s -> s.uri().startsWith("/carol-")),
                    "alice's request reached carol's workspace: " + carols.seen());
            assertTrue(carols.acceptedConnections() < SEQUENTIAL_CLIENTS, "carol's connections were reused");
        } finally {
            fixture.controlPlaneStore.delete("ws-carol");
        }
    }

    @Test
    void a_workspace_moved_to_a_new_socket_never_reuses_connections_to_the_old_one() throws Exception {
        String daveHost = "main.dave.codermon.internal";
        try (TestUpstream before = new TestUpstream().start(); TestUpstream after = new TestUpstream().start()) {
            fixture.addRoute("ws-dave", "dave", "main", daveHost, before.socket());
            for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
                requestOnNewConnection("dave", daveHost, "/old-" + i);
            }
            // Started again on another socket (the old one still listening, its connections still pooled).
            WorkspaceRecord record = fixture.controlPlaneStore.find("ws-dave").orElseThrow();
            fixture.controlPlaneStore.update(record.withUpstream(after.socket(), "test-2"));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (after.seen().isEmpty() && System.nanoTime() < deadline) {
                requestOnNewConnection("dave", daveHost, "/moving");
                Thread.sleep(50);
            }
            assertTrue(!after.seen().isEmpty(), "the new socket was never used");
            int oldRequests = before.seen().size();
            for (int i = 0; i < SEQUENTIAL_CLIENTS; i++) {
                assertEquals("hello /new-" + i, requestOnNewConnection("dave", daveHost, "/new-" + i).text());
            }
            assertEquals(oldRequests, before.seen().size(), "a request went to the old socket after the move");
            assertEquals(SEQUENTIAL_CLIENTS,
                    after.seen().stream().filter(s -> s.uri().startsWith("/new-")).count());
        } finally {
            fixture.controlPlaneStore.delete("ws-dave");
        }
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

    private static List<Seen> seenAt(String path) {
        return fixture.upstream.seen().stream().filter(s -> s.uri().equals(path)).toList();
    }

    @Test
    void idempotent_request_on_a_reused_connection_the_upstream_hung_up_is_sent_again_on_a_new_one()
            throws IOException {
        String auth = RawClient.basic("alice", fixture.token("alice"));
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send("GET http://" + ALICE_HOST + "/warm HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse().status());
            // The upstream hangs up on this one because its connection was used before: the proxy cannot
            // know in advance, and the request was not acted on, so it goes again on a new connection.
            Response response = client.send("GET http://" + ALICE_HOST + "/drop-on-reuse HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            assertEquals(200, response.status());
            assertEquals("hello /drop-on-reuse", response.text());
            // The client's connection carries on.
            assertEquals("hello /after", client.send("GET http://" + ALICE_HOST + "/after HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse().text());
        }
        List<Seen> attempts = seenAt("/drop-on-reuse");
        assertEquals(2, attempts.size(), "sent once on the reused connection, once on a new one");
        assertNotEquals(attempts.get(0).connection(), attempts.get(1).connection());
        assertEquals(seenAt("/warm").get(0).connection(), attempts.get(0).connection(),
                "the first attempt went on the reused connection");
    }

    @Test
    void client_connection_close_is_kept_across_the_retry() throws IOException {
        String auth = RawClient.basic("alice", fixture.token("alice"));
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("GET http://" + ALICE_HOST + "/warm HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            Response response = client.send("GET http://" + ALICE_HOST + "/drop-on-reuse HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\nConnection: close\r\n\r\n")
                    .readResponse();
            assertEquals("hello /drop-on-reuse", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByPeer(), "the client asked to close after this response");
        }
    }

    @Test
    void request_with_a_body_is_not_sent_again() throws IOException {
        String auth = RawClient.basic("alice", fixture.token("alice"));
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("GET http://" + ALICE_HOST + "/warm HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            Response response = client.send("POST http://" + ALICE_HOST + "/drop-on-reuse HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\nContent-Length: 5\r\n\r\nhello")
                    .readResponse();
            assertEquals(502, response.status());
            assertEquals("workspace is not answering", response.text());
        }
        assertEquals(1, seenAt("/drop-on-reuse").size(), "a POST may have been acted on: never sent twice");
    }

    @Test
    void retry_happens_at_most_once() throws IOException {
        String auth = RawClient.basic("alice", fixture.token("alice"));
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("GET http://" + ALICE_HOST + "/warm HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            Response response = client.send("GET http://" + ALICE_HOST + "/drop-always HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            assertEquals(502, response.status());
        }
        assertEquals(2, seenAt("/drop-always").size(), "the reused connection, then one new connection, no more");
    }
}
