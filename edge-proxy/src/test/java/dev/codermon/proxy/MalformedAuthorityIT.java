package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed authorities through the real proxy, with alice's own valid credentials and her own host
 * inside the malformation: each is answered 400 "malformed host" by the proxy itself, the connection
 * closes and the upstream sees nothing. Brackets hold IPv6 literals only, and those stay refused as
 * IP literals (403).
 */
class MalformedAuthorityIT {

    private static final String MALFORMED = "malformed host";
    private static final String BRACKETED = "[" + ALICE_HOST + "]";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static String auth;

    @BeforeAll
    static void credentials() {
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    static Stream<Arguments> absoluteForms() {
        return Stream.of(
                Arguments.of("http://" + BRACKETED + "/", BRACKETED),
                Arguments.of("http://" + BRACKETED + "/", ALICE_HOST),
                Arguments.of("http://" + BRACKETED + ":80/", ALICE_HOST + ":80"),
                Arguments.of("http://" + ALICE_HOST + "/", BRACKETED),
                Arguments.of("http://" + ALICE_HOST + "/", BRACKETED + ":80"),
                Arguments.of("http://" + ALICE_HOST + "/", "alice@" + ALICE_HOST),
                Arguments.of("http://" + ALICE_HOST + "/", ALICE_HOST + ":0"),
                Arguments.of("http://alice@" + ALICE_HOST + "/", ALICE_HOST),
                Arguments.of("http://" + ALICE_HOST + ":65536/", ALICE_HOST),
                Arguments.of("http://127.0.0.1:" + loopbackPort() + "\\@" + ALICE_HOST + "/", ALICE_HOST));
    }

    @ParameterizedTest(name = "GET {0} Host: {1}")
    @MethodSource("absoluteForms")
    void absolute_form_request_with_a_malformed_url_or_host_header_is_refused(String url, String host)
            throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertMalformed(client.send("GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: "
                    + auth + "\r\n\r\n").readResponse(), client, url + " / " + host);
        }
    }

    @ParameterizedTest(name = "CONNECT {0}")
    @ValueSource(strings = {BRACKETED + ":443", BRACKETED + ":80", "[" + ALICE_HOST + ".]:443", BRACKETED,
        ALICE_HOST + ":0", ALICE_HOST + ":65536", ALICE_HOST + ":-1", "alice@" + ALICE_HOST + ":443",
        ALICE_HOST + ":443:443", "::1:443"})
    void connect_to_a_malformed_authority_is_refused(String target) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertMalformed(client.send("CONNECT " + target + " HTTP/1.1\r\nHost: " + target
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse(), client, target);
        }
    }

    @ParameterizedTest(name = "Host: {0} inside CONNECT :80")
    @ValueSource(strings = {"[main.alice.codermon.internal]", "[main.alice.codermon.internal]:80",
        "main.alice.codermon.internal:0", "alice@main.alice.codermon.internal"})
    void request_inside_a_tunnel_with_a_malformed_host_header_is_refused(String host) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response established = client.send("CONNECT " + ALICE_HOST + ":80 HTTP/1.1\r\nHost: " + ALICE_HOST
                    + ":80\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            assertEquals(200, established.status(), established.text());
            assertMalformed(client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").readResponse(), client, host);
        }
    }

    @Test
    void ipv6_literals_in_brackets_stay_refused_as_ip_addresses() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://[::1]:" + loopbackPort() + "/ HTTP/1.1\r\nHost: [::1]:"
                    + loopbackPort() + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            assertEquals(403, response.status(), response.text());
            assertEquals("IP addresses are not reachable through this proxy; use a workspace host name", response.text());
        }
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Authorization: "
                    + auth + "\r\n\r\n").readResponse();
            assertEquals(403, response.status(), response.text());
            assertEquals("CONNECT is only allowed to workspace hosts on port 80 or 443", response.text());
        }
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw " + fixture.upstream.seen());
    }

    @Test
    void the_well_formed_host_still_reaches_the_workspace() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send("GET http://" + ALICE_HOST + "/ok HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse();
            assertEquals(200, response.status(), response.text());
            assertEquals("hello /ok", response.text());
        }
    }

    private static void assertMalformed(Response response, RawClient client, String name) throws IOException {
        assertEquals(400, response.status(), name + ": " + response.text());
        assertEquals(MALFORMED, response.text(), name);
        assertEquals(String.valueOf(response.body().length), response.header("content-length"), name);
        assertTrue(client.closedByPeer(), name + ": connection stays open");
        assertTrue(fixture.upstream.seen().isEmpty(), name + ": upstream saw " + fixture.upstream.seen());
    }

    /** Returns a loopback port the test upstream also serves on, so that a request reaching it would show. */
    private static int loopbackPort() {
        try {
            return fixture.upstream.listenOnLoopback();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
