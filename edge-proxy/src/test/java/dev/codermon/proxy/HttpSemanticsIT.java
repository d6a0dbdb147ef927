package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pipelining, HTTP/1.0 and Expect: 100-continue through the proxy, over real sockets. */
class HttpSemanticsIT {

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    private static String get(String path, String version, String extraHeaders) {
        return "GET http://" + ALICE_HOST + path + " " + version + "\r\nHost: " + ALICE_HOST
                + "\r\nProxy-Authorization: " + auth + "\r\n" + extraHeaders + "\r\n";
    }

    @Test
    void pipelined_requests_are_answered_in_order() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send(get("/1", "HTTP/1.1", "") + get("/2", "HTTP/1.1", "") + get("/3", "HTTP/1.1", ""));
            assertEquals("hello /1", client.readResponse().text());
            assertEquals("hello /2", client.readResponse().text());
            assertEquals("hello /3", client.readResponse().text());
        }
    }

    @Test
    void http10_request_without_keep_alive_is_answered_and_closed() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(get("/ten", "HTTP/1.0", "")).readResponse();
            assertEquals(200, response.status());
            assertEquals("hello /ten", response.text());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByPeer());
        }
    }

    @Test
    void http10_keep_alive_request_keeps_the_connection() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response first = client.send(get("/ten-1", "HTTP/1.0", "Connection: keep-alive\r\n")).readResponse();
            assertEquals("hello /ten-1", first.text());
            assertEquals("keep-alive", first.header("connection"));
            Response second = client.send(get("/ten-2", "HTTP/1.0", "Connection: keep-alive\r\n")).readResponse();
            assertEquals("hello /ten-2", second.text());
        }
    }

    @Test
    void http10_client_gets_a_chunked_upstream_body_close_delimited() throws IOException {
        // /echo answers a body without Content-Length as chunked; HTTP/1.0 knows no chunked coding.
        String request = "POST http://" + ALICE_HOST + "/echo HTTP/1.1\r\nHost: " + ALICE_HOST
                + "\r\nProxy-Authorization: " + auth + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        try (RawClient client = new RawClient(fixture.port())) {
            Response chunked = client.send(request).readResponse();
            assertEquals("chunked", chunked.header("transfer-encoding"));
        }
        try (RawClient client = new RawClient(fixture.port())) {
            // HTTP/1.0 clients cannot send chunked bodies either: a Content-Length body, answered by Content-Length.
            Response response = client.send("POST http://" + ALICE_HOST + "/echo HTTP/1.0\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: " + auth + "\r\nContent-Length: 5\r\n\r\nhello").readResponse();
            assertEquals(200, response.status());
            assertEquals("hello", response.text());
            assertNotEquals("chunked", response.header("transfer-encoding"));
        }
    }

    @Test
    void expect_continue_relays_the_upstreams_100_then_the_answer() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("POST http://" + ALICE_HOST + "/up HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\nProxy-Authorization: "
                    + auth + "\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertEquals(100, client.readResponse().status());
            Response response = client.send("hello").readResponse();
            assertEquals(200, response.status());
            assertEquals("hello /up", response.text());
        }
    }

    @Test
    void expect_continue_with_bad_credentials_gets_407_and_no_100() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            client.send("POST http://" + ALICE_HOST + "/up HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer not-a-token\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\n");
            Response response = client.readResponse();
            assertEquals(407, response.status());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }
}
