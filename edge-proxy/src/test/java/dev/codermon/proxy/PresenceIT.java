package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.route.OpenCounts;
import dev.codermon.auth.route.PresenceReader;
import dev.codermon.proxy.testing.RawClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The real proxy publishes through its SQLite store what it holds open per workspace, and the control
 * plane's connection to the same file reads it: a row appears while a WebSocket or a tunnel is open, and
 * goes away once they close, or when the proxy stops.
 */
class PresenceIT {

    private static final String WS_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    private static final Duration WAIT = PresenceReader.FRESH_FOR.multipliedBy(2);

    private static OpenCounts awaitCounts(Supplier<OpenCounts> read, OpenCounts expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        OpenCounts seen = read.get();
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            seen = read.get();
        }
        return seen;
    }

    private static RawClient webSocket(ProxyFixture fixture) throws IOException {
        RawClient client = new RawClient(fixture.port());
        assertEquals(101, client.send("GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST
                + "\r\nProxy-Authorization: Bearer " + fixture.token("alice") + "\r\n" + WS_HEADERS + "\r\n")
                .readResponse().status());
        return client;
    }

    /** Opens a CONNECT tunnel and, inside it, a WebSocket (what Chromium does for a workbench). */
    private static RawClient tunnelledWebSocket(ProxyFixture fixture) throws IOException {
        RawClient client = new RawClient(fixture.port());
        assertEquals(200, client.send("CONNECT " + ALICE_HOST + ":80 HTTP/1.1\r\nHost: " + ALICE_HOST
                + ":80\r\nProxy-Authorization: " + RawClient.basic("alice", fixture.token("alice")) + "\r\n\r\n")
                .readResponse().status());
        assertEquals(101, client.send("GET /ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n" + WS_HEADERS + "\r\n")
                .readResponse().status());
        return client;
    }

    @Test
    void open_web_sockets_and_tunnels_appear_in_the_store_and_go_away_after_they_close() throws Exception {
        try (ProxyFixture fixture = new ProxyFixture()) {
            Supplier<OpenCounts> alice = () -> fixture.controlPlaneStore.openCounts("ws-alice",
                    Instant.now().minus(PresenceReader.FRESH_FOR));
            assertEquals(OpenCounts.NONE, alice.get());
            try (RawClient plain = new RawClient(fixture.port()); RawClient ws = webSocket(fixture);
                    RawClient tunnel = tunnelledWebSocket(fixture)) {
                assertEquals(200, plain.send("GET http://" + ALICE_HOST + "/a HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: Bearer " + fixture.token("alice") + "\r\n\r\n")
                        .readResponse().status());
                assertEquals(new OpenCounts(3, 2, 1), awaitCounts(alice, new OpenCounts(3, 2, 1)));
                assertEquals(OpenCounts.NONE, fixture.controlPlaneStore.openCounts("ws-bob", Instant.EPOCH),
                        "bob's workspace has nothing open");

                ws.sendClose();
                ws.readFrame();
                assertEquals(new OpenCounts(2, 1, 1), awaitCounts(alice, new OpenCounts(2, 1, 1)));
            }
            assertEquals(OpenCounts.NONE, awaitCounts(
                    () -> fixture.controlPlaneStore.openCounts("ws-alice", Instant.EPOCH), OpenCounts.NONE),
                    "with nothing open the proxy's row is deleted, not just left to go stale");
        }
    }

    @Test
    void a_proxy_that_stops_cleanly_deletes_its_rows() throws Exception {
        try (ProxyFixture fixture = new ProxyFixture(); RawClient ws = webSocket(fixture)) {
            assertEquals(new OpenCounts(1, 1, 0), awaitCounts(() -> fixture.controlPlaneStore.openCounts("ws-alice",
                    Instant.EPOCH), new OpenCounts(1, 1, 0)));
            fixture.proxy.close();
            assertEquals(OpenCounts.NONE, fixture.controlPlaneStore.openCounts("ws-alice", Instant.EPOCH));
        }
    }
}
