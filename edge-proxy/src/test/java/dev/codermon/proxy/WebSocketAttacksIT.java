package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.BufferMemoryWatch;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebSocket attacks end to end: handshakes without or with bad credentials or from a foreign origin never
 * reach the workspace; after a 101 the proxy relays frames of any size as bytes, with backpressure and
 * bounded memory, leaving frame limits to the workspace (code-server), and cleans up when either side
 * closes.
 */
class WebSocketAttacksIT {

    private static final long MIB = 1024 * 1024;
    private static final String WS_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    private static String upgrade(String authorization, String origin) {
        return "GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n" + WS_HEADERS
                + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n")
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    }

    @Test
    void handshake_without_or_with_bad_credentials_gets_407_and_never_reaches_the_workspace() throws IOException {
        for (String authorization : new String[] {null, "Bearer not.a.jwt",
            RawClient.basic("alice", fixture.expiredToken("alice"))}) {
            try (RawClient client = new RawClient(fixture.port())) {
                Response response = client.send(upgrade(authorization, "http://" + ALICE_HOST)).readResponse();
                assertEquals(407, response.status(), String.valueOf(authorization));
                assertEquals(null, response.header("upgrade"));
            }
        }
        assertTrue(fixture.upstream.seen().isEmpty(), "upstream saw " + fixture.upstream.seen());
    }

    @Test
    void handshake_with_another_users_token_gets_403() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(upgrade("Bearer " + fixture.token("bob"), null)).readResponse();
            assertEquals(403, response.status());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @ParameterizedTest(name = "Origin: {0}")
    @ValueSource(strings = {"http://evil.example", "null", "http://" + BOB_HOST, "http://" + ALICE_HOST + ".evil.example",
        "http://" + ALICE_HOST + ":8080", "http://x" + ALICE_HOST, "file://", "http://127.0.0.1"})
    void handshake_from_a_foreign_origin_gets_403(String origin) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response response = client.send(upgrade(RawClient.basic("alice", fixture.token("alice")), origin))
                    .readResponse();
            assertEquals(403, response.status(), origin);
            assertEquals("WebSocket Origin does not match the workspace", response.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty(), origin);
    }

    @Test
    void a_sixteen_mib_frame_is_relayed_as_bytes_and_the_workspace_decides() throws Exception {
        try (BufferMemoryWatch memory = new BufferMemoryWatch(); RawClient client = open()) {
            // The test workspace accepts frames up to 64 KiB, as code-server has its own limits.
            writeFrameHeader(client.out(), 0x2, 16 * MIB);
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long sent = 0; sent < 16 * MIB; sent += chunk.length) {
                    client.out().write(chunk);
                }
                client.out().flush();
            } catch (IOException closed) {
                // the workspace refused the frame and the proxy closed the relay: that is the point
            }
            assertTrue(closesAfterAnyCloseFrame(client), "the relay stayed open");
            assertTrue(memory.peak() < 16 * MIB, "buffer memory grew by " + memory.peak() / MIB + " MiB");
        }
        awaitNoWebSockets();
    }

    @Test
    void a_frame_announcing_an_absurd_length_does_not_break_the_relay() throws Exception {
        try (RawClient client = open()) {
            // 2^63 - 1 and a length with the top bit set (invalid per RFC 6455): relayed, the workspace closes.
            writeFrameHeader(client.out(), 0x1, Long.MAX_VALUE);
            client.out().write(new byte[1024]);
            client.out().flush();
            assertTrue(closesAfterAnyCloseFrame(client), "the relay stayed open");
        }
        try (RawClient client = open()) {
            client.out().write(new byte[] {(byte) 0x81, (byte) 0xff, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4});
            client.out().flush();
            assertTrue(closesAfterAnyCloseFrame(client), "the relay stayed open");
        }
        awaitNoWebSockets();
        // The proxy still relays a well-behaved WebSocket afterwards.
        try (RawClient client = open()) {
            client.sendText("still here");
            assertEquals("1:echo: still here", client.readFrame());
        }
    }

    private static RawClient open() throws IOException {
        RawClient client = new RawClient(fixture.port());
        Response response = client.send(upgrade(RawClient.basic("alice", fixture.token("alice")),
                "http://" + ALICE_HOST)).readResponse();
        assertEquals(101, response.status());
        return client;
    }

    /** Returns whether the connection ends (after whatever the workspace sent, such as a close frame). */
    private static boolean closesAfterAnyCloseFrame(RawClient client) {
        try {
            client.in().readAllBytes();
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Writes a masked frame header announcing the payload length (64-bit form), mask all zeros. */
    private static void writeFrameHeader(OutputStream out, int opcode, long length) throws IOException {
        out.write(0x80 | opcode);
        out.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (length >>> shift) & 0xff);
        }
        out.write(new byte[4]);
    }

    private static void awaitNoWebSockets() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (fixture.proxy.metrics().openWebSockets() > 0 && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(0, fixture.proxy.metrics().openWebSockets(), "open WebSocket relays");
    }
}
