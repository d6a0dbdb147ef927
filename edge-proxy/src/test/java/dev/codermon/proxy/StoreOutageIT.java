package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_DOWN_HOST;
import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static dev.codermon.proxy.ProxyFixture.BOB_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The route store becomes unreadable for the proxy (every read fails, as with a locked, missing or
 * damaged SQLite file or a stopped PostgreSQL): every known route keeps working with zero errors, a failed
 * read evicts nothing, and once the store answers again its changes (a route removed meanwhile) take
 * effect within about a second. A proxy restarted during the outage serves what its local snapshot holds.
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
    void known_routes_survive_a_store_outage_with_zero_errors_and_changes_apply_after_it() throws Exception {
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
        // Never requested before, yet known: the proxy holds the whole table (its socket is missing: 502).
        assertEquals(502, get(ALICE_DOWN_HOST, "alice").status());

        fixture.storeOutage(false);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        int bob = 200;
        while (bob == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            bob = get(BOB_HOST, "bob").status();
        }
        assertEquals(403, bob, "a route removed during the outage still works after it");
        assertEquals(200, get(ALICE_HOST, "alice").status());
        assertEquals(502, get(ALICE_DOWN_HOST, "alice").status());
    }

    @Test
    void a_proxy_restarted_while_the_store_is_unreadable_serves_its_known_routes_from_the_snapshot()
            throws Exception {
        Path snapshot = fixture.routeSnapshotFile();
        awaitFile(snapshot);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot.getParent())));

        fixture.storeOutage(true);
        fixture.controlPlaneStore.delete("ws-bob");
        fixture.restartProxy();
        assertEquals(200, get(ALICE_HOST, "alice").status());
        assertEquals(200, get(BOB_HOST, "bob").status(), "bob's route was known before the outage");
        assertEquals(502, get(ALICE_DOWN_HOST, "alice").status());
        Response unknown = get("other.alice.codermon.internal", "alice");
        assertEquals(403, unknown.status(), "a host the snapshot does not hold has no route: " + unknown.text());

        fixture.storeOutage(false);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int bob = 200;
        while (bob == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            bob = get(BOB_HOST, "bob").status();
        }
        assertEquals(403, bob, "a route removed during the outage still works once the store answers");
        assertEquals(200, get(ALICE_HOST, "alice").status());
    }

    @Test
    void a_proxy_started_with_neither_store_nor_snapshot_answers_503_until_the_store_answers() throws Exception {
        awaitFile(fixture.routeSnapshotFile());
        fixture.storeOutage(true);
        // Damaged: ignored (and said so), never fatal.
        fixture.proxy.close();
        Files.writeString(fixture.routeSnapshotFile(), "{\"format\": 1, \"routes\": [tr");
        fixture.restartProxy();
        Response unknown = get(ALICE_HOST, "alice");
        assertEquals(503, unknown.status());
        assertEquals("route store unavailable", unknown.text());

        fixture.storeOutage(false);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int alice = 503;
        while (alice == 503 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            alice = get(ALICE_HOST, "alice").status();
        }
        assertEquals(200, alice);
    }

    @Test
    void a_proxy_restarted_while_its_sqlite_file_is_garbage_serves_its_snapshot_and_then_the_store()
            throws Exception {
        awaitFile(fixture.routeSnapshotFile());
        // The restarted proxy's store is a file that is not SQLite (the control plane's file is left alone:
        // SQLite files must not be swapped under open connections) until the test points it back.
        Path garbage = Files.write(fixture.routeStoreFile().resolveSibling("garbage.db"),
                new byte[] {'n', 'o', 't', ' ', 's', 'q', 'l', 'i', 't', 'e', 0, 1, 2, 3});
        AtomicReference<Path> file = new AtomicReference<>(garbage);
        fixture.restartProxyOpeningItsStore(Duration.ofMillis(200), file::get);
        assertEquals(200, get(ALICE_HOST, "alice").status());
        assertEquals(200, get(BOB_HOST, "bob").status());
        assertEquals(403, get("other.alice.codermon.internal", "alice").status());

        // Removed while the proxy cannot open its store: applies once it can.
        fixture.controlPlaneStore.delete("ws-bob");
        Thread.sleep(500);
        assertEquals(200, get(BOB_HOST, "bob").status(), "the proxy read a store it cannot open");
        file.set(fixture.routeStoreFile());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int bob = 200;
        while (bob == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            bob = get(BOB_HOST, "bob").status();
        }
        assertEquals(403, bob, "a route removed meanwhile still works once the store opens");
        assertEquals(200, get(ALICE_HOST, "alice").status());
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(file), "no route snapshot at " + file);
    }
}
