package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ActivityIT {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static ProxyFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ProxyFixture(new AccessSettings(Duration.ofHours(12), INTERVAL));
    }

    @AfterAll
    static void stop() throws IOException {
        fixture.close();
    }

    private static Instant lastActivity() {
        return fixture.controlPlaneStore.find("ws-alice").orElseThrow().lastActivityAt();
    }

    /** Waits for the recorder to flush everything noted so far. */
    private static void settle() throws InterruptedException {
        Thread.sleep(INTERVAL.toMillis() * 4);
    }

    @Test
    void http_requests_record_activity() throws Exception {
        settle();
        Instant before = lastActivity();
        Thread.sleep(20);
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send("GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + fixture.token("alice") + "\r\n\r\n").readResponse().status());
        }
        settle();
        assertTrue(lastActivity().isAfter(before), "a forwarded request was not recorded as activity");
    }

    @Test
    void websocket_pings_are_not_activity_but_messages_are() throws Exception {
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(101, client.send("GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + fixture.token("alice") + "\r\n" + TlsTunnelIT.WS_HEADERS
                    + "\r\n").readResponse().status());
            settle();
            Instant afterHandshake = lastActivity();
            for (int i = 0; i < 10; i++) {
                client.sendFrame(0x9, "ping " + i);
                client.sendFrame(0xA, "pong " + i);
                Thread.sleep(100);
            }
            settle();
            assertEquals(afterHandshake, lastActivity(), "keepalive frames counted as activity");

            client.sendText("real work");
            assertEquals("1:echo: real work", client.readFrame());
            settle();
            assertTrue(lastActivity().isAfter(afterHandshake), "a data frame was not recorded as activity");
        }
    }
}
