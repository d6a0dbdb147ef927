package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_DOWN_HOST;
import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy reaches a workspace only through the unix socket its route names: a socket that is missing,
 * left behind by a server that stopped, or not a socket at all gives 502 with a reason (as a refused TCP
 * connect did), and app hosts go through the workspace's own socket with their Host unchanged, for
 * code-server to route.
 */
class UpstreamSocketIT {

    private static final String NOT_ANSWERING = "workspace is not answering";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    private static Response get(String host, String path) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + host + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nProxy-Authorization: " + RawClient.basic("alice", fixture.token("alice")) + "\r\n\r\n")
                    .readResponse();
            if (response.status() == 502) {
                assertTrue(client.closedByPeer(), "the connection stays open after a 502");
            }
            return response;
        }
    }

    private static void assertNotAnswering(Response response) {
        assertEquals(502, response.status(), response.text());
        assertEquals(NOT_ANSWERING, response.text());
        assertEquals(String.valueOf(response.body().length), response.header("content-length"));
    }

    @Test
    void a_socket_path_that_does_not_exist_gives_502_with_a_reason() throws IOException {
        assertFalse(Files.exists(Path.of(fixture.missingSocket())));
        assertNotAnswering(get(ALICE_DOWN_HOST, "/"));
        // The proxy carries on for the workspaces that do answer.
        assertEquals("hello /after", get(ALICE_HOST, "/after").text());
    }

    @Test
    void a_socket_left_behind_by_a_stopped_server_gives_502() throws IOException {
        Path dir = Files.createTempDirectory("stale-socket");
        Path socket = dir.resolve("cs.sock");
        try {
            // Closing a bound unix server socket leaves its file: connecting to it is refused.
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket));
            }
            assertTrue(Files.exists(socket));
            String host = "stale.alice.codermon.internal";
            fixture.addRoute("ws-alice-stale", "alice", "stale", host, socket.toString());
            assertNotAnswering(get(host, "/"));
        } finally {
            fixture.controlPlaneStore.delete("ws-alice-stale");
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }

    @Test
    void a_path_that_is_not_a_socket_gives_502() throws IOException {
        Path dir = Files.createTempDirectory("not-a-socket");
        Path file = Files.writeString(dir.resolve("cs.sock"), "GET / HTTP/1.1\r\n\r\n");
        try {
            String host = "file.alice.codermon.internal";
            fixture.addRoute("ws-alice-file", "alice", "file", host, file.toString());
            assertNotAnswering(get(host, "/"));
            fixture.addRoute("ws-alice-dir", "alice", "dir", "dir.alice.codermon.internal", dir.toString());
            assertNotAnswering(get("dir.alice.codermon.internal", "/"));
        } finally {
            fixture.controlPlaneStore.delete("ws-alice-file");
            fixture.controlPlaneStore.delete("ws-alice-dir");
            Files.delete(file);
            Files.delete(dir);
        }
    }

    @Test
    void app_hosts_reach_their_workspace_through_its_socket_with_their_own_host() throws IOException {
        // 8080 was code-server's port in containers; with code-server on a socket it is the workspace's to use.
        for (int port : new int[] {8080, 8501}) {
            String app = port + "." + ALICE_HOST;
            Response response = get(app, "/app");
            assertEquals(200, response.status(), response.text());
            assertEquals("hello /app", response.text());
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(List.of("8080." + ALICE_HOST, "8501." + ALICE_HOST),
                seen.stream().map(s -> s.headers().get("Host")).toList());
    }

    @Test
    void a_denied_app_port_is_refused_before_the_socket() throws IOException {
        Response response = get("22." + ALICE_HOST, "/");
        assertEquals(403, response.status());
        assertEquals("this port is closed to apps by the proxy's deny list (--deny-app-ports)", response.text());
        assertTrue(fixture.upstream.seen().isEmpty(), "the refused request reached the workspace");
    }
}
