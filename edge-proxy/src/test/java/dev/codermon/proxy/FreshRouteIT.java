package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.route.ChangeDoorbell;
import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.relay.ClusterCa;
import dev.codermon.proxy.relay.NodeRelay;
import dev.codermon.proxy.relay.RelaySettings;
import dev.codermon.proxy.relay.RelayTestClient;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import dev.codermon.proxy.testing.TestUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A route written a moment before a request for it, which the store's doorbell has not announced to the
 * proxy yet: the request for a hostname the table lacks makes the route follower read the store's changes
 * at once and is decided after that read, so it is served, not refused. Here the doorbell never rings at
 * all (it only wakes), and the follower's own quiet-time read comes every 5 s: only that read-on-demand
 * can bring the route in time. A hostname with no route is still refused, after the same one read. The
 * same holds for the other ways in that look a route up: SSH ({@code CONNECT :22}), the login hand-off
 * and a relay asked by another node's proxy.
 */
class FreshRouteIT {

    private static final String HOST = "fresh.alice.codermon.internal";
    private final TestTokens tokens = new TestTokens();
    private final AtomicInteger wakes = new AtomicInteger();
    /** The follower's reads of the store's changes ({@code changesSince}). */
    private final AtomicInteger changeReads = new AtomicInteger();
    private Path dir;
    private TestUpstream upstream;
    private SqliteRouteStore controlPlane;
    private SqliteRouteStore proxyStore;
    private EdgeProxy proxy;
    /** This proxy's relay: it is node n1's. */
    private NodeRelay relay;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("fresh-route-it");
        upstream = new TestUpstream().start();
        Path db = new CodermonHome(dir.resolve("store")).routeStoreFile();
        controlPlane = SqliteRouteStore.open(db);
        proxyStore = SqliteRouteStore.open(db);
        Object store = silentDoorbell(proxyStore);
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("cluster-ca"), Clock.systemUTC());
        ca.issueNode("n1", dir.resolve("tls-n1"));
        ca.issueNode("n2", dir.resolve("tls-n2"));
        relay = NodeRelay.create(new RelaySettings("n1", "127.0.0.1", 0, dir.resolve("tls-n1")),
                dev.codermon.proxy.relay.TestNodes.table(
                        java.util.Map.of("n1", dir.resolve("tls-n1"), "n2", dir.resolve("tls-n2"))));
        proxy = new EdgeProxy(new ProxyConfig(new CodermonHome(dir.resolve("home")), "127.0.0.1", 0, "codermon.internal"),
                AccessSettings.defaults(), (ProxyStore) store, (RouteFeed) store, tokens.verifier()).withRelay(relay)
                .start();
    }

    /** The store as the proxy sees it, but with a doorbell that never rings: it only waits, or wakes. */
    private Object silentDoorbell(SqliteRouteStore store) {
        return java.lang.reflect.Proxy.newProxyInstance(ProxyStore.class.getClassLoader(),
                new Class<?>[] {ProxyStore.class, RouteFeed.class}, (self, method, args) -> {
                    if (method.getName().equals("reader")) {
                        return self; // reads through this wrapper, not a connection of the store's own
                    }
                    if (method.getName().equals("changesSince")) {
                        changeReads.incrementAndGet();
                    }
                    if (method.getName().equals("openDoorbell")) {
                        return new ChangeDoorbell() {
                            private volatile CountDownLatch current = new CountDownLatch(1);

                            @Override
                            public Ring await(Duration timeout) {
                                try {
                                    current.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                current = new CountDownLatch(1);
                                return Ring.QUIET;
                            }

                            @Override
                            public void wake() {
                                wakes.incrementAndGet();
                                current.countDown();
                            }

                            @Override
                            public void close() {
                            }
                        };
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        relay.close();
        proxyStore.close();
        controlPlane.close();
        upstream.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Response get(String host) throws IOException {
        return get("alice", host);
    }

    private Response get(String user, String host) throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            return client.send("GET http://" + host + "/now HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: "
                    + RawClient.basic(user, tokens.tokenFor(user)) + "\r\n\r\n").readResponse();
        }
    }

    @Test
    void a_route_written_just_before_its_first_request_is_served() throws Exception {
        // The follower has settled into its quiet wait (it read the empty store at start).
        Thread.sleep(300);
        Instant now = Instant.now();
        controlPlane.insert(new WorkspaceRecord("ws-fresh", "alice", "fresh", HOST, upstream.socket(),
                WorkspaceState.RUNNING, "test", now, now));
        long start = System.nanoTime();
        Response response = get(HOST);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, response.status(), response.text());
        assertEquals("hello /now", response.text());
        assertTrue(wakes.get() >= 1, "the follower's doorbell was not woken");
        assertTrue(millis < 5000, "served only by the follower's quiet-time read, after " + millis + " ms");
    }

    @Test
    void another_persons_workspace_is_refused_after_the_same_read_as_a_missing_one() throws Exception {
        Instant now = Instant.now();
        controlPlane.insert(new WorkspaceRecord("ws-fresh", "alice", "fresh", HOST, upstream.socket(),
                WorkspaceState.RUNNING, "test", now, now));
        assertEquals(200, get(HOST).status());
        int before = wakes.get();
        Response bobs = get("bob", HOST);
        assertEquals(403, bobs.status(), bobs.text());
        Response missing = get("bob", "nothing.bob.codermon.internal");
        assertEquals(403, missing.status(), missing.text());
        assertEquals(missing.text(), bobs.text(), "not yours and no such workspace must read the same");
        assertEquals(before + 2, wakes.get(), "each refusal waits for one read, existing workspace or not");
        assertEquals(1, upstream.acceptedConnections(), "bob's request reached alice's workspace");
    }

    @Test
    void a_hostname_without_a_route_is_still_refused_after_one_read() throws Exception {
        Thread.sleep(300);
        long start = System.nanoTime();
        Response response = get("nothing.alice.codermon.internal");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(403, response.status(), response.text());
        assertTrue(response.text().startsWith("no running workspace of yours at this host"), response.text());
        assertEquals(1, wakes.get());
        assertTrue(millis < 2000, "a refusal waited " + millis + " ms");
        assertEquals(0, upstream.acceptedConnections());
    }

    @Test
    void made_up_hostnames_back_to_back_cost_the_store_one_read_per_20_ms_at_most() throws Exception {
        Thread.sleep(300);
        int before = changeReads.get();
        long start = System.nanoTime();
        int requests = 0;
        // An authenticated client naming hostnames that no table holds, one request after another.
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(800) && requests < 2_000) {
            Response response = get("made-up-" + requests + ".alice.codermon.internal");
            assertEquals(403, response.status(), response.text());
            assertTrue(response.text().startsWith("no running workspace of yours at this host"), response.text());
            requests++;
        }
        double millis = (System.nanoTime() - start) / 1e6;
        int reads = changeReads.get() - before;
        assertTrue(reads <= millis / 20 + 3, reads + " store reads for " + requests + " requests in " + millis + " ms");
        assertTrue(reads >= 5, "each refusal still waited for a read: " + reads + " reads in " + millis + " ms");
        assertEquals(0, upstream.acceptedConnections());
    }

    @Test
    void the_relay_reads_once_more_for_a_workspace_it_has_not_heard_of_yet() throws Exception {
        // Another node's proxy read a new workspace's route first and asks this node's relay for it.
        Thread.sleep(300);
        Instant now = Instant.now();
        controlPlane.insert(new WorkspaceRecord("ws-fresh", "alice", "fresh", HOST, upstream.socket(),
                WorkspaceState.RUNNING, "test", now, now, "n1"));
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n2"), relay.address())) {
            assertEquals("OK", client.preface(HOST, "http"));
            client.write("GET /relayed HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", client.readLine().strip());
        }
        assertTrue(wakes.get() >= 1, "the follower's doorbell was not woken");
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n2"), relay.address())) {
            assertEquals("ERR 404 no running workspace at nothing.alice.codermon.internal",
                    client.preface("nothing.alice.codermon.internal", "http"));
        }
        assertEquals(1, upstream.acceptedConnections());
    }

    @Test
    void ssh_to_a_workspace_written_just_before_is_tunnelled_and_another_persons_refused_after_one_read()
            throws Exception {
        Thread.sleep(300);
        try (FakeSshServer ssh = FakeSshServer.start(Path.of(upstream.socket()).resolveSibling("ssh.sock"))) {
            Instant now = Instant.now();
            controlPlane.insert(new WorkspaceRecord("ws-fresh", "alice", "fresh", HOST, upstream.socket(),
                    WorkspaceState.RUNNING, "test", now, now));
            try (RawClient client = new RawClient(proxy.port())) {
                Response response = client.send(sshConnect("alice", HOST)).readResponse(true);
                assertEquals(200, response.status(), response.text());
                StringBuilder greeting = new StringBuilder();
                for (int b = client.in().read(); b != '\n' && b >= 0; b = client.in().read()) {
                    greeting.append((char) b);
                }
                assertEquals(FakeSshServer.GREETING, greeting.toString().strip());
            }
            int before = wakes.get();
            assertTrue(before >= 1, "the follower's doorbell was not woken");
            Response bobs;
            try (RawClient client = new RawClient(proxy.port())) {
                bobs = client.send(sshConnect("bob", HOST)).readResponse();
            }
            Response missing;
            try (RawClient client = new RawClient(proxy.port())) {
                missing = client.send(sshConnect("bob", "nothing.bob.codermon.internal")).readResponse();
            }
            assertEquals(403, bobs.status(), bobs.text());
            assertEquals(403, missing.status(), missing.text());
            assertEquals(missing.text(), bobs.text(), "not yours and no such workspace must read the same");
            assertEquals(before + 2, wakes.get(), "each refusal waits for one read, existing workspace or not");
        }
    }

    private String sshConnect(String user, String host) {
        String authority = host + ":22";
        return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\nProxy-Authorization: "
                + RawClient.basic(user, tokens.tokenFor(user)) + "\r\n\r\n";
    }

    @Test
    void the_login_hand_off_for_a_workspace_written_just_before_is_given_and_another_persons_refused_after_one_read()
            throws Exception {
        Thread.sleep(300);
        Instant now = Instant.now();
        controlPlane.insert(new WorkspaceRecord("ws-fresh", "alice", "fresh", HOST, upstream.socket(),
                WorkspaceState.RUNNING, "test", now, now));
        Response handoff = login("alice", HOST);
        assertEquals(302, handoff.status(), handoff.text());
        assertTrue(handoff.header("Location").startsWith("https://" + HOST + "/__codermon/auth?code="),
                handoff.header("Location"));
        int before = wakes.get();
        assertTrue(before >= 1, "the follower's doorbell was not woken");
        Response bobs = login("bob", HOST);
        Response missing = login("bob", "nothing.bob.codermon.internal");
        assertEquals(403, bobs.status(), bobs.text());
        assertEquals(403, missing.status(), missing.text());
        assertEquals(missing.text(), bobs.text(), "not yours and no such workspace must read the same");
        assertEquals(before + 2, wakes.get(), "each refusal waits for one read, existing workspace or not");
        assertEquals(0, upstream.acceptedConnections(), "a login never reaches the workspace");
    }

    private Response login(String user, String host) throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            return client.send("GET http://" + host + "/__codermon/login?return=%2F HTTP/1.1\r\nHost: " + host
                    + "\r\nProxy-Authorization: " + RawClient.basic(user, tokens.tokenFor(user)) + "\r\n\r\n")
                    .readResponse();
        }
    }
}
