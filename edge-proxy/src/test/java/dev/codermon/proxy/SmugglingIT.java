package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import java.io.IOException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling attempts, each carrying a second request ({@code /smuggled}) that a proxy and a
 * server disagreeing on framing would see: the proxy refuses with 400 and closes, and the recording
 * upstream never sees the smuggled request (nor, for refused heads, anything at all). Complements
 * {@code HardeningIT}, which covers the single-field variants.
 */
class SmugglingIT {

    private static final String FRAMING = "invalid request framing: send one numeric Content-Length or"
            + " Transfer-Encoding: chunked";
    private static final String MALFORMED = "malformed request";
    private static final String SMUGGLED = "GET http://" + ALICE_HOST + "/smuggled HTTP/1.1\r\nHost: " + ALICE_HOST
            + "\r\n\r\n";
    private static ProxyFixture fixture;
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture(ProxyLimits.defaults().withHeaderTimeout(Duration.ofSeconds(2)), -1);
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    @AfterAll
    static void stop() throws IOException {
        fixture.close();
    }

    @BeforeEach
    void clearUpstream() {
        fixture.upstream.clear();
    }

    private static String post(String framingHeaders) {
        return "POST http://" + ALICE_HOST + "/x HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nProxy-Authorization: "
                + auth + "\r\n" + framingHeaders + "\r\n";
    }

    static Stream<Arguments> refusedHeads() {
        String smuggledChunk = "0\r\n\r\n" + SMUGGLED;
        return Stream.of(
                // CL.TE: a front end using Content-Length forwards everything; a back end using chunked stops at 0.
                Arguments.of("CL.TE", post("Content-Length: " + smuggledChunk.length()
                        + "\r\nTransfer-Encoding: chunked\r\n") + smuggledChunk, FRAMING),
                // TE.CL: a front end using chunked forwards it all; a back end using Content-Length stops early.
                Arguments.of("TE.CL", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n")
                        + Integer.toHexString(SMUGGLED.length() + 2) + "\r\nx=" + SMUGGLED + "\r\n0\r\n\r\n", FRAMING),
                Arguments.of("TE.TE with an unknown coding", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n")
                        + smuggledChunk, FRAMING),
                Arguments.of("TE in upper case", post("Transfer-Encoding: CHUNKED\r\n") + smuggledChunk, FRAMING),
                Arguments.of("TE with a space before the colon", post("Transfer-Encoding : chunked\r\n")
                        + smuggledChunk, MALFORMED),
                Arguments.of("TE with a tab before the colon", post("Transfer-Encoding\t: chunked\r\n")
                        + smuggledChunk, MALFORMED),
                Arguments.of("TE with a leading tab", post("Transfer-Encoding:\tchunked\r\n") + smuggledChunk, FRAMING),
                Arguments.of("TE with a trailing tab", post("Transfer-Encoding: chunked\t\r\n") + smuggledChunk, FRAMING),
                Arguments.of("TE with a vertical tab", post("Transfer-Encoding: \u000bchunked\r\n") + smuggledChunk,
                        FRAMING),
                Arguments.of("TE list chunked, identity", post("Transfer-Encoding: chunked, identity\r\n")
                        + smuggledChunk, FRAMING),
                Arguments.of("TE xchunked", post("Transfer-Encoding: xchunked\r\n") + smuggledChunk, FRAMING),
                Arguments.of("TE chunked with a parameter", post("Transfer-Encoding: chunked;q=1\r\n") + smuggledChunk,
                        FRAMING),
                Arguments.of("TE in a folded line", post("Transfer-Encoding:\r\n chunked\r\n") + smuggledChunk,
                        FRAMING),
                Arguments.of("TE on a bare LF line", post("X-A: 1\nTransfer-Encoding: chunked\r\n") + smuggledChunk,
                        MALFORMED),
                Arguments.of("TE name with a NUL", post("Transfer-Encoding\u0000: chunked\r\n") + smuggledChunk,
                        MALFORMED),
                Arguments.of("two different Content-Lengths", post("Content-Length: 0\r\nContent-Length: "
                        + SMUGGLED.length() + "\r\n") + SMUGGLED, FRAMING),
                Arguments.of("signed Content-Length", post("Content-Length: +0\r\n") + SMUGGLED, FRAMING),
                Arguments.of("negative Content-Length", post("Content-Length: -1\r\n") + SMUGGLED, FRAMING),
                Arguments.of("Content-Length over 2^63", post("Content-Length: 99999999999999999999\r\n") + SMUGGLED,
                        FRAMING),
                Arguments.of("Content-Length with a space before the colon", post("Content-Length : 0\r\n")
                        + SMUGGLED, FRAMING),
                Arguments.of("CR injected in a header value", post("X-A: a\rContent-Length: 0\r\n"), MALFORMED),
                Arguments.of("LF injected in a header value", post("X-A: a\nContent-Length: 0\r\n"), MALFORMED),
                Arguments.of("CR LF injected in the URI", "GET http://" + ALICE_HOST + "/a\r\nX-Injected: 1 HTTP/1.1\r\n"
                        + "Host: " + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", MALFORMED),
                Arguments.of("CR in the URI", "GET http://" + ALICE_HOST + "/a\rb HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", null),
                Arguments.of("a space in the URI", "GET http://" + ALICE_HOST + "/a b HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", null),
                Arguments.of("a tab in the URI", "GET http://" + ALICE_HOST + "/a\tb HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", null),
                Arguments.of("bare LF ending the request line", "GET http://" + ALICE_HOST + "/ HTTP/1.1\nHost: "
                        + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n", MALFORMED),
                Arguments.of("bare LF ending the head", "GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: " + auth + "\r\n\n" + SMUGGLED, MALFORMED),
                Arguments.of("HTTP/1.0 with Transfer-Encoding", post("Transfer-Encoding: chunked\r\n")
                        .replace("HTTP/1.1", "HTTP/1.0") + smuggledChunk, MALFORMED),
                Arguments.of("a header name with a space", post("Bad Name: 1\r\nContent-Length: 0\r\n"), MALFORMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedHeads")
    void ambiguous_or_malformed_heads_are_refused_before_reaching_the_upstream(String name, String raw,
            String reason) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(raw).readResponse();
            assertEquals(400, response.status(), name + ": " + response.text());
            if (reason != null) {
                assertEquals(reason, response.text(), name);
            }
            assertEquals(String.valueOf(response.body().length), response.header("content-length"), name);
            assertEquals("close", response.header("connection"), name);
            assertTrue(client.closedByPeer(), name + ": connection stays open");
        }
        assertTrue(fixture.upstream.seen().isEmpty(), name + ": upstream saw " + fixture.upstream.seen());
    }

    static Stream<Arguments> badChunks() {
        return Stream.of(
                Arguments.of("a size that is not hex", "zz\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a size over 2^63", "fffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a negative size", "-5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("an unterminated quoted extension", "5;a=\"b\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a bare LF after the size", "5\nhello\r\n0\r\n\r\n"),
                Arguments.of("a NUL in the extension", "5;a\u0000b\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("a CR alone in the extension", "5;a\rb\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("data longer than its size", "3\r\nhello\r\n0\r\n\r\n"));
    }

    /**
     * A chunk is checked only when it arrives, after its request's head may have been forwarded: the
     * upstream may see the head but never a complete request, and never the smuggled one.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badChunks")
    void bad_chunks_close_both_sides_and_the_upstream_never_sees_a_complete_or_smuggled_request(String name,
            String body) throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(post("Transfer-Encoding: chunked\r\n").replace("/x ", "/sink ") + body + SMUGGLED);
            Response response = client.readResponse();
            assertEquals(400, response.status(), name + ": " + response.text());
            assertTrue(client.closedByPeer(), name);
        }
        Thread.sleep(100);
        for (Seen seen : fixture.upstream.seen()) {
            assertFalse(seen.uri().contains("smuggled"), name + ": the smuggled request got through");
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"HTTP/1.2", "HTTP/2.0", "HTTP/9.9"})
    void http_versions_other_than_1_0_and_1_1_get_505(String version) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(post("Content-Length: 0\r\n").replace("HTTP/1.1", version)).readResponse();
            assertEquals(505, response.status(), version);
            assertEquals("only HTTP/1.1 and HTTP/1.0 are supported", response.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void a_body_that_looks_like_a_request_stays_a_body() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(post("Content-Length: " + SMUGGLED.length() + "\r\n").replace("/x ", "/sink ")
                    + SMUGGLED).readResponse();
            assertEquals(200, response.status());
            assertTrue(response.text().startsWith("bytes=" + SMUGGLED.length()), response.text());
            Response chunked = client.send(post("Transfer-Encoding: chunked\r\n").replace("/x ", "/sink ")
                    + Integer.toHexString(SMUGGLED.length()) + ";ext=\"ok\"\r\n" + SMUGGLED + "\r\n0\r\n\r\n")
                    .readResponse();
            assertEquals(200, chunked.status());
            assertTrue(chunked.text().startsWith("bytes=" + SMUGGLED.length()), chunked.text());
        }
        assertEquals(2, fixture.upstream.seen().size());
        for (Seen seen : fixture.upstream.seen()) {
            assertEquals("/sink", seen.uri());
        }
    }
}
