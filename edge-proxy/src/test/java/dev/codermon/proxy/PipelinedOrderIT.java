package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream.Seen;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Pipelined requests through the real proxy, sent in one write before any answer is read: every
 * answer comes in request order, the proxy's own refusals included, and the access log pairs each
 * response with its own request.
 */
class PipelinedOrderIT {

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    private final Logger accessLogger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void listen() {
        lines.start();
        accessLogger.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        accessLogger.detachAppender(lines);
    }

    private static String alice() {
        return RawClient.basic("alice", fixture.token("alice"));
    }

    private static String get(String host, String path, String auth) {
        return "GET http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
    }

    private List<String> seenPaths() {
        return fixture.upstream.seen().stream().map(Seen::uri).toList();
    }

    /** Waits for this connection's access-log lines (one per request), at most two seconds. */
    private List<String> logged(int count) throws InterruptedException {
        List<String> logged = List.of();
        for (int i = 0; i < 100 && logged.size() < count; i++) {
            Thread.sleep(20);
            logged = List.copyOf(lines.list).stream().flatMap(event -> event.getFormattedMessage().lines()).toList();
        }
        return logged;
    }

    private static void assertLine(String line, String path, int status) {
        assertTrue(line.contains(" path=" + path + " ") && line.contains(" status=" + status + " "),
                "expected path=" + path + " status=" + status + " in: " + line);
    }

    @Test
    void own_then_foreign_host_gets_the_own_answer_then_the_403_then_closes() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(get(ALICE_HOST, "/mine", alice()) + get(BOB_HOST, "/bobs", alice()));
            Response own = client.readResponse();
            assertEquals(200, own.status());
            assertEquals("hello /mine", own.text());
            Response refused = client.readResponse();
            assertEquals(403, refused.status());
            assertEquals("no running workspace of yours at this host", refused.text());
            assertTrue(client.closedByPeer(), "a 403 closes the connection after it is written");
        }
        assertEquals(List.of("/mine"), seenPaths());
        List<String> logged = logged(2);
        assertEquals(2, logged.size(), logged.toString());
        assertLine(logged.get(0), "/mine", 200);
        assertLine(logged.get(1), "/bobs", 403);
    }

    @Test
    void own_then_foreign_host_inside_connect_80_gets_the_own_answer_then_the_403() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("CONNECT " + ALICE_HOST + ":80 HTTP/1.1\r\nHost: " + ALICE_HOST + ":80\r\n"
                    + "Proxy-Authorization: " + alice() + "\r\n\r\n");
            assertEquals(200, client.readResponse().status());
            client.send("GET /mine HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n\r\n"
                    + "GET http://" + BOB_HOST + "/bobs HTTP/1.1\r\nHost: " + BOB_HOST + "\r\n\r\n");
            Response own = client.readResponse();
            assertEquals(200, own.status());
            assertEquals("hello /mine", own.text());
            Response refused = client.readResponse();
            assertEquals(403, refused.status());
            assertEquals("Host does not match the CONNECT target", refused.text());
            assertTrue(client.closedByPeer());
        }
        assertEquals(List.of("/mine"), seenPaths());
        List<String> logged = logged(3);
        assertEquals(3, logged.size(), logged.toString());
        assertTrue(logged.get(0).contains(" method=CONNECT ") && logged.get(0).contains(" status=200 "), logged.get(0));
        assertLine(logged.get(1), "/mine", 200);
        assertLine(logged.get(2), "/bobs", 403);
    }

    @Test
    void authenticated_then_credential_less_gets_200_then_407_and_the_log_pairs_them() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(get(ALICE_HOST, "/with", alice()) + get(ALICE_HOST, "/without", null));
            Response first = client.readResponse();
            assertEquals(200, first.status());
            assertEquals("hello /with", first.text());
            Response second = client.readResponse();
            assertEquals(407, second.status());
            assertEquals("proxy authentication required", second.text());
            // A 407 keeps the connection: the retry works on it.
            Response retry = client.send(get(ALICE_HOST, "/retry", alice())).readResponse();
            assertEquals("hello /retry", retry.text());
        }
        assertEquals(List.of("/with", "/retry"), seenPaths());
        List<String> logged = logged(3);
        assertEquals(3, logged.size(), logged.toString());
        assertLine(logged.get(0), "/with", 200);
        assertTrue(logged.get(0).contains(" user=alice "), logged.get(0));
        assertLine(logged.get(1), "/without", 407);
        assertTrue(logged.get(1).contains(" user=- "), logged.get(1));
        assertLine(logged.get(2), "/retry", 200);
    }

    @Test
    void three_pipelined_with_the_middle_one_refused_come_back_in_order() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(get(ALICE_HOST, "/one", alice()) + get(ALICE_HOST, "/two", "Bearer not-a-token")
                    + get(ALICE_HOST, "/three", alice()));
            assertEquals("hello /one", client.readResponse().text());
            Response refused = client.readResponse();
            assertEquals(407, refused.status());
            assertEquals("malformed token", refused.text());
            Response third = client.readResponse();
            assertEquals(200, third.status());
            assertEquals("hello /three", third.text());
        }
        assertEquals(List.of("/one", "/three"), seenPaths());
        List<String> logged = logged(3);
        assertEquals(3, logged.size(), logged.toString());
        assertLine(logged.get(0), "/one", 200);
        assertLine(logged.get(1), "/two", 407);
        assertLine(logged.get(2), "/three", 200);
    }

    @Test
    void a_refusal_after_a_slow_upstream_response_still_waits_for_it() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            long start = System.nanoTime();
            client.send(get(ALICE_HOST, "/slow", alice()) + get(ALICE_HOST, "/fast", null)
                    + get(BOB_HOST, "/bobs", alice()));
            Response slow = client.readResponse();
            assertEquals(200, slow.status());
            assertEquals("hello /slow", slow.text());
            assertTrue(System.nanoTime() - start >= 900_000_000L, "the slow response came too soon to be slow");
            assertEquals(407, client.readResponse().status());
            Response refused = client.readResponse();
            assertEquals(403, refused.status());
            assertTrue(client.closedByPeer());
        }
        assertEquals(List.of("/slow"), seenPaths());
        List<String> logged = logged(3);
        assertEquals(3, logged.size(), logged.toString());
        assertLine(logged.get(0), "/slow", 200);
        assertLine(logged.get(1), "/fast", 407);
        assertLine(logged.get(2), "/bobs", 403);
    }

    @Test
    void a_malformed_request_after_a_slow_one_gets_its_400_after_the_slow_response() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(get(ALICE_HOST, "/slow", alice()) + "GET http://" + ALICE_HOST + "/x HTTP/1.1\r\nHost: "
                    + ALICE_HOST + "\r\nHost: " + BOB_HOST + "\r\n\r\n");
            assertEquals("hello /slow", client.readResponse().text());
            Response refused = client.readResponse();
            assertEquals(400, refused.status());
            assertEquals("more than one Host header", refused.text());
            assertTrue(client.closedByPeer());
        }
        assertEquals(List.of("/slow"), seenPaths());
    }
}
