package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_DOWN_HOST;
import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The route store becomes unreadable for the proxy (every read fails, as with a locked, missing or
 * damaged SQLite file) while the proxy runs: cached routes keep working with zero errors for many
 * refresh intervals, a failed read evicts nothing, an uncached host gets a clear 503, and once the
 * store answers again its changes (a route removed meanwhile) take effect within the refresh interval.
 */
class StoreOutageIT {

    private ProxyFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new ProxyFixture();
    }

    @AfterEach
    void stop() throws IOException {
        fixture.close();
    }

    private Response get(String host, String user) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            return client.send("GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: Bearer "
                    + fixture.token(user) + "\r\n\r\n").readResponse();
        }
    }

    @Test
    void cached_routes_survive_a_store_outage_with_zero_errors_and_changes_apply_after_it() throws Exception {
        assertEquals(200, get(ALICE_HOST, "alice").status());
        assertEquals(200, get(BOB_HOST, "bob").status());

        fixture.storeOutage(true);
        // Removed while the proxy cannot read: the proxy keeps its last good answer until it can.
        fixture.controlPlaneStore.delete("ws-bob");
        List<String> errors = new ArrayList<>();
        int requests = 0;
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) {
            for (String[] who : new String[][] {{ALICE_HOST, "alice"}, {BOB_HOST, "bob"}}) {
                Response response = get(who[0], who[1]);
                requests++;
                if (response.status() != 200) {
                    errors.add(who[1] + " " + response.status() + " " + response.text());
                }
            }
            Thread.sleep(50);
        }
        assertEquals(List.of(), errors, "errors in " + requests + " requests during the outage");
        Response uncached = get(ALICE_DOWN_HOST, "alice");
        assertEquals(503, uncached.status());
        assertEquals("route store unavailable", uncached.text());

        fixture.storeOutage(false);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        int bob = 200;
        while (bob == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            bob = get(BOB_HOST, "bob").status();
        }
        assertEquals(403, bob, "a route removed during the outage still works after it");
        assertEquals(200, get(ALICE_HOST, "alice").status());
        assertEquals(502, get(ALICE_DOWN_HOST, "alice").status(), "an uncached route is not found after the outage");
    }
}
