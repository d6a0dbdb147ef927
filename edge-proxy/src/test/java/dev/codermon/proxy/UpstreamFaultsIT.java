package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.FaultyUpstream;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A workspace that dies, resets, stays silent or answers garbage: the client gets a clear 502 or 504
 * when nothing was relayed yet, a cut connection (never a body that looks complete) when a response
 * had started, and never a byte the upstream sent that was not a well-framed answer to its request.
 */
class UpstreamFaultsIT {

    private static final String FAULTY_HOST = "faulty.alice.codermon.internal";
    private static ProxyFixture fixture;
    private static FaultyUpstream faulty;
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture(ProxyLimits.defaults()
                .withIdleTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)), -1);
        faulty = new FaultyUpstream();
        fixture.addRoute("ws-faulty", "alice", "faulty", FAULTY_HOST, faulty.socket());
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    @AfterAll
    static void stop() throws IOException {
        faulty.close();
        fixture.close();
    }

    @BeforeEach
    void clear() {
        faulty.clear();
    }

    private static String get(String path) {
        return "GET http://" + FAULTY_HOST + path + " HTTP/1.1\r\nHost: " + FAULTY_HOST
                + "\r\nProxy-Authorization: " + auth + "\r\n\r\n";
    }

    private static void assertAnsweredByProxy(Response response, int status, String reason, RawClient client)
            throws IOException {
        assertEquals(status, response.status(), response.text());
        assertEquals(reason, response.text());
        assertEquals(String.valueOf(response.body().length), response.header("content-length"));
        assertEquals("close", response.header("connection"));
        assertTrue(client.closedByPeer(), "connection stays open");
    }

    @Test
    void upstream_dying_mid_body_cuts_the_client_connection_short_of_its_content_length() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response head = client.send(get("/die-mid-length")).readResponse(true);
            assertEquals(200, head.status());
            assertEquals("100", head.header("content-length"));
            byte[] body = client.in().readAllBytes();
            assertEquals("0123456789", new String(body, StandardCharsets.US_ASCII));
        }
        assertEquals(1, faulty.seen().size());
    }

    @Test
    void upstream_dying_mid_chunked_body_never_gets_a_final_chunk() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response head = client.send(get("/die-mid-chunked")).readResponse(true);
            assertEquals(200, head.status());
            assertEquals("chunked", head.header("transfer-encoding"));
            String rest = new String(client.in().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(rest.contains("0123456789"), rest);
            assertFalse(rest.contains("0\r\n\r\n"), "a cut body was terminated as if complete: " + rest);
        }
    }

    @Test
    void upstream_reset_before_answering_gets_502() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            assertAnsweredByProxy(client.send(get("/reset-before")).readResponse(), 502,
                    "workspace is not answering", client);
        }
    }

    @Test
    void upstream_reset_mid_body_cuts_the_client_connection() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response head = client.send(get("/reset-mid")).readResponse(true);
            assertEquals(200, head.status());
            byte[] body = client.in().readAllBytes();
            assertTrue(body.length < 100, "got " + body.length + " bytes");
        }
    }

    @Test
    void silent_upstream_gets_504_after_the_idle_timeout_and_its_connection_is_closed() throws Exception {
        long started = System.nanoTime();
        try (RawClient client = new RawClient(fixture.port())) {
            assertAnsweredByProxy(client.send(get("/silent")).readResponse(), 504,
                    "workspace did not answer in time", client);
        }
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(1500).toNanos(), "answered before the timeout");
        awaitNoUpstreamConnections();
    }

    @Test
    void non_http_answer_gets_502_and_is_never_relayed() throws Exception {
        for (String path : new String[] {"/garbage", "/garbage-open", "/bad-status"}) {
            try (RawClient client = new RawClient(fixture.port())) {
                assertAnsweredByProxy(client.send(get(path)).readResponse(), 502,
                        "workspace sent a malformed response", client);
            }
        }
        awaitNoUpstreamConnections();
    }

    @Test
    void conflicting_content_lengths_from_upstream_get_502_and_nothing_smuggled() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(get("/double-length")).readResponse();
            assertAnsweredByProxy(response, 502, "workspace sent a malformed response", client);
        }
    }

    @Test
    void unrequested_bytes_after_a_response_are_dropped_and_the_next_request_still_works() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response first = client.send(get("/extra")).readResponse();
            assertEquals(200, first.status());
            assertEquals("ok", first.text());
            Response second = client.send(get("/next")).readResponse();
            assertEquals(200, second.status());
            assertEquals("ok", second.text());
        }
        assertEquals(2, faulty.seen().size());
    }

    @Test
    void close_delimited_upstream_body_is_reframed_and_the_connection_kept() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response first = client.send(get("/close-after-head")).readResponse();
            assertEquals(200, first.status());
            assertEquals("chunked", first.header("transfer-encoding"));
            assertEquals(0, first.body().length);
            assertEquals("ok", client.send(get("/next")).readResponse().text());
        }
    }

    private static void awaitNoUpstreamConnections() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (faulty.openConnections() > 0 && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(0, faulty.openConnections(), "the proxy left upstream connections open");
    }
}
