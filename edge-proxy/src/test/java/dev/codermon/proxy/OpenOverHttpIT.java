package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's Open over {@code http://}: a browser signed in by a link holds a session cookie and no
 * proxy credentials, and Chromium opens the workbench's {@code ws://} WebSocket as a credential-less
 * {@code CONNECT <host>:80}. The proxy accepts that tunnel (it grants nothing by itself) and
 * authenticates each request inside by its own cookie or credentials.
 */
class OpenOverHttpIT {

    /** The header a browser sends with a sign-in link the web console opened (over http it sends no Sec-Fetch-*). */
    private static final String CONSOLE = "\r\nReferer: http://localhost:5001/";

    private static final String WS_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    /** Opens a sign-in link over plain http, as the console's Open does, and returns the session cookie. */
    private static String signIn(String user, String workspaceId, String host) throws IOException {
        String token = fixture.tokens.issuer().issueBootstrap(user, workspaceId, host, Duration.ofMinutes(5)).token();
        try (RawClient client = new RawClient(fixture.port())) {
            Response redirect = client.send("GET http://" + host + "/__codermon/auth?token=" + token
                    + " HTTP/1.1\r\nHost: " + host + CONSOLE + "\r\n\r\n").readResponse();
            assertEquals(302, redirect.status(), redirect.text());
            String setCookie = redirect.header("set-cookie");
            assertNotNull(setCookie);
            return setCookie.substring("codermon_session=".length(), setCookie.indexOf(';'));
        }
    }

    /** Opens a credential-less CONNECT host:80 and returns the client once the tunnel is up. */
    private static RawClient tunnel(String host) throws IOException {
        RawClient client = new RawClient(fixture.port());
        Response established = client.send("CONNECT " + host + ":80 HTTP/1.1\r\nHost: " + host + ":80\r\n\r\n")
                .readResponse();
        assertEquals(200, established.status(), established.text());
        return client;
    }

    private static String upgrade(String host, String cookie) {
        return "GET /ws?reconnectionToken=1 HTTP/1.1\r\nHost: " + host + "\r\nOrigin: http://" + host + "\r\n"
                + (cookie == null ? "" : "Cookie: codermon_session=" + cookie + "\r\n") + WS_HEADERS + "\r\n";
    }

    @Test
    void credential_less_connect_80_with_a_session_cookie_opens_the_workbench_websocket() throws IOException {
        String cookie = signIn("alice", "ws-alice", ALICE_HOST);
        try (RawClient client = tunnel(ALICE_HOST)) {
            Response upgrade = client.send(upgrade(ALICE_HOST, cookie)).readResponse();
            assertEquals(101, upgrade.status(), upgrade.text());
            client.sendText("over http");
            assertEquals("1:echo: over http", client.readFrame());
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(1, seen.size());
        assertEquals("/ws?reconnectionToken=1", seen.get(0).uri());
        String forwardedCookie = seen.get(0).headers().get("Cookie");
        assertTrue(forwardedCookie == null || !forwardedCookie.contains(cookie), "the session cookie was forwarded");
    }

    @Test
    void credential_less_connect_80_without_a_cookie_grants_nothing() throws IOException {
        try (RawClient client = tunnel(ALICE_HOST)) {
            Response refused = client.send(upgrade(ALICE_HOST, null)).readResponse();
            assertEquals(403, refused.status());
            assertEquals("sign in through a Codermon link", refused.text());
            assertEquals(String.valueOf(refused.body().length), refused.header("content-length"));
            assertTrue(client.closedByPeer());
        }
        try (RawClient client = tunnel(ALICE_HOST)) {
            assertEquals(403, client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n\r\n").readResponse().status());
        }
        assertTrue(fixture.upstream.seen().isEmpty(), "a request without credentials reached the workspace");
    }

    @Test
    void another_users_cookie_is_refused_in_a_credential_less_tunnel() throws IOException {
        String bobs = signIn("bob", "ws-bob", BOB_HOST);
        try (RawClient client = tunnel(ALICE_HOST)) {
            Response refused = client.send(upgrade(ALICE_HOST, bobs)).readResponse();
            assertEquals(403, refused.status());
            assertEquals("sign in through a Codermon link", refused.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty(), "bob's cookie opened alice's workspace");
    }

    @Test
    void alices_cookie_for_her_host_does_not_open_bobs_host() throws IOException {
        String alices = signIn("alice", "ws-alice", ALICE_HOST);
        try (RawClient client = tunnel(BOB_HOST)) {
            assertEquals(403, client.send(upgrade(BOB_HOST, alices)).readResponse().status());
        }
        try (RawClient client = tunnel(ALICE_HOST)) {
            // The tunnel is alice's host; an inner request for bob's host is refused before any cookie counts.
            Response refused = client.send("GET http://" + BOB_HOST + "/ HTTP/1.1\r\nHost: " + BOB_HOST
                    + "\r\nCookie: codermon_session=" + alices + "\r\n\r\n").readResponse();
            assertEquals(403, refused.status());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void proxy_credentials_on_a_request_inside_a_credential_less_tunnel_authenticate_it() throws IOException {
        try (RawClient client = tunnel(ALICE_HOST)) {
            Response bad = client.send("GET /bad HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer not-a-token\r\n\r\n").readResponse();
            assertEquals(407, bad.status());
            Response ok = client.send("GET /inner HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nProxy-Authorization: "
                    + RawClient.basic("alice", fixture.token("alice")) + "\r\n\r\n").readResponse();
            assertEquals(200, ok.status());
            assertEquals("hello /inner", ok.text());
            Response bobs = client.send("GET /bobs HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nProxy-Authorization: "
                    + RawClient.basic("bob", fixture.token("bob")) + "\r\n\r\n").readResponse();
            assertEquals(403, bobs.status(), "bob's credentials must not open alice's workspace");
        }
        assertEquals(List.of("/inner"), fixture.upstream.seen().stream().map(Seen::uri).toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"example.com:80", "localhost:80", "127.0.0.1:80", "codermon.internal:80",
        "main.alice.codermon.internal:8080"})
    void credential_less_connect_to_anything_but_a_workspace_host_is_refused(String authority) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response refused = client.send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                    .readResponse();
            assertEquals(403, refused.status());
            assertEquals("CONNECT is only allowed to workspace hosts on port 80 or 443", refused.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }
}
