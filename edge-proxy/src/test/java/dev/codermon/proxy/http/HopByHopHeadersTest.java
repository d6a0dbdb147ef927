package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
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
}
