package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_DOWN_HOST;
import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import dev.codermon.proxy.testing.TlsClients;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A browser that holds proxy credentials opens https://&lt;workspace-host&gt;/ first: its CONNECT :443
 * comes without credentials, so its navigation goes over the plain-http login (407, then its
 * credentials) and a one-time handoff code back to https, where the session cookie is set.
 */
class FirstVisitIT {

    private static final String NAVIGATION = "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
            + "Sec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n";
    private static final String LOGIN = "http://" + ALICE_HOST + "/__codermon/login?return=";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static SSLContext trustingCa;

    @BeforeAll
    static void start() throws Exception {
        trustingCa = TlsClients.trusting(fixture.proxy.caCertificateFile());
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String get(String target, String host, String extraHeaders) {
        return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "\r\n";
    }

    /** Asks the plain-http login URL with alice's or another user's credentials and returns the answer. */
    private static Response login(String loginUrl, String user) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            return client.send(get(loginUrl, ALICE_HOST, NAVIGATION + "Proxy-Authorization: "
                    + RawClient.basic(user, fixture.token(user)) + "\r\n")).readResponse();
        }
    }

    /** Returns a fresh handoff code for alice at her host, and the URL it came in. */
    private static String handoffUrl(String returnValue) throws IOException {
        Response handoff = login(LOGIN + encoded(returnValue), "alice");
        assertEquals(302, handoff.status(), handoff.text());
        return handoff.header("location");
    }

    private static String codeOf(String handoffUrl) {
        int start = handoffUrl.indexOf("code=") + "code=".length();
        return handoffUrl.substring(start, handoffUrl.indexOf('&', start));
    }

    private static String originForm(String absolute) {
        return absolute.substring(absolute.indexOf('/', "https://".length()));
    }

    private static void assertRefused(Response response, int status, String reason) {
        assertEquals(status, response.status(), response.text());
        assertEquals(reason, response.text());
        assertEquals(String.valueOf(response.body().length), response.header("content-length"));
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw a refused request");
    }

    @Test
    void first_https_navigation_with_credentials_ends_in_a_tls_session_and_the_workspace() throws Exception {
        Logger accessLogger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
        accessLines.start();
        accessLogger.addAppender(accessLines);
        String code;
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            // 1. The first navigation inside the credential-less tunnel: sent to the http login.
            Response toLogin = tunnel.send(get("/some/path?x=1", ALICE_HOST, NAVIGATION)).readResponse();
            assertEquals(302, toLogin.status(), toLogin.text());
            assertEquals(LOGIN + "%2Fsome%2Fpath%3Fx%3D1", toLogin.header("location"));
            assertEquals("no-store", toLogin.header("cache-control"));
            assertEquals("0", toLogin.header("content-length"));
            assertNull(toLogin.header("set-cookie"));

            // 2. Over plain http the login draws the challenge, and the browser answers with its credentials.
            String handoffUrl;
            try (RawClient http = new RawClient(fixture.port())) {
                Response challenge = http.send(get(toLogin.header("location"), ALICE_HOST, NAVIGATION)).readResponse();
                assertEquals(407, challenge.status(), challenge.text());
                assertEquals("Basic realm=\"codermon\"", challenge.header("proxy-authenticate"));
                assertEquals("keep-alive", challenge.header("connection"));
                Response handoff = http.send(get(toLogin.header("location"), ALICE_HOST, NAVIGATION
                        + "Proxy-Authorization: " + RawClient.basic("alice", fixture.token("alice")) + "\r\n"))
                        .readResponse();
                assertEquals(302, handoff.status(), handoff.text());
                handoffUrl = handoff.header("location");
                assertEquals("no-store", handoff.header("cache-control"));
                assertNull(handoff.header("set-cookie"), "a cookie set over http is no use to https");
            }
            assertTrue(handoffUrl.matches("https://" + ALICE_HOST.replace(".", "\\.")
                    + "/__codermon/auth\\?code=[A-Za-z0-9_-]{43}&return=%2Fsome%2Fpath%3Fx%3D1"), handoffUrl);
            code = codeOf(handoffUrl);

            // 3. Back over TLS (the browser reuses its tunnel): the code becomes a __Host- Secure session cookie.
            Response signedIn = tunnel.send(get(originForm(handoffUrl), ALICE_HOST, NAVIGATION)).readResponse();
            assertEquals(302, signedIn.status(), signedIn.text());
            assertEquals("/some/path?x=1", signedIn.header("location"));
            assertEquals("no-store", signedIn.header("cache-control"));
            String setCookie = signedIn.header("set-cookie");
            List<String> attributes = List.of(setCookie.toLowerCase(Locale.ROOT).split(";\\s*"));
            assertTrue(attributes.get(0).startsWith("__host-codermon_session="), setCookie);
            assertTrue(attributes.containsAll(List.of("secure", "httponly", "samesite=lax", "path=/",
                    "max-age=43200")), setCookie);
            assertFalse(setCookie.toLowerCase(Locale.ROOT).contains("domain"), setCookie);
            assertFalse(setCookie.contains(code), setCookie);
            String cookie = "Cookie: " + setCookie.substring(0, setCookie.indexOf(';')) + "\r\n";
            assertTrue(fixture.upstream.seen().isEmpty(), "a sign-in step reached the workspace");

            // 4. The page the person asked for, and more requests on the same connection.
            Response page = tunnel.send(get("/some/path?x=1", ALICE_HOST, NAVIGATION + cookie)).readResponse();
            assertEquals(200, page.status(), page.text());
            assertEquals("hello /some/path?x=1", page.text());
            Response echoed = tunnel.send("POST /echo HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n" + cookie
                    + "Content-Length: 5\r\n\r\nhello").readResponse();
            assertEquals(200, echoed.status(), echoed.text());
            assertEquals("hello", echoed.text());
        }
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(List.of("/some/path?x=1", "/echo"), seen.stream().map(Seen::uri).toList());
        for (Seen request : seen) {
            assertNull(request.headers().get("Cookie"), "the proxy's cookie reached the workspace");
            assertNull(request.headers().get("Proxy-Authorization"));
        }
        try {
            // Lines are batched per event loop: wait for both connections' batches (each may come last).
            waitForLines(accessLines, line -> line.contains("path=/__codermon/auth ") && line.contains(" status=302 "));
            List<String> lines = waitForLines(accessLines, line -> line.contains("path=/__codermon/login ")
                    && line.contains(" status=302 "));
            assertTrue(lines.stream().anyMatch(l -> l.contains("path=/__codermon/login ")
                    && l.contains(" status=407 ")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.contains("path=/__codermon/login ")
                    && l.contains(" user=alice ")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.contains("path=/__codermon/auth ") && l.contains(" status=302 ")),
                    lines.toString());
            for (String line : lines) {
                assertFalse(line.contains(code) || line.contains("code=") || line.contains("return="), line);
            }
        } finally {
            accessLogger.detachAppender(accessLines);
        }
    }

    private static List<String> waitForLines(ListAppender<ILoggingEvent> appender,
            java.util.function.Predicate<String> last) throws InterruptedException {
        List<String> lines = List.of();
        for (int i = 0; i < 150 && lines.stream().noneMatch(last); i++) {
            Thread.sleep(20);
            lines = List.copyOf(appender.list).stream().flatMap(event -> event.getFormattedMessage().lines()).toList();
        }
        return lines;
    }

    @Test
    void another_users_credentials_get_no_code_and_never_reach_the_workspace() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response refused = client.send(get(LOGIN + "%2F", ALICE_HOST, NAVIGATION + "Proxy-Authorization: "
                    + RawClient.basic("bob", fixture.token("bob")) + "\r\n")).readResponse();
            assertRefused(refused, 403, "no running workspace of yours at this host");
            assertNull(refused.header("location"));
            assertTrue(client.closedByPeer());
        }
        assertRefused(login("http://ghost.alice.codermon.internal/__codermon/login?return=%2F", "alice"), 403,
                "no running workspace of yours at this host");
        assertRefused(login("http://example.com/__codermon/login?return=%2F", "alice"), 403,
                "only Codermon workspace hosts are reachable through this proxy");
    }

    @Test
    void replayed_code_is_refused() throws IOException {
        String handoffUrl = handoffUrl("/");
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            assertEquals(302, tunnel.send(get(originForm(handoffUrl), ALICE_HOST, NAVIGATION)).readResponse().status());
        }
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response replay = tunnel.send(get(originForm(handoffUrl), ALICE_HOST, NAVIGATION)).readResponse();
            assertRefused(replay, 403, "this sign-in code was already used; open the workspace address again");
            assertNull(replay.header("set-cookie"));
            assertTrue(tunnel.closedByPeer());
        }
    }

    @Test
    void expired_unknown_and_other_host_codes_are_refused() throws Exception {
        // A code minted 31 s ago, as the proxy stores it (the sessions table, keyed by the hash of "handoff:" + code).
        String expired = "E".repeat(43);
        Instant minted = Instant.now().minusSeconds(31);
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(("handoff:" + expired).getBytes(StandardCharsets.US_ASCII));
        fixture.controlPlaneStore.createSession(new ProxySession(HexFormat.of().formatHex(digest), "alice", ALICE_HOST,
                minted, minted.plus(Duration.ofSeconds(30))));
        String handoffUrl = handoffUrl("/");
        String code = codeOf(handoffUrl);
        String unknown = "this sign-in code is unknown or has expired; open the workspace address again";
        String[][] cases = {
            {ALICE_HOST, expired, unknown},
            {ALICE_HOST, "U".repeat(43), unknown},
            {ALICE_HOST, "not-a-code", unknown},
            {ALICE_DOWN_HOST, code, "this sign-in code is for another workspace host"},
        };
        for (String[] c : cases) {
            try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, c[0], null)) {
                assertRefused(tunnel.send(get("/__codermon/auth?code=" + c[1] + "&return=%2F", c[0], NAVIGATION))
                        .readResponse(), 403, c[2]);
            }
        }
        // Refused on the other host, the code was not used up there.
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            assertEquals(302, tunnel.send(get(originForm(handoffUrl), ALICE_HOST, NAVIGATION)).readResponse().status());
        }
    }

    @Test
    void return_values_naming_another_origin_or_breaking_headers_become_home() throws IOException {
        String[] bad = {"http://evil.example/", "https://evil.example/x", "//evil.example/", "/\\evil.example",
            "\\\\evil.example", "/a\r\nSet-Cookie: stolen=1", "/a\nLocation: http://evil.example/", "evil.example",
            "/__codermon/login?return=/"};
        for (String value : bad) {
            String handoffUrl = handoffUrl(value);
            assertTrue(handoffUrl.endsWith("&return=%2F"), value + " -> " + handoffUrl);
        }
        // A return tampered with on the way to https is checked again.
        for (String value : bad) {
            String handoffUrl = handoffUrl("/fine");
            String tampered = originForm(handoffUrl).replace("return=%2Ffine", "return=" + encoded(value));
            try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
                Response signedIn = tunnel.send(get(tampered, ALICE_HOST, NAVIGATION)).readResponse();
                assertEquals(302, signedIn.status(), signedIn.text());
                assertEquals("/", signedIn.header("location"), value);
                assertEquals(1, signedIn.headers().get("set-cookie").size());
            }
        }
        // A navigation to a scheme-relative path in the tunnel does not carry it into the login.
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response toLogin = tunnel.send(get("//evil.example/", ALICE_HOST, NAVIGATION)).readResponse();
            assertEquals(302, toLogin.status(), toLogin.text());
            assertEquals(LOGIN + "%2F", toLogin.header("location"));
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void non_navigation_requests_in_a_credential_less_tunnel_are_still_refused() throws IOException {
        String[] requests = {
            get("/api/data", ALICE_HOST, "Accept: application/json\r\nSec-Fetch-Mode: cors\r\n"),
            get("/fragment", ALICE_HOST, "Accept: text/html\r\nSec-Fetch-Mode: cors\r\n"),
            get("/static/app.js", ALICE_HOST, "Accept: */*\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: script\r\n"),
            get("/ws", ALICE_HOST, "Origin: https://" + ALICE_HOST + "\r\n" + TlsTunnelIT.WS_HEADERS),
            "POST /form HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n" + NAVIGATION + "Content-Length: 2\r\n\r\nhi",
        };
        for (String request : requests) {
            try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
                Response refused = tunnel.send(request).readResponse();
                assertRefused(refused, 403, "sign in through a Codermon link");
                assertNull(refused.header("location"));
                assertTrue(tunnel.closedByPeer());
            }
        }
    }

    @Test
    void https_login_url_in_a_credential_less_tunnel_goes_to_the_same_url_over_http() throws IOException {
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response toHttp = tunnel.send(get("/__codermon/login?return=%2Fx", ALICE_HOST, NAVIGATION)).readResponse();
            assertEquals(302, toHttp.status(), toHttp.text());
            assertEquals(LOGIN + "%2Fx", toHttp.header("location"));
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void login_with_credentials_inside_a_tunnel_hands_off_too() throws IOException {
        try (RawClient tunnel = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST,
                RawClient.basic("alice", fixture.token("alice")))) {
            Response handoff = tunnel.send(get("/__codermon/login?return=%2Fy", ALICE_HOST, NAVIGATION)).readResponse();
            assertEquals(302, handoff.status(), handoff.text());
            assertTrue(handoff.header("location").startsWith("https://" + ALICE_HOST + "/__codermon/auth?code="),
                    handoff.header("location"));
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }
}
