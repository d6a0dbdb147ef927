package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WebSocketAndTunnelIT {

    private static final String WS_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    private static String connect(String authority, String auth) {
        return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
    }

    private static void assertEcho(RawClient client) throws IOException {
        client.sendText("hi there");
        assertEquals("1:echo: hi there", client.readFrame());
        client.sendText("again");
        assertEquals("1:echo: again", client.readFrame());
        client.sendClose();
        assertEquals(8, Integer.parseInt(client.readFrame().split(":")[0]));
        assertTrue(client.closedByPeer(), "relay did not close after the upstream closed");
    }

    @Test
    void absolute_form_websocket_upgrade_relays_both_ways() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/ws?reconnectionToken=1 HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nOrigin: http://" + ALICE_HOST + "\r\nProxy-Authorization: "
                    + RawClient.basic("alice", fixture.token("alice")) + "\r\n" + WS_HEADERS + "\r\n").readResponse();
            assertEquals(101, response.status());
            assertEquals("websocket", response.header("upgrade").toLowerCase());
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.header("sec-websocket-accept"));
            assertEcho(client);
        }
        Seen seen = fixture.upstream.seen().get(0);
        assertEquals("/ws?reconnectionToken=1", seen.uri());
        assertEquals("http://" + ALICE_HOST, seen.headers().get("Origin"));
        assertNull(seen.headers().get("Proxy-Authorization"));
    }

    @Test
    void websocket_from_a_foreign_origin_is_refused() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nOrigin: https://evil.example\r\nProxy-Authorization: Bearer " + fixture.token("alice")
                    + "\r\n" + WS_HEADERS + "\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("WebSocket Origin does not match the workspace", response.text());
        }
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(connect(ALICE_HOST + ":80", "Bearer " + fixture.token("alice")))
                    .readResponse().status());
            Response response = client.send("GET /ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nOrigin: http://"
                    + BOB_HOST + "\r\n" + WS_HEADERS + "\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("WebSocket Origin does not match the workspace", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void websocket_from_its_own_origin_or_without_origin_is_accepted() throws IOException {
        for (String origin : new String[] {"Origin: http://" + ALICE_HOST + ":80\r\n", ""}) {
            try (RawClient client = new RawClient(fixture.port())) {
                Response response = client.send("GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\n" + origin + "Proxy-Authorization: Bearer " + fixture.token("alice") + "\r\n"
                        + WS_HEADERS + "\r\n").readResponse();
                assertEquals(101, response.status());
                assertEcho(client);
            }
        }
        assertEquals(2, fixture.upstream.seen().size());
    }

    @Test
    void websocket_upgrade_to_someone_elses_workspace_is_refused() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + BOB_HOST + "/ws HTTP/1.1\r\nHost: " + BOB_HOST
                    + "\r\nProxy-Authorization: Bearer " + fixture.token("alice") + "\r\n" + WS_HEADERS + "\r\n")
                    .readResponse();
            assertEquals(403, response.status());
            assertEquals("no running workspace of yours at this host", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void connect_without_credentials_opens_a_tunnel_whose_requests_still_need_credentials() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(connect(ALICE_HOST + ":80", null)).readResponse().status());
            Response refused = client.send("GET /inner HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n\r\n").readResponse();
            assertEquals(403, refused.status());
            assertEquals("sign in through a Codermon link", refused.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
        try (RawClient client = new RawClient(fixture.port())) {
            Response established = client.send(connect(ALICE_HOST + ":80",
                    RawClient.basic("alice", fixture.token("alice")))).readResponse();
            assertEquals(200, established.status());

            Response inner = client.send("GET /inner HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n\r\n").readResponse();
            assertEquals(200, inner.status());
            assertEquals("hello /inner", inner.text());

            Response upgrade = client.send("GET /ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nOrigin: http://"
                    + ALICE_HOST + "\r\n" + WS_HEADERS + "\r\n").readResponse();
            assertEquals(101, upgrade.status());
            assertEcho(client);
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(List.of("/inner", "/ws"), seen.stream().map(Seen::uri).toList());
        assertEquals(ALICE_HOST, seen.get(1).headers().get("Host"));
    }

    @Test
    void connect_to_foreign_host_is_refused() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(connect("example.com:80", "Bearer " + fixture.token("alice")))
                    .readResponse();
            assertEquals(403, response.status());
            assertEquals("CONNECT is only allowed to workspace hosts on port 80 or 443", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void connect_to_another_port_is_refused() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(connect(ALICE_HOST + ":8080", "Bearer " + fixture.token("alice")))
                    .readResponse();
            assertEquals(403, response.status());
            assertEquals("CONNECT is only allowed to workspace hosts on port 80 or 443", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void inner_request_for_another_host_is_refused() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(connect(ALICE_HOST + ":80", "Bearer " + fixture.token("alice")))
                    .readResponse().status());
            Response response = client.send("GET / HTTP/1.1\r\nHost: " + BOB_HOST + "\r\n\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("Host does not match the CONNECT target", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void connect_alone_grants_nothing_on_someone_elses_host() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(connect(BOB_HOST + ":80", "Bearer " + fixture.token("alice")))
                    .readResponse().status());
            Response response = client.send("GET / HTTP/1.1\r\nHost: " + BOB_HOST + "\r\n\r\n").readResponse();
            assertEquals(403, response.status());
            assertEquals("no running workspace of yours at this host", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }
}
