package dev.codermon.proxy;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.proxy.relay.TestNodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteSnapshot;
import dev.codermon.auth.route.RouteChanges;
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
import dev.codermon.proxy.testing.TlsClients;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes in one JVM, each a real proxy with its relay and certificates from a test cluster CA: a
 * workspace on node n2 (a real upstream on a unix socket) is reached through n1's proxy only via n2's
 * relay, over mutual TLS. Refusals (a certificate from another CA, a relay asked for another node's
 * workspace, a relay whose certificate names another node) reach no workspace socket: those routes point
 * at an upstream that must never see a connection.
 */
class RelayIT {

    private static final String ON_N2 = "main.alice.codermon.internal";
    private static final String ON_N1 = "local.alice.codermon.internal";
    private static final String ON_N3 = "far.alice.codermon.internal";
    private static final String ON_ROGUE = "rogue.alice.codermon.internal";
    private static final String ON_LIAR = "liar.alice.codermon.internal";
    private static final String STALE = "stale.alice.codermon.internal";
    private static final String WS_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    private static final TestTokens tokens = new TestTokens();
    /** The relay addresses the store's nodes table would give. */
    private static final Map<String, String> relayAddresses = new ConcurrentHashMap<>();
    private static final List<AutoCloseable> closing = new ArrayList<>();
    private static Path dir;
    private static TestUpstream upstream;
    /** Where every refused route points: it must never accept a connection. */
    private static TestUpstream untouched;
    private static FakeSshServer ssh;
    private static EdgeProxy n1;
    private static EdgeProxy n2;
    private static EdgeProxy noRelay;
    private static NodeRelay relay2;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        dir = Files.createTempDirectory("relay-it");
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("cluster-ca"), Clock.systemUTC());
        ca.issueNode("n1", dir.resolve("tls-n1"));
        ca.issueNode("n2", dir.resolve("tls-n2"));
        ClusterCa other = ClusterCa.loadOrCreate(dir.resolve("other-ca"), Clock.systemUTC());
        other.issueNode("n1", dir.resolve("foreign-n1"));
        other.issueNode("n4", dir.resolve("foreign-n4"));

        upstream = new TestUpstream().start();
        untouched = new TestUpstream().start();
        ssh = FakeSshServer.start(Path.of(upstream.socket()).resolveSibling("ssh.sock"));
        Path db = new CodermonHome(dir.resolve("store")).routeStoreFile();
        SqliteRouteStore controlPlane = SqliteRouteStore.open(db);
        closing.add(controlPlane);
        add(controlPlane, "ws-main", "main", ON_N2, upstream.socket());
        add(controlPlane, "ws-local", "local", ON_N1, upstream.socket());
        for (String host : List.of(ON_N3, ON_ROGUE, ON_LIAR, STALE)) {
            add(controlPlane, "ws-" + host.substring(0, host.indexOf('.')), host.substring(0, host.indexOf('.')), host,
                    untouched.socket());
        }
        Map<String, String> placement = Map.of(ON_N2, "n2", ON_N1, "n1", ON_N3, "n3", ON_ROGUE, "n4", ON_LIAR, "n5",
                STALE, "n2");
        // n2's view of STALE differs: the store moved it to n3 after n1 read it.
        Map<String, String> placementOnN2 = new java.util.HashMap<>(placement);
        placementOnN2.put(STALE, "n3");

        Map<String, Path> published = new java.util.HashMap<>(Map.of("n1", dir.resolve("tls-n1"), "n2",
                dir.resolve("tls-n2"), "n4", dir.resolve("foreign-n4")));
        published.put("n5", null);
        NodeDirectory nodes = TestNodes.joined(relayAddresses, published);
        NodeRelay relay1 = NodeRelay.create(new RelaySettings("n1", "127.0.0.1", 0, dir.resolve("tls-n1")), nodes);
        relay2 = NodeRelay.create(new RelaySettings("n2", "127.0.0.1", 0, dir.resolve("tls-n2")), nodes);
        NodeRelay rogue = NodeRelay.create(new RelaySettings("n4", "127.0.0.1", 0, dir.resolve("foreign-n4")), nodes);
        n1 = proxy("n1", db, placement, relay1);
        n2 = proxy("n2", db, placementOnN2, relay2);
        EdgeProxy rogueProxy = proxy("n4", db, placement, rogue);
        noRelay = proxy("none", db, placement, null);
        relayAddresses.put("n1", hostPort(relay1.address()));
        relayAddresses.put("n2", hostPort(relay2.address()));
        relayAddresses.put("n4", hostPort(rogue.address()));
        // Node n5's entry leads to n2's relay, whose certificate names n2.
        relayAddresses.put("n5", hostPort(relay2.address()));
        closing.addAll(List.of(relay1, relay2, rogue, rogueProxy));
    }

    private static EdgeProxy proxy(String name, Path db, Map<String, String> placement, NodeRelay relay)
            throws Exception {
        SqliteRouteStore opened = SqliteRouteStore.open(db);
        Object store = placed(opened, placement);
        EdgeProxy proxy = new EdgeProxy(new ProxyConfig(new CodermonHome(dir.resolve("home-" + name)), "127.0.0.1", 0,
                "codermon.internal"), AccessSettings.defaults(), (ProxyStore) store, (RouteFeed) store,
                tokens.verifier()).withRelay(relay).start();
        closing.add(0, opened);
        closing.add(0, proxy);
        return proxy;
    }

    /**
     * Wraps a store so that the routes it feeds name the node this proxy's view of the placement gives (two
     * views differ for a workspace the store moved after one proxy read it).
     */
    private static Object placed(SqliteRouteStore store, Map<String, String> placement) {
        return java.lang.reflect.Proxy.newProxyInstance(ProxyStore.class.getClassLoader(),
                new Class<?>[] {ProxyStore.class, RouteFeed.class}, (self, method, args) -> {
                    if (method.getName().equals("reader")) {
                        return self; // reads through this wrapper, not a connection of the store's own
                    }
                    Object result;
                    try {
                        result = method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (result instanceof RouteSnapshot snapshot) {
                        Map<String, Route> routes = new java.util.HashMap<>();
                        snapshot.routes().forEach((host, r) -> routes.put(host, placedRoute(r, placement)));
                        return new RouteSnapshot(snapshot.version(), routes, snapshot.revocations());
                    }
                    if (result instanceof RouteChanges changes) {
                        Map<String, Optional<Route>> routes = new java.util.HashMap<>();
                        changes.routes().forEach((host, r) -> routes.put(host, r.map(x -> placedRoute(x, placement))));
                        return new RouteChanges(changes.version(), routes, changes.revocations(), changes.complete());
                    }
                    return result;
                });
    }

    private static Route placedRoute(Route r, Map<String, String> placement) {
        return new Route(r.workspaceId(), r.user(), r.hostname(), r.upstreamSocket(), placement.get(r.hostname()));
    }

    private static void add(SqliteRouteStore store, String id, String name, String host, String socket) {
        Instant now = Instant.now();
        store.insert(new WorkspaceRecord(id, "alice", name, host, socket, WorkspaceState.RUNNING, "test", now, now));
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    @AfterEach
    void nothingReachedTheGuardedUpstream() {
        assertEquals(0, untouched.acceptedConnections(), "a refused relay reached a workspace socket");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        ssh.close();
        upstream.close();
        untouched.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Response get(EdgeProxy proxy, String host, String path) throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            return client.send(request(host, path)).readResponse();
        }
    }

    private static String request(String host, String path) {
        return "GET http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\nProxy-Authorization: "
                + RawClient.basic("alice", tokens.tokenFor("alice")) + "\r\n\r\n";
    }

    private static void assertBadGateway(Response response, String reason) {
        assertEquals(502, response.status(), response.text());
        assertEquals(reason, response.text());
    }

    @Test
    void http_reaches_a_workspace_on_another_node_through_its_relay() throws IOException {
        int before = upstream.acceptedConnections();
        try (RawClient client = new RawClient(n1.port())) {
            for (String path : List.of("/one", "/two")) {
                Response response = client.send(request(ON_N2, path)).readResponse();
                assertEquals(200, response.status(), response.text());
                assertEquals("hello " + path, response.text());
            }
        }
        assertEquals(before + 1, upstream.acceptedConnections(), "both requests rode one relayed connection");
        assertTrue(upstream.seen().stream().anyMatch(s -> s.uri().equals("/two") && ON_N2.equals(s.headers().get("Host"))));
        // n2's /metrics counts its relay's connections (the one above).
        String metrics = n2.metrics().render();
        assertTrue(metrics.matches("(?s).*\\ncodermon_proxy_relay_connections_total [1-9][0-9.E]*\\n.*"), metrics);
        assertTrue(metrics.contains("\ncodermon_proxy_relay_open_connections "), metrics);
        // On its own node the proxy uses the socket directly, and n2's proxy reaches its workspace itself.
        assertEquals("hello /here", get(n1, ON_N1, "/here").text());
        assertEquals("hello /at-home", get(n2, ON_N2, "/at-home").text());
    }

    @Test
    void a_websocket_relays_both_ways_through_the_relay() throws IOException {
        try (RawClient client = new RawClient(n1.port())) {
            Response response = client.send("GET http://" + ON_N2 + "/ws HTTP/1.1\r\nHost: " + ON_N2 + "\r\nOrigin: http://"
                    + ON_N2 + "\r\nProxy-Authorization: " + RawClient.basic("alice", tokens.tokenFor("alice")) + "\r\n"
                    + WS_HEADERS + "\r\n").readResponse();
            assertEquals(101, response.status());
            client.sendText("through n2");
            assertEquals("1:echo: through n2", client.readFrame());
            client.sendText("again");
            assertEquals("1:echo: again", client.readFrame());
            client.sendClose();
            assertEquals(8, Integer.parseInt(client.readFrame().split(":")[0]));
            assertTrue(client.closedByPeer(), "the relayed WebSocket did not close after the upstream closed");
        }
    }

    @Test
    void a_connect_tunnel_carries_requests_through_the_relay() throws IOException {
        try (RawClient client = new RawClient(n1.port())) {
            String authority = ON_N2 + ":80";
            assertEquals(200, client.send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                    + "\r\nProxy-Authorization: " + RawClient.basic("alice", tokens.tokenFor("alice")) + "\r\n\r\n")
                    .readResponse().status());
            for (String path : List.of("/inner", "/inner-again")) {
                Response inner = client.send("GET " + path + " HTTP/1.1\r\nHost: " + ON_N2 + "\r\n\r\n").readResponse();
                assertEquals(200, inner.status(), inner.text());
                assertEquals("hello " + path, inner.text());
            }
        }
    }

    @Test
    void wss_inside_an_https_tunnel_reaches_the_workspace_through_the_relay() throws Exception {
        try (RawClient client = new RawClient(n1.port())) {
            String authority = ON_N2 + ":443";
            assertEquals(200, client.send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                    + "\r\nProxy-Authorization: " + RawClient.basic("alice", tokens.tokenFor("alice")) + "\r\n\r\n")
                    .readResponse().status());
            client.startTls(TlsClients.trusting(n1.caCertificateFile()), ON_N2);
            Response upgrade = client.send("GET /ws HTTP/1.1\r\nHost: " + ON_N2 + "\r\nOrigin: https://" + ON_N2
                    + "\r\n" + WS_HEADERS + "\r\n").readResponse();
            assertEquals(101, upgrade.status());
            client.sendText("secure");
            assertEquals("1:echo: secure", client.readFrame());
        }
    }

    @Test
    void ssh_reaches_the_workspace_ssh_socket_through_the_relay_greeting_first() throws IOException {
        try (RawClient client = new RawClient(n1.port())) {
            String authority = ON_N2 + ":22";
            Response response = client.send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                    + "\r\nProxy-Authorization: " + RawClient.basic("alice", tokens.tokenFor("alice")) + "\r\n\r\n")
                    .readResponse(true);
            assertEquals(200, response.status());
            // The server speaks first: its greeting came right after the relay's OK and must not be lost.
            assertEquals(FakeSshServer.GREETING, readLine(client));
            client.send("ping\n");
            assertEquals("ping", readLine(client));
        }
    }

    private static String readLine(RawClient client) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = client.in().read(); b != '\n' && b >= 0; b = client.in().read()) {
            line.append((char) b);
        }
        return line.toString().strip();
    }

    @Test
    void a_node_without_a_known_relay_address_gives_502() throws IOException {
        assertBadGateway(get(n1, ON_N3, "/"), "relay to node n3 failed: the store knows no relay address for node n3");
    }

    @Test
    void a_proxy_without_a_relay_refuses_workspaces_on_other_nodes() throws IOException {
        assertBadGateway(get(noRelay, ON_N2, "/"), "workspace is on node n2 and this proxy has no relay configured");
    }

    @Test
    void a_relay_certificate_from_another_ca_is_refused_by_the_proxy() throws IOException {
        assertBadGateway(get(n1, ON_ROGUE, "/"),
                "relay to node n4 failed TLS: certificate not issued by this cluster's CA");
    }

    @Test
    void a_relay_whose_certificate_names_another_node_is_refused() throws IOException {
        assertBadGateway(get(n1, ON_LIAR, "/"), "relay to node n5 failed TLS: its certificate names node n2, not n5");
    }

    @Test
    void a_relay_refuses_a_workspace_the_store_places_on_another_node() throws IOException {
        assertBadGateway(get(n1, STALE, "/"),
                "relay to node n2 refused: 403 workspace " + STALE + " is placed on node n3, not n2");
    }

    @Test
    void a_client_certificate_from_another_ca_never_gets_a_preface_answered() throws Exception {
        int before = upstream.acceptedConnections();
        String answer;
        // It trusts the cluster's CA, so the relay is accepted; its own certificate is not.
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("foreign-n1"), dir.resolve("tls-n1"),
                relay2.address())) {
            answer = client.preface(ON_N2, "http");
        } catch (javax.net.ssl.SSLException refused) {
            answer = "closed: " + refused;
        }
        assertTrue(answer.startsWith("closed: "), answer);
        assertNotEquals("OK", answer);
        assertEquals(before, upstream.acceptedConnections(), "a foreign certificate reached the workspace socket");
    }

    @Test
    void a_relay_answers_its_own_node_and_refuses_others_with_a_reason() throws Exception {
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n1"), relay2.address())) {
            assertEquals("ERR 403 workspace " + ON_N3 + " is placed on node n3, not n2", client.preface(ON_N3, "http"));
            assertTrue(client.readLine().startsWith("closed: "));
        }
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n1"), relay2.address())) {
            assertEquals("ERR 404 no running workspace at nowhere.alice.codermon.internal",
                    client.preface("nowhere.alice.codermon.internal", "http"));
        }
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n1"), relay2.address())) {
            assertEquals("ERR 400 expected 'CODERMON-RELAY/1 <workspace host> <http|ssh>'",
                    client.send("GET / HTTP/1.1\r\n\r\n"));
        }
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n1"), relay2.address())) {
            assertEquals("ERR 400 preface too long", client.send("x".repeat(400)));
        }
        try (RelayTestClient client = RelayTestClient.connect(dir.resolve("tls-n1"), relay2.address())) {
            assertEquals("OK", client.preface(ON_N2, "http"));
            client.write("GET /raw HTTP/1.1\r\nHost: " + ON_N2 + "\r\nConnection: close\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", client.readLine().strip());
        }
    }
}
