package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HopByHopHeadersTest {

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    @Test
    void every_hop_by_hop_header_goes_whatever_its_case_and_end_to_end_ones_stay() {
        HttpHeaders h = headers("Host", "ws.example", "CONNECTION", "keep-alive", "keep-ALIVE", "timeout=5",
                "Proxy-Authorization", "Basic x", "proxy-connection", "keep-alive", "te", "trailers",
                "Trailer", "X-Sum", "Proxy-Authenticate", "Basic", "Upgrade", "h2c", "Content-Length", "3",
                "Content-Type", "text/plain", "Transfer", "x", "Tee", "y", "Keep-Alivee", "z");

        HopByHopHeaders.strip(h, false);

        assertEquals(Set.of("Host", "Content-Length", "Content-Type", "Transfer", "Tee", "Keep-Alivee"), h.names());
    }

    @Test
    void headers_named_by_connection_go_too() {
        HttpHeaders h = headers("Connection", "close, X-Hop", "Connection", "x-other", "X-Hop", "1", "X-Other", "2",
                "X-Kept", "3");

        HopByHopHeaders.strip(h, false);

        assertFalse(h.contains("X-Hop"));
        assertFalse(h.contains("X-Other"));
        assertFalse(h.contains("Connection"));
        assertEquals("3", h.get("X-Kept"));
    }

    @Test
    void a_lone_close_or_keep_alive_names_nothing_else() {
        HttpHeaders h = headers("Connection", "Close", "Close", "not a hop header");

        HopByHopHeaders.strip(h, false);

        assertFalse(h.contains("Connection"));
        assertEquals("not a hop header", h.get("Close"));
    }

    @Test
    void a_websocket_upgrade_keeps_upgrade_and_says_connection_upgrade() {
        HttpHeaders h = headers("Connection", "keep-alive, Upgrade", "Upgrade", "websocket", "Keep-Alive", "1",
                "Sec-WebSocket-Key", "k");

        HopByHopHeaders.strip(h, true);

        assertEquals("websocket", h.get("Upgrade"));
        assertEquals("upgrade", h.get("Connection"));
        assertFalse(h.contains("Keep-Alive"));
        assertEquals("k", h.get("Sec-WebSocket-Key"));
        assertTrue(HopByHopHeaders.isWebSocketUpgrade(h));
    }

    @Test
    void a_message_without_hop_by_hop_headers_is_left_as_it_is() {
        HttpHeaders h = headers("Host", "a", "Accept", "*/*", "User-Agent", "curl");

        HopByHopHeaders.strip(h, false);

        assertEquals(3, h.size());
    }

    @Test
    void client_forwarding_headers_go_and_the_proxys_own_say_what_it_verified() {
        HttpHeaders h = headers("Host", "8501.main.alice.codermon.internal", "X-Forwarded-Host", "main.alice.codermon.internal",
                "forwarded", "host=main.alice.codermon.internal", "X-FORWARDED-PROTO", "https", "X-Forwarded-For", "10.0.0.1",
                "X-Forwarded-Prefix", "/evil", "x-forwarded-port", "22", "X-Real-IP", "10.0.0.2", "X-Forwarded-", "x",
                "Proxy-Authorization", "Basic x", "X-Forwardedish", "kept", "Accept", "*/*");

        HopByHopHeaders.stripRequest(h, false, false, "127.0.0.1");

        assertEquals(Set.of("Host", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-for", "X-Forwardedish",
                "Accept"), h.names());
        assertEquals(List.of("8501.main.alice.codermon.internal"), h.getAll("X-Forwarded-Host"));
        assertEquals(List.of("http"), h.getAll("X-Forwarded-Proto"));
        assertEquals(List.of("127.0.0.1"), h.getAll("X-Forwarded-For"));
    }

    @Test
    void a_tls_request_is_said_to_be_https_and_a_plain_one_gains_only_the_proxys_headers() {
        HttpHeaders h = headers("Host", "main.alice.codermon.internal", "Accept", "*/*");

        HopByHopHeaders.stripRequest(h, false, true, "::1");

        assertEquals(5, h.size());
        assertEquals("https", h.get("X-Forwarded-Proto"));
        assertEquals("main.alice.codermon.internal", h.get("X-Forwarded-Host"));
        assertEquals("::1", h.get("X-Forwarded-For"));
    }

    @Test
    void responses_keep_forwarding_headers() {
        HttpHeaders h = headers("X-Forwarded-For", "1.2.3.4");

        HopByHopHeaders.strip(h, false);

        assertEquals("1.2.3.4", h.get("X-Forwarded-For"));
    }
}
