package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TlsClients;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RevocationIT {

    /** The header a browser sends with a sign-in link the web console opened (over http it sends no Sec-Fetch-*). */
    private static final String CONSOLE = "\r\nReferer: http://localhost:5001/";

    /** How long the proxy may take to act on a store change (about one second promised, plus slack). */
    private static final long CLOSE_WITHIN_MILLIS = 2_500;

    private ProxyFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new ProxyFixture();
    }

    @AfterEach
    void stop() throws IOException {
        fixture.close();
    }

    private RawClient openWebSocket(String token) throws IOException {
        RawClient client = new RawClient(fixture.port());
        Response upgrade = client.send("GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST
                + "\r\nProxy-Authorization: Bearer " + token + "\r\n" + TlsTunnelIT.WS_HEADERS + "\r\n").readResponse();
        assertEquals(101, upgrade.status());
        client.sendText("before");
        assertEquals("1:echo: before", client.readFrame());
        return client;
    }

    /** Asserts that the proxy closes the connection soon, without the client doing anything. */
    private static void assertClosedSoon(RawClient client, long sinceNanos) throws IOException {
        assertTrue(client.closedByPeer(), "the live connection was not closed");
        long tookMillis = (System.nanoTime() - sinceNanos) / 1_000_000;
        assertTrue(tookMillis < CLOSE_WITHIN_MILLIS, "closing took " + tookMillis + " ms");
    }

    @Test
    void revoking_a_user_closes_the_live_websocket_and_refuses_new_requests() throws Exception {
        String token = fixture.token("alice");
        try (RawClient client = openWebSocket(token)) {
            Thread.sleep(1_100); // the revocation must come after the token's issue second
            long start = System.nanoTime();
            fixture.controlPlaneStore.revokeTokens("alice", Instant.now());
            assertClosedSoon(client, start);
        }
        fixture.upstream.clear();
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + token + "\r\n\r\n").readResponse();
            assertEquals(407, response.status());
            assertEquals("token revoked", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void revoking_a_user_closes_a_cookie_websocket_in_a_tls_tunnel() throws Exception {
        var trust = TlsClients.trusting(fixture.proxy.caCertificateFile());
        String link = fixture.tokens.issuer().issueBootstrap("alice", "ws-alice", ALICE_HOST, Duration.ofMinutes(5))
                .token();
        String cookie;
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trust, ALICE_HOST, null)) {
            String setCookie = client.send("GET /__codermon/auth?token=" + link + " HTTP/1.1\r\nHost: " + ALICE_HOST
                    + CONSOLE + "\r\n\r\n").readResponse().header("set-cookie");
            cookie = setCookie.substring("__Host-codermon_session=".length(), setCookie.indexOf(';'));
        }
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trust, ALICE_HOST, null)) {
            assertEquals(101, client.send("GET /ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nCookie: __Host-codermon_session="
                    + cookie + "\r\n" + TlsTunnelIT.WS_HEADERS + "\r\n").readResponse().status());
            Thread.sleep(1_100);
            long start = System.nanoTime();
            fixture.controlPlaneStore.revokeTokens("alice", Instant.now());
            assertClosedSoon(client, start);
        }
        fixture.upstream.clear();
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trust, ALICE_HOST, null)) {
            Response response = client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nCookie: __Host-codermon_session=" + cookie + "\r\n\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("sign in through a Codermon link", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void deleting_a_route_closes_the_workspace_live_tunnel_and_refuses_new_requests() throws Exception {
        String token = fixture.token("alice");
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(TlsTunnelIT.connect(ALICE_HOST + ":80", "Bearer " + token))
                    .readResponse().status());
            assertEquals(200, client.send("GET /inner HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n\r\n")
                    .readResponse().status());
            long start = System.nanoTime();
            assertTrue(fixture.controlPlaneStore.delete("ws-alice"));
            assertClosedSoon(client, start);
        }
        fixture.upstream.clear();
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + token + "\r\n\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("no running workspace of yours at this host", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void another_users_revocation_leaves_the_websocket_open() throws Exception {
        try (RawClient client = openWebSocket(fixture.token("alice"))) {
            fixture.controlPlaneStore.revokeTokens("bob", Instant.now().plusSeconds(60));
            Thread.sleep(1_500);
            client.sendText("after");
            assertEquals("1:echo: after", client.readFrame());
        }
    }
}
