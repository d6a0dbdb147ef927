package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import dev.codermon.proxy.testing.TlsClients;
import java.io.IOException;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TlsTunnelIT {

    static final String WS_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static SSLContext trustingCa;

    @BeforeAll
    static void start() throws Exception {
        trustingCa = TlsClients.trusting(fixture.proxy.caCertificateFile());
    }

    static String connect(String authority, String auth) {
        return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
    }

    /** Opens CONNECT host:443 (with credentials, or none when auth is null) and starts TLS trusting the CA. */
    static RawClient tlsTunnel(ProxyFixture fixture, SSLContext trust, String host, String auth) throws IOException {
        RawClient client = new RawClient(fixture.port());
        Response established = client.send(connect(host + ":443", auth)).readResponse();
        assertEquals(200, established.status(), established.text());
        return client.startTls(trust, host);
    }

    @Test
    void connect_443_terminates_tls_and_forwards_with_host_kept_and_own_cookie_stripped() throws IOException {
        try (RawClient client = tlsTunnel(fixture, trustingCa, ALICE_HOST,
                RawClient.basic("alice", fixture.token("alice")))) {
            Response inner = client.send("GET /inner?q=1 HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nCookie: a=1; codermon_session=not-a-session; b=2\r\n\r\n").readResponse();
            assertEquals(200, inner.status());
            assertEquals("hello /inner?q=1", inner.text());
            Response second = client.send("GET /again HTTP/1.1\r\nHost: " + ALICE_HOST + ":443\r\n\r\n")
                    .readResponse();
            assertEquals("hello /again", second.text());
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(List.of("/inner?q=1", "/again"), seen.stream().map(Seen::uri).toList());
        assertEquals(ALICE_HOST, seen.get(0).headers().get("Host"));
        assertEquals("a=1; b=2", seen.get(0).headers().get("Cookie"));
        assertNull(seen.get(0).headers().get("Proxy-Authorization"));
    }

    @Test
    void wss_upgrade_inside_tls_tunnel_relays_both_ways() throws IOException {
        try (RawClient client = tlsTunnel(fixture, trustingCa, ALICE_HOST, "Bearer " + fixture.token("alice"))) {
            Response upgrade = client.send("GET /ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nOrigin: https://"
                    + ALICE_HOST + "\r\n" + WS_HEADERS + "\r\n").readResponse();
            assertEquals(101, upgrade.status());
            client.sendText("over tls");
            assertEquals("1:echo: over tls", client.readFrame());
            client.sendClose();
            assertEquals(8, Integer.parseInt(client.readFrame().split(":")[0]));
            assertTrue(client.closedByPeer(), "relay did not close after the upstream closed");
        }
        assertEquals("https://" + ALICE_HOST, fixture.upstream.seen().get(0).headers().get("Origin"));
    }

    @Test
    void certificate_is_for_the_connect_host_only() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(connect(ALICE_HOST + ":443", "Bearer " + fixture.token("alice")))
                    .readResponse().status());
            assertThrows(SSLHandshakeException.class, () -> client.startTls(trustingCa, "other.alice.codermon.internal"));
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void connect_443_to_foreign_host_is_refused() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(connect("example.com:443", "Bearer " + fixture.token("alice")))
                    .readResponse();
            assertEquals(403, response.status());
            assertEquals("CONNECT is only allowed to workspace hosts on port 80 or 443", response.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void connect_443_with_invalid_credentials_is_challenged() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(connect(ALICE_HOST + ":443", "Bearer not-a-token")).readResponse();
            assertEquals(407, response.status());
            assertEquals("malformed token", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void credential_less_tls_tunnel_without_cookie_gets_sign_in_hint_and_nothing_is_forwarded() throws IOException {
        try (RawClient client = tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response response = client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("sign in through a Codermon link", response.text());
            assertEquals(String.valueOf(response.body().length), response.header("content-length"));
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }
}
