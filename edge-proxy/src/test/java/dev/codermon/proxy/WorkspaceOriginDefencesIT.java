package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import dev.codermon.proxy.testing.TlsClients;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What alice's own browser and credentials cannot make her workspace do: through the real proxy to the
 * test upstream, which records the request heads it saw.
 */
class WorkspaceOriginDefencesIT {

    /** The header a browser sends with a sign-in link the web console opened (over http it sends no Sec-Fetch-*). */
    private static final String CONSOLE = "\r\nReferer: http://localhost:5001/";

    private static final String APP_HOST = "8501." + ALICE_HOST;
    private static final String FRAME_IDE = "frame-ancestors 'self'";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static SSLContext trustingCa;

    @BeforeAll
    static void start() throws Exception {
        trustingCa = TlsClients.trusting(fixture.proxy.caCertificateFile());
    }

    private static String auth() {
        return "Proxy-Authorization: Bearer " + fixture.token("alice") + "\r\n";
    }

    /** A request from alice to the host's path, absolute-form with her credentials, plus extra header lines. */
    private static Response send(String host, String path, String extra) throws IOException {
        return send("GET", host, path, extra);
    }

    private static Response send(String method, String host, String path, String extra) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            return client.send(method + " http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth()
                    + extra + (method.equals("POST") ? "Content-Length: 0\r\n" : "") + "\r\n").readResponse();
        }
    }

    private static void assertRefused(Response response, int status, String reason) {
        assertEquals(status, response.status(), response.text());
        assertEquals(reason, response.text());
        assertEquals("frame-ancestors 'none'", response.header("content-security-policy"));
        assertTrue(fixture.upstream.seen().isEmpty(), "the workspace saw a refused request");
    }

    private static Seen onlySeen() {
        List<Seen> seen = fixture.upstream.seen();
        assertEquals(1, seen.size(), seen.toString());
        return seen.get(0);
    }

    @Test
    void client_forwarding_headers_never_reach_the_workspace_and_the_proxy_says_what_it_verified() throws IOException {
        Response response = send(ALICE_HOST, "/", "X-Forwarded-Host: 22." + ALICE_HOST + "\r\nForwarded: host="
                + "main.bob.codermon.internal;proto=https\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 10.0.0.9\r\n"
                + "X-Real-IP: 10.0.0.9\r\nX-Forwarded-Prefix: /evil\r\nX-Forwarded-Port: 22\r\nx-forwarded-server: e\r\n");
        assertEquals(200, response.status());
        Seen seen = onlySeen();
        assertEquals(List.of(ALICE_HOST), seen.headers().getAll("X-Forwarded-Host"));
        assertEquals(List.of("http"), seen.headers().getAll("X-Forwarded-Proto"));
        assertEquals(List.of("127.0.0.1"), seen.headers().getAll("X-Forwarded-For"));
        for (String name : new String[] {"Forwarded", "X-Real-IP", "X-Forwarded-Prefix", "X-Forwarded-Port",
            "X-Forwarded-Server"}) {
            assertNull(seen.headers().get(name), name + " reached the workspace");
        }
    }

    @Test
    void the_ides_host_sent_as_x_forwarded_host_to_an_app_host_reaches_the_app_not_the_ide() throws IOException {
        Response response = send(APP_HOST, "/vscode-remote-resource?path=/home/coder/.ssh/id_rsa",
                "X-Forwarded-Host: " + ALICE_HOST + "\r\nForwarded: host=" + ALICE_HOST + "\r\n");
        assertEquals(200, response.status());
        Seen seen = onlySeen();
        // code-server routes by X-Forwarded-Host first: only the app host may arrive there.
        assertEquals(APP_HOST, seen.headers().get("Host"));
        assertEquals(List.of(APP_HOST), seen.headers().getAll("X-Forwarded-Host"));
        assertNull(seen.headers().get("Forwarded"));
    }

    @Test
    void inside_a_tls_tunnel_the_workspace_is_told_https() throws IOException {
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, "Bearer " + fixture.token("alice"))) {
            Response response = client.send("GET /tls HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil.example\r\n\r\n").readResponse();
            assertEquals(200, response.status());
        }
        Seen seen = onlySeen();
        assertEquals(List.of("https"), seen.headers().getAll("X-Forwarded-Proto"));
        assertEquals(List.of(ALICE_HOST), seen.headers().getAll("X-Forwarded-Host"));
    }

    @Test
    void code_servers_path_proxy_is_closed_on_the_ide_host_however_it_is_spelled() throws IOException {
        for (String path : new String[] {"/proxy/8501/", "/absproxy/3000/x", "/proxy", "/PROXY/8501/",
            "/%70roxy/8501/", "/static/../proxy/8501/", "//absproxy/8501", "/%2e/proxy/8501/"}) {
            assertRefused(send(ALICE_HOST, path, ""), 403,
                    "code-server's path proxy is closed: open the app at http://<port>.<workspace host>/ instead");
        }
    }

    @Test
    void app_hosts_keep_working_with_any_path() throws IOException {
        Response response = send(APP_HOST, "/proxy/1/", "Sec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\n");
        assertEquals(200, response.status(), response.text());
        assertEquals("hello /proxy/1/", response.text());
        assertEquals("frame-ancestors 'self' http://" + ALICE_HOST + " https://" + ALICE_HOST,
                response.header("content-security-policy"));
        assertNull(response.header("x-frame-options"));
    }

    @Test
    void workspace_files_are_not_opened_as_pages_on_the_ides_origin() throws IOException {
        String page = "/vscode-remote-resource?path=/home/coder/project/page.html";
        assertRefused(send(ALICE_HOST, page, "Sec-Fetch-Site: none\r\nSec-Fetch-Mode: navigate\r\n"
                + "Sec-Fetch-Dest: document\r\nSec-Fetch-User: ?1\r\n"), 403,
                "workspace files are not opened as pages on the IDE's origin; open them in the IDE or serve them"
                + " from an app port");
        assertRefused(send(ALICE_HOST, "/stable-0123/vscode-remote-resource?path=/x.html",
                "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: iframe\r\n"), 403,
                "workspace files are not opened as pages on the IDE's origin; open them in the IDE or serve them"
                + " from an app port");
        assertRefused(send(ALICE_HOST, "/vscode/vscode-remote-resource?path=/x.html",
                "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: embed\r\n"), 403,
                "workspace files are not opened as pages on the IDE's origin; open them in the IDE or serve them"
                + " from an app port");
    }

    @Test
    void the_workbench_still_loads_workspace_files_as_subresources_which_come_sandboxed() throws IOException {
        for (String fetch : new String[] {"Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image\r\n",
            "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: same-origin\r\nSec-Fetch-Dest: worker\r\n",
            "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: font\r\n",
            ""}) {
            fixture.upstream.clear();
            Response response = send(ALICE_HOST, "/vscode-remote-resource?path=/home/coder/icon.png", fetch);
            assertEquals(200, response.status(), fetch);
            assertEquals(List.of(FRAME_IDE, "sandbox"), response.headers().get("content-security-policy"), fetch);
            assertEquals("nosniff", response.header("x-content-type-options"));
            assertEquals("SAMEORIGIN", response.header("x-frame-options"));
            assertEquals(1, fixture.upstream.seen().size());
        }
    }

    @Test
    void the_ide_is_framed_only_by_itself_and_the_proxys_own_answers_by_nobody() throws IOException {
        Response ide = send(ALICE_HOST, "/", "Sec-Fetch-Site: none\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n");
        assertEquals(200, ide.status());
        assertEquals(List.of(FRAME_IDE), ide.headers().get("content-security-policy"));
        assertEquals("SAMEORIGIN", ide.header("x-frame-options"));
        assertNull(ide.header("x-content-type-options"));
        fixture.upstream.clear();
        assertRefused(send("main.bob.codermon.internal", "/", ""), 403, "no running workspace of yours at this host");
    }

    @Test
    void cookies_from_a_workspace_are_host_only_and_never_the_proxys_session() throws IOException {
        Response response = send(APP_HOST, "/set-cookie", "");
        assertEquals(200, response.status());
        assertEquals(List.of("app=1; Path=/", "plain=2; Path=/; HttpOnly"), response.headers().get("set-cookie"));
    }

    @Test
    void pages_of_other_sites_and_sibling_hosts_cannot_drive_the_ide() throws IOException {
        String reason = "a page of another site (or another workspace host) may not use the IDE; open the"
                + " workspace's address yourself";
        assertRefused(send("POST", ALICE_HOST, "/mint-key", "Origin: http://" + APP_HOST
                + "\r\nSec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n"), 403, reason);
        assertRefused(send(ALICE_HOST, "/", "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\n"
                + "Sec-Fetch-Dest: iframe\r\n"), 403, reason);
        assertRefused(send("POST", ALICE_HOST, "/", "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\n"
                + "Sec-Fetch-Dest: document\r\n"), 403, reason);
        assertRefused(send(ALICE_HOST, "/static/x.js", "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\n"
                + "Sec-Fetch-Dest: script\r\n"), 403, reason);
    }

    @Test
    void links_from_other_sites_tools_and_the_ides_own_requests_still_work() throws IOException {
        String[] allowed = {
            "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\nSec-Fetch-User: ?1\r\n",
            "Sec-Fetch-Site: same-site\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n",
            "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n",
            "",
        };
        for (String headers : allowed) {
            fixture.upstream.clear();
            assertEquals(200, send(ALICE_HOST, "/", headers).status(), headers);
            assertEquals(1, fixture.upstream.seen().size());
        }
        fixture.upstream.clear();
        assertEquals(200, send("POST", ALICE_HOST, "/save", "").status(), "curl");
        // An app host is another origin: what its own pages do there is the app's business.
        fixture.upstream.clear();
        assertEquals(200, send(APP_HOST, "/api", "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: cors\r\n").status());
    }

    @Test
    void a_sign_in_link_another_page_opens_asks_first_and_signs_in_only_from_the_hosts_own_page() throws IOException {
        String token = fixture.tokens.issuer().issueBootstrap("alice", "ws-alice", ALICE_HOST, Duration.ofMinutes(5))
                .token();
        String link = "/__codermon/auth?token=" + token;
        try (RawClient client = new RawClient(fixture.port())) {
            Response page = client.send("GET http://" + ALICE_HOST + link + " HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n\r\n")
                    .readResponse();
            assertEquals(200, page.status(), page.text());
            assertTrue(page.text().contains(ALICE_HOST) && page.text().contains("as <strong>alice</strong>"), page.text());
            assertTrue(page.text().contains("<form method=\"post\" action=\"" + link + "\">"), page.text());
            assertTrue(page.header("content-security-policy").contains("frame-ancestors 'none'"));
            assertNull(page.header("set-cookie"));

            Response confirmed = client.send("POST http://" + ALICE_HOST + link + " HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nOrigin: http://" + ALICE_HOST + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: 0\r\n\r\n").readResponse();
            assertEquals(302, confirmed.status(), confirmed.text());
            assertEquals("/", confirmed.header("location"));
            assertTrue(confirmed.header("set-cookie").startsWith("codermon_session="));
        }
        try (RawClient client = new RawClient(fixture.port())) {
            Response replay = client.send("GET http://" + ALICE_HOST + link + " HTTP/1.1\r\nHost: " + ALICE_HOST
                    + CONSOLE + "\r\n\r\n").readResponse();
            assertEquals(403, replay.status());
            assertEquals("this sign-in link was already used", replay.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void over_plain_http_a_link_without_the_consoles_referer_asks_first() throws IOException {
        // Browsers send no Sec-Fetch-* to http://<workspace host> (not a secure context): a page that hid its
        // referrer looks like this, and so does a link typed in or a tool.
        for (String headers : new String[] {"", "\r\nReferer: http://evil.example/",
                "\r\nReferer: http://3000.main.bob.codermon.internal/"}) {
            String token = fixture.tokens.issuer().issueBootstrap("alice", "ws-alice", ALICE_HOST,
                    Duration.ofMinutes(5)).token();
            try (RawClient client = new RawClient(fixture.port())) {
                Response page = client.send("GET http://" + ALICE_HOST + "/__codermon/auth?token=" + token
                        + " HTTP/1.1\r\nHost: " + ALICE_HOST + headers + "\r\n\r\n").readResponse();
                assertEquals(200, page.status(), headers);
                assertTrue(page.text().contains("as <strong>alice</strong>"), page.text());
                assertNull(page.header("set-cookie"), "nothing signed in before the person confirms");
            }
        }
    }

    @Test
    void over_plain_http_requests_carrying_another_pages_origin_cannot_drive_the_ide() throws IOException {
        String reason = "a page of another site (or another workspace host) may not use the IDE; open the"
                + " workspace's address yourself";
        for (String origin : new String[] {"http://evil.example", "http://" + APP_HOST, "https://evil.example",
                "null"}) {
            fixture.upstream.clear();
            assertRefused(send("POST", ALICE_HOST, "/mint-key", "Origin: " + origin + "\r\n"), 403, reason);
            assertTrue(fixture.upstream.seen().isEmpty(), origin);
        }
        // The IDE's own pages, over http and https, and a GET from a sandboxed frame, pass.
        for (String origin : new String[] {"http://" + ALICE_HOST, "https://" + ALICE_HOST}) {
            fixture.upstream.clear();
            assertEquals(200, send("POST", ALICE_HOST, "/save", "Origin: " + origin + "\r\n").status(), origin);
            assertEquals(1, fixture.upstream.seen().size());
        }
        fixture.upstream.clear();
        assertEquals(200, send(ALICE_HOST, "/static/x.js", "Origin: null\r\n").status());
    }

    @Test
    void over_tls_only_the_host_prefixed_session_cookie_signs_in_and_two_of_them_are_refused() throws IOException {
        String token = fixture.tokens.issuer().issueBootstrap("alice", "ws-alice", ALICE_HOST, Duration.ofMinutes(5))
                .token();
        String cookie;
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            Response signedIn = client.send("GET /__codermon/auth?token=" + token + " HTTP/1.1\r\nHost: " + ALICE_HOST
                    + CONSOLE + "\r\n\r\n").readResponse();
            String setCookie = signedIn.header("set-cookie");
            assertNotNull(setCookie);
            assertTrue(setCookie.startsWith("__Host-codermon_session="), setCookie);
            assertTrue(setCookie.endsWith("; Path=/; HttpOnly; SameSite=Lax; Secure"), setCookie);
            assertFalse(setCookie.toLowerCase(java.util.Locale.ROOT).contains("domain"), setCookie);
            cookie = setCookie.substring("__Host-codermon_session=".length(), setCookie.indexOf(';'));
            Response home = client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nCookie: codermon_session=tossed; "
                    + "__Host-codermon_session=" + cookie + "\r\n\r\n").readResponse();
            assertEquals(200, home.status(), home.text());
        }
        assertNull(onlySeen().headers().get("Cookie"), "a session cookie reached the workspace");
        fixture.upstream.clear();
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            // The plain name, valid as it may be, is no session over TLS.
            Response plain = client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nCookie: codermon_session="
                    + cookie + "\r\n\r\n").readResponse();
            assertEquals(403, plain.status());
        }
        try (RawClient client = TlsTunnelIT.tlsTunnel(fixture, trustingCa, ALICE_HOST, null)) {
            assertRefused(client.send("GET / HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nCookie: __Host-codermon_session="
                    + cookie + "; __Host-codermon_session=tossed\r\n\r\n").readResponse(), 400,
                    "more than one Codermon session cookie for this host: clear this host's cookies in your browser"
                    + " and open the workspace again from the Codermon console");
        }
    }
}
