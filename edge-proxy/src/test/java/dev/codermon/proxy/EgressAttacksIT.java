package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Egress attempts by an authenticated user, end to end: each is answered by the proxy itself with its
 * status and reason, the connection is closed, and neither recording upstream saw anything.
 *
 * <p>Both upstreams listen on unix sockets, as code-server does, and on a loopback port as well that
 * stands for the TCP port a workspace had before (recording alike). Every address used here is a
 * loopback form of such a port (or of the proxy's own), or a name under {@code .invalid}, which resolves
 * nowhere: even a broken proxy could reach nothing outside this host's loopback. Cloud-metadata and private-range literals are refused by
 * {@code TargetPolicy} before any connection, and are covered by {@code TargetPolicyTest}.
 */
class EgressAttacksIT {

    private static final String IP = "IP addresses are not reachable through this proxy; use a workspace host name";
    private static final String LOCAL = "localhost is not reachable through this proxy";
    private static final String FOREIGN = "only Codermon workspace hosts are reachable through this proxy";
    private static final String PORT = "only port 80 of workspace hosts is reachable through this proxy";
    private static final String CONNECT = "CONNECT is only allowed to workspace hosts on port 80 or 443";
    private static final String ABSOLUTE = "request target must be an absolute http:// URL";
    /** Malformed authorities (user info, bad ports, brackets around names) have their own IT: MalformedAuthorityIT. */
    private static final String MALFORMED = "malformed host";
    private static final String MISMATCH = "Host header does not match the request URL";
    private static final String DAVE_HOST = "main.dave.codermon.internal";

    private static ProxyFixture fixture;
    /** Dave's workspace: another user's, on its own socket. */
    private static TestUpstream dave;
    /** The loopback ports of alice's and dave's upstreams. */
    private static int alicePort;
    private static int davePort;
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture(ProxyLimits.defaults(), 0);
        dave = new TestUpstream().start();
        fixture.addRoute("ws-dave", "dave", "main", DAVE_HOST, dave.socket());
        alicePort = fixture.upstream.listenOnLoopback();
        davePort = dave.listenOnLoopback();
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    @AfterAll
    static void stop() throws IOException {
        dave.close();
        fixture.close();
    }

    @BeforeEach
    void clearUpstreams() {
        fixture.upstream.clear();
        dave.clear();
    }

    static Stream<Arguments> absoluteTargets() {
        int p = alicePort;
        int d = davePort;
        int proxy = fixture.port();
        int admin = fixture.proxy.adminPort();
        List<Arguments> cases = new ArrayList<>();
        for (String ip : new String[] {"127.0.0.1", "2130706433", "0x7f000001", "0X7F000001", "0x7f.0.0.1",
            "0177.0.0.1", "0177.0000.0000.0001", "127.1", "127.0.1", "127.000.000.001", "0x7f.1", "017700000001",
            "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]",
            "[0000:0000:0000:0000:0000:ffff:7f00:0001]", "[fe80::1%25lo]"}) {
            cases.add(Arguments.of("IP literal " + ip + " (the upstream's port)", ip + ":" + p, 403, IP));
            cases.add(Arguments.of("IP literal " + ip + " (another user's port)", ip + ":" + d, 403, IP));
        }
        cases.add(Arguments.of("IP literal without port", "127.0.0.1", 403, IP));
        cases.add(Arguments.of("localhost", "localhost:" + p, 403, LOCAL));
        cases.add(Arguments.of("LOCALHOST", "LOCALHOST:" + p, 403, LOCAL));
        cases.add(Arguments.of("a name under localhost", "main.alice.localhost:" + p, 403, LOCAL));
        cases.add(Arguments.of("localhost with a trailing dot", "localhost.:" + p, 403, LOCAL));
        cases.add(Arguments.of("the proxy's own port", "localhost:" + proxy, 403, LOCAL));
        cases.add(Arguments.of("the proxy's own port by IP", "127.0.0.1:" + proxy, 403, IP));
        cases.add(Arguments.of("the proxy's admin port", "127.0.0.1:" + admin, 403, IP));
        cases.add(Arguments.of("the control plane's port", "localhost:5001", 403, LOCAL));
        cases.add(Arguments.of("a workspace host on the proxy's port", ALICE_HOST + ":" + proxy, 403, PORT));
        cases.add(Arguments.of("a workspace host on the upstream's port", ALICE_HOST + ":" + p, 403, PORT));
        cases.add(Arguments.of("own workspace host on another user's port", ALICE_HOST + ":" + d, 403, PORT));
        cases.add(Arguments.of("a workspace host on port 443", ALICE_HOST + ":443", 403, PORT));
        cases.add(Arguments.of("a foreign host", "foreign.invalid", 403, FOREIGN));
        cases.add(Arguments.of("a look-alike suffix", "main.alice.codermon.internal.invalid", 403, FOREIGN));
        cases.add(Arguments.of("a look-alike prefix", "evil-codermon.internal", 403, FOREIGN));
        cases.add(Arguments.of("the bare workspace domain", "codermon.internal", 403, FOREIGN));
        cases.add(Arguments.of("a percent-encoded host", "main%2ealice.codermon.internal", 403, FOREIGN));
        cases.add(Arguments.of("an underscore label", "main_x.alice.codermon.internal", 403, FOREIGN));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("absoluteTargets")
    void absolute_form_request_to_a_forbidden_target_is_refused(String name, String authority, int status,
            String reason) throws IOException {
        assertRefused(name, "GET http://" + authority + "/ HTTP/1.1\r\nHost: " + authority
                + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", status, reason);
    }

    static Stream<Arguments> disguisedTargets() {
        int p = alicePort;
        return Stream.of(
                Arguments.of("user info before the real host", "http://" + ALICE_HOST + "@127.0.0.1:" + p + "/",
                        ALICE_HOST, 400, MALFORMED),
                Arguments.of("backslash user info", "http://127.0.0.1:" + p + "\\@" + ALICE_HOST + "/",
                        ALICE_HOST, 400, MALFORMED),
                Arguments.of("https scheme in absolute form", "https://" + ALICE_HOST + "/", ALICE_HOST, 400, ABSOLUTE),
                Arguments.of("ftp scheme", "ftp://" + ALICE_HOST + "/", ALICE_HOST, 400, ABSOLUTE),
                Arguments.of("origin form outside a tunnel", "/", ALICE_HOST, 400, ABSOLUTE),
                Arguments.of("asterisk form", "*", ALICE_HOST, 400, ABSOLUTE),
                Arguments.of("Host naming the upstream by IP", "http://" + ALICE_HOST + "/", "127.0.0.1:" + p, 400,
                        MISMATCH),
                Arguments.of("Host naming another user's workspace", "http://" + ALICE_HOST + "/", BOB_HOST, 400,
                        MISMATCH),
                Arguments.of("Host naming another port", "http://" + ALICE_HOST + "/", ALICE_HOST + ":8080", 400,
                        MISMATCH),
                Arguments.of("Host naming localhost", "http://" + ALICE_HOST + "/", "localhost", 400, MISMATCH),
                Arguments.of("URL naming the IP, Host the workspace", "http://127.0.0.1:" + p + "/", ALICE_HOST, 403, IP),
                Arguments.of("URL naming another user, Host alice's", "http://" + DAVE_HOST + "/", ALICE_HOST, 400,
                        MISMATCH));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("disguisedTargets")
    void target_and_host_that_disagree_or_hide_the_real_host_are_refused(String name, String uri, String host,
            int status, String reason) throws IOException {
        assertRefused(name, "GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: " + auth
                + "\r\n\r\n", status, reason);
    }

    @Test
    void two_host_headers_are_refused() throws IOException {
        assertRefused("two Host headers", "GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                + "\r\nHost: 127.0.0.1:" + alicePort + "\r\nProxy-Authorization: " + auth
                + "\r\n\r\n", 400, "more than one Host header");
    }

    @Test
    void another_users_workspace_is_refused_like_a_missing_one() throws IOException {
        assertRefused("dave's workspace", "GET http://" + DAVE_HOST + "/ HTTP/1.1\r\nHost: " + DAVE_HOST
                + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", 403, "no running workspace of yours at this host");
        assertRefused("no workspace", "GET http://nothing.alice.codermon.internal/ HTTP/1.1\r\nHost: "
                + "nothing.alice.codermon.internal\r\nProxy-Authorization: " + auth + "\r\n\r\n", 403,
                "no running workspace of yours at this host");
    }

    static Stream<Arguments> connectTargets() {
        int p = alicePort;
        int d = davePort;
        List<Arguments> cases = new ArrayList<>();
        for (String target : new String[] {"127.0.0.1:" + p, "127.0.0.1:80", "127.0.0.1:443", "2130706433:" + p,
            "0x7f000001:443", "0177.0.0.1:80", "[::1]:" + p, "[::ffff:127.0.0.1]:443", "localhost:" + p,
            "localhost:443", "localhost:" + fixture.port(), "localhost:5001", ALICE_HOST + ":" + p,
            ALICE_HOST + ":" + d, ALICE_HOST + ":8443", ALICE_HOST, "foreign.invalid:443",
            "foreign.invalid:80", "codermon.internal:443", "[::1]"}) {
            cases.add(Arguments.of(target));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "CONNECT {0}: 403")
    @MethodSource("connectTargets")
    void connect_to_anything_but_a_workspace_host_on_80_or_443_is_refused(String target) throws IOException {
        assertRefused("CONNECT " + target, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target
                + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", 403, CONNECT);
    }

    /** Port 22 is SSH (docs/ssh.md): only the workspace host itself, only with credentials, only the owner's. */
    @Test
    void connect_to_port_22_is_ssh_and_refused_everywhere_but_the_owners_workspace() throws IOException {
        for (String target : new String[] {"127.0.0.1:22", "localhost:22", "foreign.invalid:22",
            "22." + ALICE_HOST + ":22", "8080." + ALICE_HOST + ":22"}) {
            assertRefused("CONNECT " + target, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", 403,
                    "SSH (CONNECT to port 22) reaches workspace hosts only: <workspace>.<user>.<domain>:22");
        }
        assertRefused("CONNECT dave's :22", "CONNECT " + DAVE_HOST + ":22 HTTP/1.1\r\nHost: " + DAVE_HOST
                + ":22\r\nProxy-Authorization: " + auth + "\r\n\r\n", 403, "no running workspace of yours at this host");
        // Alice's own workspace in this fixture has no SSH server beside its socket.
        assertRefused("CONNECT alice's :22", "CONNECT " + ALICE_HOST + ":22 HTTP/1.1\r\nHost: " + ALICE_HOST
                + ":22\r\nProxy-Authorization: " + auth + "\r\n\r\n", 502,
                "this workspace has no SSH server (its runtime or image has none; see docs/ssh.md)");
    }

    @Test
    void requests_inside_a_tunnel_cannot_leave_its_host() throws IOException {
        int p = alicePort;
        String[][] inner = {
            {"/", "127.0.0.1:" + p},
            {"/", BOB_HOST},
            {"/", ALICE_HOST + ":" + p},
            {"http://127.0.0.1:" + p + "/", ALICE_HOST},
            {"http://" + DAVE_HOST + "/", DAVE_HOST},
        };
        for (String[] request : inner) {
            try (RawClient client = new RawClient(fixture.port())) {
                assertEquals(200, client.send("CONNECT " + ALICE_HOST + ":80 HTTP/1.1\r\nHost: " + ALICE_HOST
                        + ":80\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse().status());
                Response response = client.send("GET " + request[0] + " HTTP/1.1\r\nHost: " + request[1]
                        + "\r\n\r\n").readResponse();
                assertEquals(403, response.status(), String.join(" ", request));
                assertEquals("Host does not match the CONNECT target", response.text(), String.join(" ", request));
                assertTrue(client.closedByPeer());
            }
        }
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw " + fixture.upstream.seen());
        assertTrue(dave.seen().isEmpty());
    }

    private static void assertRefused(String name, String raw, int status, String reason) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(raw).readResponse();
            assertEquals(status, response.status(), name + ": " + response.text());
            assertEquals(reason, response.text(), name);
            assertEquals(String.valueOf(response.body().length), response.header("content-length"), name);
            assertEquals("close", response.header("connection"), name);
            assertTrue(client.closedByPeer(), name + ": connection stays open");
        }
        assertTrue(fixture.upstream.seen().isEmpty(), name + ": upstream saw " + fixture.upstream.seen());
        assertTrue(dave.seen().isEmpty(), name + ": another user's upstream saw " + dave.seen());
    }
}
