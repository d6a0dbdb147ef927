package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.StoreSettings;
import dev.codermon.auth.route.Stores;
import dev.codermon.auth.route.TestPostgres;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.TestUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy follows a real PostgreSQL store (Debian's binaries, {@link TestPostgres}): a route written by the
 * control plane reaches it through NOTIFY within a fraction of a second, a revocation closes a live WebSocket
 * within about one, and with PostgreSQL stopped the proxy keeps serving, a proxy restarted meanwhile serves
 * its snapshot, and everything converges once PostgreSQL is back.
 */
class PostgresRoutesIT {

    private static final String ALICE_HOST = "main.alice.codermon.internal";
    private static final String BOB_HOST = "main.bob.codermon.internal";

    private static TestPostgres postgres;

    @TempDir
    Path dir;
    private final TestTokens tokens = new TestTokens();
    private StoreSettings settings;
    private SqlRouteStore controlPlane;
    private TestUpstream upstream;
    private DeferredStore<SqlRouteStore> proxyStore;
    private EdgeProxy proxy;

    @BeforeAll
    static void startPostgres() {
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void start() throws Exception {
        settings = postgres.settings(postgres.newDatabase());
        controlPlane = Stores.open(settings);
        upstream = new TestUpstream().start();
        addRoute("ws-alice", "alice", ALICE_HOST);
        addRoute("ws-bob", "bob", BOB_HOST);
        startProxy();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        proxyStore.close();
        controlPlane.close();
        upstream.close();
    }

    private void startProxy() throws InterruptedException {
        ProxyConfig config = new ProxyConfig(new CodermonHome(dir), "127.0.0.1", 0, "codermon.internal", -1,
                ProxyLimits.defaults());
        proxyStore = DeferredStore.open(() -> Stores.open(settings), config.routeSnapshotFile(),
                Duration.ofMillis(200));
        proxy = new EdgeProxy(config, AccessSettings.defaults(), proxyStore, proxyStore, tokens.verifier()).start();
    }

    private void addRoute(String id, String user, String host) {
        Instant now = Instant.now();
        controlPlane.insert(new WorkspaceRecord(id, user, "main", host, upstream.socket(), WorkspaceState.RUNNING,
                "test", now, now));
    }

    private int get(String host, String user) throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            return client.send("GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: Bearer "
                    + tokens.tokenFor(user) + "\r\n\r\n").readResponse().status();
        }
    }

    private static long awaitMillis(String what, java.util.function.BooleanSupplier condition, Duration within)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "not within " + within.toMillis() + " ms: " + what);
            Thread.sleep(1);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void route_changes_reach_the_proxy_through_notify_within_a_fraction_of_a_second() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String host = "w" + i + ".carol.codermon.internal";
            long start = System.nanoTime();
            controlPlane.insert(new WorkspaceRecord("ws-carol-" + i, "carol", "w" + i, host, upstream.socket(),
                    WorkspaceState.RUNNING, "test", Instant.now(), Instant.now()));
            awaitMillis("route " + host, () -> proxy.routes().find(host) != null, Duration.ofSeconds(2));
            millis.add((System.nanoTime() - start) / 1_000_000);
            assertTrue(controlPlane.delete("ws-carol-" + i));
            awaitMillis("route " + host + " gone", () -> proxy.routes().find(host) == null, Duration.ofSeconds(2));
        }
        Collections.sort(millis);
        // NOTIFY wakes the follower at once; the 5 s quiet poll alone would take seconds.
        assertTrue(millis.get(millis.size() / 2) < 500, "median " + millis.get(millis.size() / 2) + " ms: " + millis);
        assertEquals(403, get("w0.carol.codermon.internal", "carol"));
    }

    @Test
    void a_revocation_closes_a_live_websocket_within_about_a_second() throws Exception {
        String token = tokens.tokenFor("alice");
        try (RawClient client = new RawClient(proxy.port())) {
            assertEquals(101, client.send("GET http://" + ALICE_HOST + "/ws HTTP/1.1\r\nHost: " + ALICE_HOST
                    + "\r\nProxy-Authorization: Bearer " + token + "\r\n" + TlsTunnelIT.WS_HEADERS + "\r\n")
                    .readResponse().status());
            Thread.sleep(1_100); // after the token's issue second
            long start = System.nanoTime();
            controlPlane.revokeTokens("alice", Instant.now());
            assertTrue(client.closedByPeer(), "the WebSocket was not closed");
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(took < 1_500, "closing took " + took + " ms");
        }
    }

    @Test
    void with_postgres_stopped_the_proxy_and_a_restarted_proxy_keep_serving_and_converge_after() throws Exception {
        Path snapshot = dir.resolve("proxy").resolve("0").resolve("routes-snapshot.json");
        awaitMillis("the snapshot", () -> Files.exists(snapshot), Duration.ofSeconds(5));
        postgres.stop();
        try {
            List<String> errors = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                for (String[] who : new String[][] {{ALICE_HOST, "alice"}, {BOB_HOST, "bob"}}) {
                    int status = get(who[0], who[1]);
                    if (status != 200) {
                        errors.add(who[1] + " " + status);
                    }
                }
                Thread.sleep(50);
            }
            assertEquals(List.of(), errors, "while PostgreSQL is stopped");

            proxy.close();
            proxyStore.close();
            startProxy(); // cannot open the store: starts from the snapshot
            assertEquals(200, get(ALICE_HOST, "alice"));
            assertEquals(200, get(BOB_HOST, "bob"));
            assertEquals(403, get("other.alice.codermon.internal", "alice"));
        } finally {
            postgres.restart();
        }
        awaitMillis("the control plane's pool back", () -> {
            try {
                return controlPlane.delete("ws-bob");
            } catch (RuntimeException e) {
                return false;
            }
        }, Duration.ofSeconds(10));
        awaitMillis("bob's route removed on the restarted proxy", () -> proxy.routes().find(BOB_HOST) == null,
                Duration.ofSeconds(10));
        assertEquals(403, get(BOB_HOST, "bob"));
        assertEquals(200, get(ALICE_HOST, "alice"));
    }
}
