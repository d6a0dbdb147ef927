package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_DOWN_HOST;
import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ForwardingIT {

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    private static String get(String url, String host, String auth) {
        return "GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
    }

    private Response exchange(String request) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            return client.send(request).readResponse();
        }
    }

    private static void assertRefused(Response response, int status, String reason) {
        assertEquals(status, response.status(), response.text());
        assertEquals(reason, response.text());
        assertEquals(String.valueOf(response.body().length), response.header("content-length"));
        assertTrue(response.header("content-type").startsWith("text/plain"));
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw a refused request");
    }

    @Test
    void basic_credentials_reach_upstream_with_host_and_origin_unchanged() throws IOException {
        String token = fixture.token("alice");
        Response response = exchange("GET http://" + ALICE_HOST + "/hello?x=1 HTTP/1.1\r\nHost: " + ALICE_HOST
                + "\r\nOrigin: http://" + ALICE_HOST + "\r\nProxy-Authorization: " + RawClient.basic("alice", token)
                + "\r\nProxy-Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive, X-Hop\r\n"
                + "X-Hop: 1\r\n\r\n");
        assertEquals(200, response.status());
        assertEquals("hello /hello?x=1", response.text());
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(1, seen.size());
        Seen request = seen.get(0);
        assertEquals("/hello?x=1", request.uri());
        assertEquals(ALICE_HOST, request.headers().get("Host"));
        assertEquals("http://" + ALICE_HOST, request.headers().get("Origin"));
        assertNull(request.headers().get("Proxy-Authorization"));
        assertNull(request.headers().get("Proxy-Connection"));
        assertNull(request.headers().get("Keep-Alive"));
        assertNull(request.headers().get("X-Hop"));
    }

    @Test
    void basic_credentials_without_user_name_are_accepted() throws IOException {
        Response response = exchange(get("http://" + ALICE_HOST + "/", ALICE_HOST,
                RawClient.basic("", fixture.token("alice"))));
        assertEquals(200, response.status());
        assertEquals(1, fixture.upstream.seen().size());
    }

    @Test
    void bearer_token_reaches_upstream() throws IOException {
        Response response = exchange(get("http://" + ALICE_HOST + "/b", ALICE_HOST,
                "Bearer " + fixture.token("alice")));
        assertEquals(200, response.status());
        assertEquals("hello /b", response.text());
        assertEquals(1, fixture.upstream.seen().size());
    }

    @Test
    void missing_credentials_get_407_challenge_and_the_connection_stays_usable() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response challenge = client.send(get("http://" + ALICE_HOST + "/", ALICE_HOST, null)).readResponse();
            assertRefused(challenge, 407, "proxy authentication required");
            assertEquals("Basic realm=\"codermon\"", challenge.header("proxy-authenticate"));
            Response retry = client.send(get("http://" + ALICE_HOST + "/", ALICE_HOST,
                    RawClient.basic("alice", fixture.token("alice")))).readResponse();
            assertEquals(200, retry.status());
        }
    }

    @Test
    void garbage_token_gets_407() throws IOException {
        assertRefused(exchange(get("http://" + ALICE_HOST + "/", ALICE_HOST, "Bearer not.a.jwt")),
                407, "malformed token");
    }

    @Test
    void expired_token_gets_407() throws IOException {
        Response response = exchange(get("http://" + ALICE_HOST + "/", ALICE_HOST,
                RawClient.basic("alice", fixture.expiredToken("alice"))));
        assertRefused(response, 407, "token expired");
        assertNotNull(response.header("proxy-authenticate"));
    }

    @Test
    void basic_user_name_must_match_the_token() throws IOException {
        assertRefused(exchange(get("http://" + ALICE_HOST + "/", ALICE_HOST,
                RawClient.basic("bob", fixture.token("alice")))), 407, "user name does not match the token");
    }

    @Test
    void bob_cannot_reach_alices_workspace() throws IOException {
        assertRefused(exchange(get("http://" + ALICE_HOST + "/", ALICE_HOST, "Bearer " + fixture.token("bob"))),
                403, "no running workspace of yours at this host");
    }

    @Test
    void unknown_workspace_host_gets_the_same_answer_as_someone_elses() throws IOException {
        String host = "nothing.alice.codermon.internal";
        assertRefused(exchange(get("http://" + host + "/", host, "Bearer " + fixture.token("alice"))),
                403, "no running workspace of yours at this host");
    }

    @Test
    void foreign_host_is_refused() throws IOException {
        assertRefused(exchange(get("http://example.com/", "example.com", "Bearer " + fixture.token("alice"))),
                403, "only Codermon workspace hosts are reachable through this proxy");
    }

    @Test
    void ip_literals_are_refused() throws Exception {
        String bearer = "Bearer " + fixture.token("alice");
        // The upstream also listens on a loopback port here, so that a proxy forwarding by IP would be seen.
        int port = fixture.upstream.listenOnLoopback();
        String upstream = "127.0.0.1:" + port;
        String reason = "IP addresses are not reachable through this proxy; use a workspace host name";
        assertRefused(exchange(get("http://" + upstream + "/", upstream, bearer)), 403, reason);
        assertRefused(exchange(get("http://[::1]:" + port + "/", "[::1]", bearer)), 403, reason);
        assertRefused(exchange(get("http://2130706433/", "2130706433", bearer)), 403, reason);
        assertRefused(exchange(get("http://0x7f.1/", "0x7f.1", bearer)), 403, reason);
    }

    @Test
    void localhost_and_the_control_plane_port_are_refused() throws IOException {
        assertRefused(exchange(get("http://localhost:5001/api", "localhost:5001", "Bearer " + fixture.token("alice"))),
                403, "localhost is not reachable through this proxy");
    }

    @Test
    void workspace_host_on_another_port_is_refused() throws IOException {
        String host = ALICE_HOST + ":5001";
        assertRefused(exchange(get("http://" + host + "/", host, "Bearer " + fixture.token("alice"))),
                403, "only port 80 of workspace hosts is reachable through this proxy");
    }

    @Test
    void origin_form_request_outside_a_tunnel_is_refused() throws IOException {
        assertRefused(exchange(get("/", ALICE_HOST, "Bearer " + fixture.token("alice"))),
                400, "request target must be an absolute http:// URL");
    }

    @Test
    void host_header_differing_from_the_url_is_refused() throws IOException {
        assertRefused(exchange(get("http://" + ALICE_HOST + "/", BOB_HOST, "Bearer " + fixture.token("alice"))),
                400, "Host header does not match the request URL");
    }

    @Test
    void malformed_request_gets_400_and_close() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nContent-Length: nope\r\n\r\n").readResponse();
            assertRefused(response, 400,
                    "invalid request framing: send one numeric Content-Length or Transfer-Encoding: chunked");
            assertTrue(client.closedByPeer());
        }
    }

    @Test
    void workspace_whose_socket_does_not_exist_gets_502() throws IOException {
        assertRefused(exchange(get("http://" + ALICE_DOWN_HOST + "/", ALICE_DOWN_HOST,
                "Bearer " + fixture.token("alice"))), 502, "workspace is not answering");
    }

    @Test
    void removed_route_is_refused_within_two_seconds() throws Exception {
        String host = "temp.alice.codermon.internal";
        fixture.addRoute("ws-alice-temp", "alice", "temp", host, fixture.upstream.socket());
        String request = get("http://" + host + "/", host, "Bearer " + fixture.token("alice"));
        assertEquals(200, exchange(request).status());
        fixture.controlPlaneStore.delete("ws-alice-temp");
        long start = System.nanoTime();
        int status = 200;
        while (status == 200 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(50);
            status = exchange(request).status();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(403, status);
        assertTrue(millis < 2000, "route removal took " + millis + " ms to take effect");
    }

    @Test
    void keep_alive_connection_verifies_every_request() throws IOException {
        String alice = "Bearer " + fixture.token("alice");
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals("hello /one", client.send(get("http://" + ALICE_HOST + "/one", ALICE_HOST, alice))
                    .readResponse().text());
            assertEquals("hello /two", client.send(get("http://" + ALICE_HOST + "/two", ALICE_HOST, alice))
                    .readResponse().text());
            Response missing = client.send(get("http://" + ALICE_HOST + "/three", ALICE_HOST, null)).readResponse();
            assertEquals(407, missing.status());
            Response bobs = client.send(get("http://" + BOB_HOST + "/four", BOB_HOST, alice)).readResponse();
            assertEquals(403, bobs.status());
            assertEquals("no running workspace of yours at this host", bobs.text());
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(List.of("/one", "/two"), seen.stream().map(Seen::uri).toList());
    }

    @Test
    void large_body_streams_both_ways() throws Exception {
        long size = 64L * 1024 * 1024;
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("POST http://" + ALICE_HOST + "/echo HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + fixture.token("alice")
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + size + "\r\n\r\n");
            CRC32 sent = new CRC32();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = client.out();
                    byte[] chunk = new byte[64 * 1024];
                    for (long written = 0; written < size; written += chunk.length) {
                        ThreadLocalRandom.current().nextBytes(chunk);
                        sent.update(chunk);
                        out.write(chunk);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Response head = client.readResponse(true);
            assertEquals(200, head.status());
            assertEquals(String.valueOf(size), head.header("content-length"));
            CRC32 received = new CRC32();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            while (total < size) {
                int n = client.in().read(buffer, 0, (int) Math.min(buffer.length, size - total));
                assertTrue(n > 0, "response ended early after " + total + " bytes");
                received.update(buffer, 0, n);
                total += n;
            }
            writer.get(60, TimeUnit.SECONDS);
            assertEquals(size, total);
            assertEquals(sent.getValue(), received.getValue());
        }
        assertEquals(1, fixture.upstream.seen().size());
    }
}
