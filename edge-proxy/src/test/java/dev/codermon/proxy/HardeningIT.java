package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Request smuggling and resource limits, over real sockets: each refusal's status, reason and close. */
class HardeningIT {

    private static final String FRAMING = "invalid request framing: send one numeric Content-Length or"
            + " Transfer-Encoding: chunked";
    private static ProxyFixture fixture;
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture(ProxyLimits.defaults().withHeaderTimeout(Duration.ofSeconds(1))
                .withIdleTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)), -1);
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

    private static String head(String method, String path, String extraHeaders) {
        return method + " http://" + ALICE_HOST + path + " HTTP/1.1\r\nHost: " + ALICE_HOST
                + "\r\nProxy-Authorization: " + auth + "\r\n" + extraHeaders + "\r\n";
    }

    /** Sends raw bytes and asserts the refusal, the close, and that the upstream saw no request. */
    private static void assertRefused(String raw, int status, String reason) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(raw).readResponse();
            assertEquals(status, response.status(), response.text());
            assertEquals(reason, response.text());
            assertEquals(String.valueOf(response.body().length), response.header("content-length"));
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByPeer(), "connection stays open after a refusal");
        }
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw a refused request: " + fixture.upstream.seen());
    }

    @Test
    void a_valid_request_passes_the_framing_checks() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(head("POST", "/ok", "Transfer-Encoding: chunked\r\n")
                    + "5\r\nhello\r\n0\r\n\r\n").readResponse();
            assertEquals(200, response.status());
            assertEquals("hello /ok", response.text());
        }
    }

    @Test
    void content_length_with_transfer_encoding_is_refused() throws IOException {
        assertRefused(head("POST", "/x", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n",
                400, FRAMING);
    }

    @Test
    void transfer_encoding_variants_are_refused() throws IOException {
        for (String te : new String[] {"chunked ", "Chunked", "chunked, chunked", "gzip, chunked", "\tchunked",
            "identity", "chunked\r\nTransfer-Encoding: chunked"}) {
            assertRefused(head("POST", "/x", "Transfer-Encoding:" + (te.startsWith("\t") ? "" : " ") + te + "\r\n")
                    + "0\r\n\r\n", 400, FRAMING);
        }
    }

    @Test
    void duplicate_or_malformed_content_length_is_refused() throws IOException {
        for (String cl : new String[] {"5\r\nContent-Length: 5", "+5", "5, 5", "-5", "5x", " 0x5"}) {
            assertRefused(head("POST", "/x", "Content-Length: " + cl + "\r\n") + "hello", 400, FRAMING);
        }
        assertRefused(head("POST", "/x", "Content-Length: 5\r\nContent-Length: 5\r\n").replace("HTTP/1.1", "HTTP/1.0")
                + "hello", 400, FRAMING);
    }

    @Test
    void folded_header_lines_are_refused() throws IOException {
        assertRefused(head("GET", "/x", "X-A: a\r\n b\r\n"), 400, "folded (obs-fold) header lines are not allowed");
        assertRefused(head("GET", "/x", "X-A: a\r\n\tb\r\n"), 400, "folded (obs-fold) header lines are not allowed");
    }

    @Test
    void bare_line_feeds_are_refused() throws IOException {
        assertRefused(head("GET", "/x", "").replace("\r\n", "\n"), 400, "malformed request");
    }

    @Test
    void control_characters_in_header_values_are_refused() throws IOException {
        assertRefused(head("GET", "/x", "X-A: a\rb\r\n"), 400, "malformed request");
        assertRefused(head("GET", "/x", "X-A: a\u0000b\r\n"), 400, "malformed request");
    }

    @Test
    void control_characters_in_the_target_are_refused() throws IOException {
        assertRefused(head("GET", "/a\u0000b", ""), 400, "request target contains control characters");
    }

    @Test
    void bad_chunk_sizes_are_refused_and_never_completed() throws IOException {
        for (String size : new String[] {"zz", "fffffffffffffffffff", "-5", "5;a=\"b"}) {
            try (RawClient client = new RawClient(fixture.port())) {
                Response response = client.send(head("POST", "/echo", "Transfer-Encoding: chunked\r\n")
                        + size + "\r\nhello\r\n0\r\n\r\n").readResponse();
                // The head may already be on its way upstream; its body never completes there.
                assertEquals(400, response.status(), size);
                assertTrue(client.closedByPeer());
            }
        }
    }

    @Test
    void a_huge_request_line_gets_414() throws IOException {
        assertRefused(head("GET", "/" + "a".repeat(9000), ""), 414, "request line too long");
    }

    @Test
    void more_than_100_header_fields_get_431() throws IOException {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 101; i++) {
            headers.append("X-H").append(i).append(": v\r\n");
        }
        assertRefused(head("GET", "/x", headers.toString()), 431, "too many request header fields");
    }

    @Test
    void a_40_kib_header_section_gets_431() throws IOException {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            headers.append("X-Big").append(i).append(": ").append("v".repeat(8 * 1024)).append("\r\n");
        }
        assertRefused(head("GET", "/x", headers.toString()), 431, "request header section too large");
    }

    @Test
    void headers_dribbled_past_the_deadline_get_408() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("GET http://" + ALICE_HOST + "/slowloris HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n");
            // One header byte every 100 ms, never finishing, for at most 5 s (the deadline is 1 s).
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < end && client.in().available() == 0) {
                try {
                    client.send("X");
                } catch (IOException closed) {
                    break;
                }
                Thread.sleep(100);
            }
            Response response = client.readResponse();
            assertEquals(408, response.status());
            assertEquals("request headers were not received in time", response.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void an_idle_connection_is_closed() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(head("GET", "/before-idle", "")).readResponse();
            assertEquals(200, response.status());
            long started = System.nanoTime();
            assertTrue(client.closedByPeer(), "idle connection was not closed");
            assertTrue(System.nanoTime() - started >= Duration.ofSeconds(1).toNanos(), "closed before the timeout");
        }
    }
}
