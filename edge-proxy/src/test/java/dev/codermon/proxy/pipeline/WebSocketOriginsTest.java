package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WebSocketOriginsTest {

    private static final String HOST = "main.alice.codermon.internal";

    @Test
    void own_origin_over_either_scheme_is_allowed() {
        assertTrue(WebSocketOrigins.allowed("http://" + HOST, HOST));
        assertTrue(WebSocketOrigins.allowed("https://" + HOST, HOST));
        assertTrue(WebSocketOrigins.allowed("HTTPS://MAIN.alice.codermon.internal", HOST));
        assertTrue(WebSocketOrigins.allowed("http://" + HOST + ":80", HOST));
        assertTrue(WebSocketOrigins.allowed("https://" + HOST + ":443", HOST));
    }

    @Test
    void no_origin_is_allowed_for_tools() {
        assertTrue(WebSocketOrigins.allowed(null, HOST));
    }

    @Test
    void any_other_origin_is_refused() {
        assertFalse(WebSocketOrigins.allowed("https://evil.example", HOST));
        assertFalse(WebSocketOrigins.allowed("http://main.bob.codermon.internal", HOST));
        assertFalse(WebSocketOrigins.allowed("http://x." + HOST, HOST));
        assertFalse(WebSocketOrigins.allowed("http://" + HOST + ".evil.example", HOST));
        assertFalse(WebSocketOrigins.allowed("http://" + HOST + ":8080", HOST));
        assertFalse(WebSocketOrigins.allowed("https://" + HOST + ":80", HOST));
        assertFalse(WebSocketOrigins.allowed("null", HOST));
        assertFalse(WebSocketOrigins.allowed("", HOST));
    }
}
