package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_DOWN_HOST;
import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.IssuedToken;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import dev.codermon.proxy.testing.TlsClients;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SignInIT {

    /** The header a browser sends with a sign-in link the web console opened (over http it sends no Sec-Fetch-*). */
    private static final String CONSOLE = "\r\nReferer: http://localhost:5001/";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static SSLContext trustingCa;

    @BeforeAll
    static void start() throws Exception {
        trustingCa = TlsClients.trusting(fixture.proxy.caCertificateFile());
    }

    private static String link(String user, String workspaceId, String host) {
        return fixture.tokens.issuer().issueBootstrap(user, workspaceId, host, Duration.ofMinutes(5)).token();
    }

    private static Response signIn(RawClient client, String host, String token) throws IOException {
        return client.send("GET /__codermon/auth?token=" + token + " HTTP/1.1\r\nHost: " + host + CONSOLE
                + "\r\n\r\n").readResponse();
    }

    /** Returns the cookie value from a sign-in answer's Set-Cookie. */
    private static String cookieOf(Response response) {
        String setCookie = response.header("set-cookie");
        assertNotNull(setCookie, "no Set-Cookie");
        return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    }

    private static void assertRefused(Response response, int status, String reason) {
        assertEquals(status, response.status(), response.text());
        assertEquals(reason, response.text());
        assertEquals(String.valueOf(response.body().length), response.header("content-length"));
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw a refused request");
    }

    @Test
    void sign_in_link_in_credential_less_tls_tunnel_sets_cookie_that_then_opens_the_workspace() throws IOException {
        String token = link("alice", "ws-alice", ALICE_HOST);
        String cookie;
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response redirect = signIn(client, ALICE_HOST, token);
            assertEquals(302, redirect.status());
            assertEquals("/", redirect.header("location"));
            assertEquals("0", redirect.header("content-length"));
            String setCookie = redirect.header("set-cookie");
            assertTrue(setCookie.startsWith("__Host-codermon_session="), setCookie);
            List<String> attributes = List.of(setCookie.toLowerCase(Locale.ROOT).split(";\\s*"));
            assertTrue(attributes.contains("httponly"), setCookie);
            assertTrue(attributes.contains("samesite=lax"), setCookie);
            assertTrue(attributes.contains("secure"), setCookie);
            assertTrue(attributes.contains("path=/"), setCookie);
            assertTrue(attributes.contains("max-age=43200"), setCookie);
            assertFalse(setCookie.toLowerCase(Locale.ROOT).contains("domain"), setCookie);
            assertFalse(setCookie.contains(token));
            cookie = cookieOf(redirect);
            assertTrue(fixture.upstream.seen().isEmpty(), "the sign-in link reached the upstream");

            Response home = client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nCookie: theme=dark; __Host-codermon_session="
                    + cookie + "\r\n\r\n").readResponse();
            assertEquals(200, home.status(), home.text());
            assertEquals("hello /", home.text());
        }
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response again = client.send("GET /later HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nCookie: __Host-codermon_session="
                    + cookie + "\r\n\r\n").readResponse();
            assertEquals(200, again.status(), again.text());
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(List.of("/", "/later"), seen.stream().map(Seen::uri).toList());
        assertEquals("theme=dark", seen.get(0).headers().get("Cookie"));
        assertNull(seen.get(1).headers().get("Cookie"));
    }

    @Test
    void cookie_opens_a_websocket_inside_a_credential_less_tls_tunnel() throws IOException {
        String cookie;
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            cookie = cookieOf(signIn(client, ALICE_HOST, link("alice", "ws-alice", ALICE_HOST)));
        }
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response upgrade = client.send("GET /ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nOrigin: https://" + ALICE_HOST
                    + "\r\nCookie: __Host-codermon_session=" + cookie + "\r\n" + TlsTunnelIT.WS_HEADERS + "\r\n").readResponse();
            assertEquals(101, upgrade.status());
            client.sendText("with a cookie");
            assertEquals("1:echo: with a cookie", client.readFrame());
        }
    }

    @Test
    void plain_http_sign_in_sets_a_cookie_without_secure_that_replaces_proxy_credentials() throws IOException {
        String token = link("alice", "ws-alice", ALICE_HOST);
        try (RawClient client = new RawClient(fixture.port())) {
            Response redirect = client.send("GET http://" + ALICE_HOST + "/__codermon/auth?token=" + token
                    + " HTTP/1.1\r\nHost: " + ALICE_HOST + CONSOLE + "\r\n\r\n").readResponse();
            assertEquals(302, redirect.status());
            assertFalse(redirect.header("set-cookie").toLowerCase(Locale.ROOT).contains("secure"));
            Response home = client.send("GET http://" + ALICE_HOST + "/x HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nCookie: codermon_session=" + cookieOf(redirect) + "\r\n\r\n").readResponse();
            assertEquals(200, home.status(), home.text());
        }
        assertEquals(1, fixture.upstream.seen().size());
    }

    @Test
    void replayed_link_is_refused() throws IOException {
        String token = link("alice", "ws-alice", ALICE_HOST);
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            assertEquals(302, signIn(client, ALICE_HOST, token).status());
        }
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            assertRefused(signIn(client, ALICE_HOST, token), 403, "this sign-in link was already used");
        }
    }

    /**
     * A link verifies for the verifier's clock skew past its {@code exp}; pruning (the control plane's
     * monitor pass) in that window must keep its single-use mark, or the link signs in a second time.
     */
    @Test
    void link_replayed_after_its_expiry_but_within_the_clock_skew_is_refused() throws Exception {
        IssuedToken link = fixture.tokens.issuer().issueBootstrap("alice", "ws-alice", ALICE_HOST, Duration.ofSeconds(1));
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(302, plainSignIn(client, link.token()).status());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Instant.now().isAfter(link.expiresAt().plusMillis(100)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Instant now = Instant.now();
        assertTrue(now.isAfter(link.expiresAt()), "the link has not expired yet");
        fixture.controlPlaneStore.pruneExpired(now);
        try (RawClient client = new RawClient(fixture.port())) {
            assertRefused(plainSignIn(client, link.token()), 403, "this sign-in link was already used");
        }
        assertTrue(Instant.now().isBefore(link.expiresAt().plus(TokenVerifier.MAX_CLOCK_SKEW)),
                "the replay must fall inside the skew window, where the token still verifies");
    }

    private static Response plainSignIn(RawClient client, String token) throws IOException {
        return client.send("GET http://" + ALICE_HOST + "/__codermon/auth?token=" + token + " HTTP/1.1\r\nHost: "
                + ALICE_HOST + CONSOLE + "\r\n\r\n").readResponse();
    }

    @Test
    void link_for_one_host_is_refused_on_another() throws IOException {
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, BOB_HOST, null)) {
            assertRefused(signIn(client, BOB_HOST, link("alice", "ws-alice", ALICE_HOST)), 403,
                    "this sign-in link is for another workspace host");
        }
    }

    @Test
    void cookie_for_one_host_is_refused_on_another_host_of_the_same_user() throws IOException {
        String cookie;
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            cookie = cookieOf(signIn(client, ALICE_HOST, link("alice", "ws-alice", ALICE_HOST)));
        }
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_DOWN_HOST, null)) {
            assertRefused(client.send("GET / HTTP/1.1\r\nHost: " + ALICE_DOWN_HOST + "\r\nCookie: __Host-codermon_session="
                    + cookie + "\r\n\r\n").readResponse(), 403, "sign in through a Codermon link");
        }
        try (RawClient client = new RawClient(fixture.port())) {
            assertRefused(client.send("GET http://" + BOB_HOST + "/ HTTP/1.1\r\nHost: " + BOB_HOST
                    + "\r\nCookie: codermon_session=" + cookie + "\r\n\r\n").readResponse(), 407,
                    "proxy authentication required");
        }
    }

    @Test
    void user_token_in_a_link_is_refused() throws IOException {
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            assertRefused(signIn(client, ALICE_HOST, fixture.token("alice")), 403,
                    "invalid sign-in link: token has the wrong audience");
        }
    }

    @Test
    void path_with_a_bad_percent_escape_is_forwarded_not_dropped() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/files/100%zz.txt HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nProxy-Authorization: " + RawClient.basic("alice", fixture.token("alice"))
                    + "\r\n\r\n").readResponse();
            assertEquals(200, response.status(), response.text());
            assertEquals("hello /files/100%zz.txt", response.text());
        }
    }

    @Test
    void bootstrap_token_is_refused_as_proxy_credentials() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertRefused(client.send("GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + link("alice", "ws-alice", ALICE_HOST) + "\r\n\r\n")
                    .readResponse(), 407, "token has the wrong audience");
        }
    }
}
