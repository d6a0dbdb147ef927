package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.codermon.systemtests.LocalCluster.healthz;
import static dev.codermon.systemtests.LocalCluster.proxy;

import dev.codermon.systemtests.Traffic.Count;
import dev.codermon.systemtests.Traffic.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The cluster test of issue 15: scripts/cluster up --nodes 3 (one PostgreSQL, three nodes in network
 * namespaces, each with an edge proxy and its relay, a control plane and a node agent running local
 * code-server processes for alice), then, in order on one cluster:
 * a workspace created through n1's API and placed on n3, reached through n2's proxy (HTTP, WebSocket, https)
 * and only through n3's relay; another user's token refused on every proxy; kill -9 of n1's proxy, n2's
 * control plane and n1's node agent, each while traffic runs; PostgreSQL stopped for 30 s.
 *
 * <p>"Nothing is lost" means here: every workspace record created stays listed by every control plane, and the
 * workspace on n3 answered every one of the requests sent to it through the proxies that were not killed
 * (zero failures). Every wait has a deadline and names what it waited for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ClusterIT.FailureWatch.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class ClusterIT {

    private static final Duration START = Duration.ofMinutes(3);
    /** The leader marks a node lost after LostNodes.LOST_AFTER (15 s) of silence; its pass runs every 2 s. */
    private static final Duration LOST_WITHIN = Duration.ofSeconds(45);
    private static final Duration ROUTE_CHANGE = Duration.ofSeconds(10);
    /** A proxy's relays read the nodes table every 10 s (NodeAddressBook.EVERY), and a node's agent reports every 2 s. */
    private static final Duration RETIRE = Duration.ofSeconds(30);
    private static final Duration KILL = Duration.ofSeconds(30);
    private static final Duration RESTART = Duration.ofSeconds(120);
    private static volatile boolean failed;

    private final LocalCluster cluster = new LocalCluster();
    private String admin;
    private String alice;
    private String bob;
    /** Alice's workspaces by name: id, node, hostname as the API answered them when created. */
    private final Map<String, LocalCluster.Reply> workspaces = new LinkedHashMap<>();
    private String onN3;
    private String onN1;

    /** Notes a failed test so that the cluster's logs are kept. */
    static final class FailureWatch implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed = true;
        }
    }

    @BeforeAll
    void up() {
        try {
            System.out.println(cluster.up(3, START));
            admin = cluster.adminKey();
            alice = cluster.token("alice");
            bob = cluster.token("bob");
        } catch (RuntimeException | AssertionError e) {
            failed = true;
            throw e;
        }
    }

    @AfterAll
    void down() {
        try {
            if (failed) {
                cluster.keepLogs();
            }
        } finally {
            System.out.println(cluster.script(Duration.ofMinutes(2), "down"));
            // Its PostgreSQL data, nodes' homes and keys: nothing of a test run stays on the machine (the logs
            // of a failed run were copied under target/ above).
            Codermon.deleteTree(LocalCluster.DIR);
        }
    }

    @Test
    @Order(1)
    void a_workspace_created_through_n1_placed_on_n3_is_reached_through_n2s_proxy() {
        for (String name : List.of("main", "w2", "w3")) {
            LocalCluster.Reply r = cluster.call(1, "POST", "/api/workspaces", alice, Map.of("name", name));
            assertTrue(r.status() == 201 || r.status() == 200, "creating " + name + " through n1's API: " + r);
            assertEquals("RUNNING", r.field("state"), name + " runs: " + r.body());
            workspaces.put(name, r);
            if (r.field("node").equals("n3")) {
                onN3 = name;
                break;
            }
        }
        assertTrue(onN3 != null, "one of alice's three workspaces is placed on n3: " + workspaces);
        LocalCluster.Reply w = workspaces.get(onN3);
        assertEquals("n3", w.field("node"), "its node");
        assertTrue(w.field("files").contains("node n3"), "its files are on node n3: " + w.field("files"));
        onN1 = workspaces.entrySet().stream().filter(e -> e.getValue().field("node").equals("n1"))
                .map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new AssertionError("the first workspace is placed on n1: " + workspaces));

        String host = host(onN3);
        assertEquals(200, healthz(2, alice, host), "HTTP through n2's proxy to " + host);
        assertEquals("101", websocket(2, host, "alice", alice),
                "a WebSocket upgrade to code-server through n2's proxy");
        ProxyClient.Reply https = proxy(2, alice).trusting(LocalCluster.caCert()).get("https://" + host + "/healthz");
        assertEquals(200, https.status(), "https (CONNECT :443, TLS with the cluster's local CA) through n2's proxy: "
                + https.body());
        for (int node = 1; node <= 3; node++) {
            assertEquals(200, healthz(node, alice, host), "HTTP through n" + node + "'s proxy");
        }
    }

    @Test
    @Order(2)
    void another_users_token_is_refused_on_every_proxy() {
        String url = "http://" + host(onN3) + "/";
        for (int node = 1; node <= 3; node++) {
            ProxyClient.Reply bobs = proxy(node, bob).get(url);
            assertEquals(403, bobs.status(), "bob's token on alice's workspace through n" + node + "'s proxy: "
                    + bobs.body());
            assertEquals(407, proxy(node, null).status(url), "no credentials through n" + node + "'s proxy");
        }
        assertEquals("403", websocket(2, host(onN3), "bob", bob),
                "bob's WebSocket upgrade to alice's workspace through n2's proxy");
    }

    @Test
    @Order(3)
    void n2s_proxy_reaches_the_workspace_on_n3_only_through_n3s_relay() {
        // n3's relay lives in n3's proxy process: with it killed, the workspace's socket on n3 still answers, but
        // n2's proxy must not reach it (no socket path of another node, no fallback: docs/relay.md).
        String host = host(onN3);
        cluster.script(KILL, "kill", "n3", "proxy");
        try {
            ProxyClient.Reply r = Await.until("n2's proxy answers 502 for n3's workspace while n3's relay is down",
                    Duration.ofSeconds(10), () -> proxy(2, alice).get("http://" + host + "/healthz"),
                    x -> x.status() == 502);
            assertTrue(r.body().contains("relay to node n3"), "the 502 names n3's relay: " + r.body());
        } finally {
            cluster.script(RESTART, "start", "n3", "proxy");
        }
        for (int node : new int[] {2, 3}) {
            Await.equal("n" + node + "'s proxy reaches n3's workspace once n3's proxy (and relay) is back",
                    Duration.ofSeconds(60), 200, () -> healthz(node, alice, host));
        }
    }

    @Test
    @Order(4)
    void with_n1s_proxy_killed_the_other_proxies_keep_serving() {
        Traffic traffic = new Traffic(alice, Duration.ofSeconds(60), onN3ViaN2AndN3());
        Map<Target, Count> seen;
        try {
            Await.pause(Duration.ofSeconds(2));
            cluster.script(KILL, "kill", "n1", "proxy");
            Await.pause(Duration.ofSeconds(5));
            assertEquals(-1, healthz(1, alice, host(onN3)), "n1's proxy is gone");
        } finally {
            seen = traffic.stop();
            cluster.script(RESTART, "start", "n1", "proxy");
        }
        assertNoFailures("n1's proxy killed", seen);
        Await.equal("n1's restarted proxy serves again", Duration.ofSeconds(60), 200,
                () -> healthz(1, alice, host(onN3)));
    }

    @Test
    @Order(5)
    void with_n2s_control_plane_killed_n3s_api_still_creates() {
        Traffic traffic = new Traffic(alice, Duration.ofSeconds(150), onN3ViaN2AndN3());
        Map<Target, Count> seen;
        try {
            cluster.script(KILL, "kill", "n2", "control-plane");
            assertEquals(-1, cluster.call(2, "GET", "/healthz", null, null).status(), "n2's control plane is gone");
            LocalCluster.Reply r = cluster.call(3, "POST", "/api/workspaces", alice, Map.of("name", "w4"));
            assertTrue(r.status() == 201, "a create through n3's API with n2's control plane killed: " + r);
            assertEquals("RUNNING", r.field("state"), "w4 runs: " + r.body());
            workspaces.put("w4", r);
            Await.equal("w4 answers through n2's proxy", ROUTE_CHANGE, 200, () -> healthz(2, alice, host("w4")));
        } finally {
            seen = traffic.stop();
            cluster.script(RESTART, "start", "n2", "control-plane");
        }
        assertNoFailures("n2's control plane killed", seen);
        Await.equal("n2's restarted control plane answers", Duration.ofSeconds(90), 200,
                () -> cluster.call(2, "GET", "/healthz", null, null).status());
        assertAllRecordsListed();
    }

    @Test
    @Order(6)
    void with_n1s_agent_killed_its_workspaces_keep_serving_until_n1_is_marked_lost() {
        List<String> onN1Now = namesOn("n1");
        assertTrue(onN1Now.contains(onN1), "workspaces on n1: " + onN1Now);
        List<Target> targets = new ArrayList<>(onN3ViaN2AndN3());
        Traffic traffic = new Traffic(alice, Duration.ofSeconds(120), targets);
        Map<Target, Count> seen;
        try {
            cluster.script(KILL, "kill", "n1", "agent");
            // Agents carry no traffic: n1's workspaces answer through n2's proxy as long as n1 is not marked lost.
            try (Traffic onN1Traffic = new Traffic(alice, Duration.ofSeconds(8), List.of(new Target(2, host(onN1))))) {
                Await.pause(Duration.ofSeconds(8));
                assertNoFailures("n1's agent killed, before n1 is marked lost", onN1Traffic.stop());
            }
            for (String name : onN1Now) {
                LocalCluster.Reply lost = Await.until(name + " (on n1) is marked LOST once n1 stops reporting",
                        LOST_WITHIN, () -> get(3, name), r -> r.field("state").equals("LOST"));
                assertTrue(lost.field("reason").contains("n1"), name + "'s reason names its node: " + lost.body());
                for (int node = 1; node <= 3; node++) {
                    int proxy = node;
                    Await.equal(name + "'s route is gone from n" + proxy + "'s proxy", ROUTE_CHANGE, 403,
                            () -> healthz(proxy, alice, host(name)));
                }
            }
            // A lost node that holds workspaces (their files are on its disk) is not retired.
            LocalCluster.Reply holds = cluster.call(2, "DELETE", "/api/nodes/n1", admin, null);
            assertEquals(409, holds.status(), holds.body());
            assertEquals("node_holds_workspaces", holds.field("error"), holds.body());
        } finally {
            seen = traffic.stop();
            cluster.script(RESTART, "start", "n1", "agent");
        }
        assertNoFailures("n1's agent killed and n1 marked lost", seen);
        assertEquals("RUNNING", get(1, onN3).field("state"), "the workspace on n3 is untouched");

        LocalCluster.Reply back = Await.until("once n1's agent is back, " + onN1 + " (its files on n1) starts again",
                Duration.ofSeconds(90), () -> cluster.call(2, "POST", "/api/workspaces/" + id(onN1) + "/start", alice,
                        null), r -> r.field("state").equals("RUNNING"));
        assertEquals("n1", back.field("node"), "it runs on n1 again: " + back.body());
        Await.equal(onN1 + " answers through n2's proxy again", ROUTE_CHANGE, 200, () -> healthz(2, alice, host(onN1)));
        assertAllRecordsListed();
    }

    @Test
    @Order(7)
    void with_postgresql_stopped_for_30_s_running_workspaces_answer_and_creates_get_503() {
        List<String> running = runningNow();
        assertTrue(running.contains(onN3) && running.contains(onN1), "running before the outage: " + running);
        List<Target> targets = new ArrayList<>();
        for (String name : running) {
            for (int node = 1; node <= 3; node++) {
                targets.add(new Target(node, host(name)));
            }
        }
        Traffic traffic = new Traffic(alice, Duration.ofSeconds(120), targets);
        Map<Target, Count> seen;
        LocalCluster.Reply created;
        try {
            Await.pause(Duration.ofSeconds(2));
            long stopped = System.nanoTime();
            cluster.script(Duration.ofSeconds(60), "db", "stop");
            for (int node = 1; node <= 3; node++) {
                long t0 = System.nanoTime();
                LocalCluster.Reply r = cluster.call(node, "POST", "/api/workspaces", alice,
                        Map.of("name", "down" + node));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("create through n" + node + " with PostgreSQL stopped: " + r.status() + " in " + ms
                        + " ms");
                assertEquals(503, r.status(), "a create through n" + node + "'s API with PostgreSQL stopped: "
                        + r.body());
                assertEquals("store_unavailable", r.field("error"), "its error: " + r.body());
            }
            long left = Duration.ofSeconds(30).toNanos() - (System.nanoTime() - stopped);
            Await.pause(Duration.ofNanos(Math.max(0, left)));
            cluster.script(Duration.ofSeconds(60), "db", "start");
            long back = System.nanoTime();
            // At once and again until it works: every node's heartbeat lapsed during the outage and gets through
            // again a few seconds after the start, and this control plane reconnects too. Each answer meanwhile
            // is 201 (the create waited for a node to report rather than failing for one that is fine) or 503
            // store_unavailable (this control plane not reconnected yet), never another refusal.
            created = Await.until("a create through n2's API succeeds once PostgreSQL is back", Duration.ofSeconds(60),
                    () -> cluster.call(2, "POST", "/api/workspaces", alice, Map.of("name", "w5")), r -> {
                        System.out.println("create after PostgreSQL started: " + r.status() + " at "
                                + (System.nanoTime() - back) / 1_000_000 + " ms: " + r.body());
                        assertTrue(r.status() == 201 || (r.status() == 503 && "store_unavailable".equals(r.field("error"))),
                                "a create after PostgreSQL started: " + r.status() + " " + r.body());
                        return r.status() == 201;
                    });
            Await.pause(Duration.ofNanos(Math.max(0, Duration.ofSeconds(10).toNanos() - (System.nanoTime() - back))));
        } finally {
            seen = traffic.stop();
        }
        assertNoFailures("PostgreSQL stopped for 30 s and started again", seen);
        assertEquals("RUNNING", created.field("state"), "w5 runs: " + created.body());
        workspaces.put("w5", created);
        for (int node = 1; node <= 3; node++) {
            int proxy = node;
            Await.equal("w5's new route reaches n" + proxy + "'s proxy", ROUTE_CHANGE, 200,
                    () -> healthz(proxy, alice, host("w5")));
        }
        LocalCluster.Reply stop = cluster.call(3, "POST", "/api/workspaces/" + id("w5") + "/stop", alice, null);
        assertEquals("STOPPED", stop.field("state"), "w5 stopped through n3's API: " + stop.body());
        for (int node = 1; node <= 3; node++) {
            int proxy = node;
            Await.equal("w5's removed route reaches n" + proxy + "'s proxy", ROUTE_CHANGE, 403,
                    () -> healthz(proxy, alice, host("w5")));
        }
        for (String name : running) {
            assertEquals("RUNNING", get(1, name).field("state"),
                    name + " still runs after the outage (no node taken for lost)");
        }
        assertAllRecordsListed();
    }

    @Test
    @Order(8)
    void a_create_while_every_node_is_silent_but_not_lost_waits_for_one_to_report() throws Exception {
        // Every agent paused (SIGSTOP) until its heartbeat is older than placement's 8 s, as after a store
        // outage, but resumed well before the 15 s that mark a node lost.
        List<String> agents = new ArrayList<>();
        for (int node = 1; node <= 3; node++) {
            agents.add(java.nio.file.Files.readString(LocalCluster.DIR.resolve("n" + node + "/agent.pid")).strip());
        }
        List<String> runningBefore = runningNow();
        java.util.concurrent.CompletableFuture<LocalCluster.Reply> create;
        long asked;
        signal("-STOP", agents);
        try {
            Await.pause(Duration.ofMillis(8_500));
            asked = System.nanoTime();
            create = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> cluster.call(2, "POST", "/api/workspaces", alice, Map.of("name", "w6")));
            Await.pause(Duration.ofSeconds(1));
        } finally {
            signal("-CONT", agents);
        }
        LocalCluster.Reply created = create.get(100, java.util.concurrent.TimeUnit.SECONDS);
        System.out.println("create with every node silent: " + created.status() + " after "
                + (System.nanoTime() - asked) / 1_000_000 + " ms: " + created.body());
        assertEquals(201, created.status(), "a create while the nodes were silent, not lost: " + created.body());
        assertEquals("RUNNING", created.field("state"), created.body());
        workspaces.put("w6", created);
        Await.equal("w6's route reaches n1's proxy", ROUTE_CHANGE, 200, () -> healthz(1, alice, host("w6")));
        for (String name : runningBefore) {
            assertEquals("RUNNING", get(1, name).field("state"), name + " still runs (its node not taken for lost)");
        }
        assertAllRecordsListed();
    }

    @Test
    @Order(9)
    void a_lost_node_without_workspaces_is_retired_through_the_api_and_its_certificate_opens_no_relay() {
        // The node with the fewest of alice's workspaces: empty it through the API while it reports.
        String retired = "n1";
        for (String n : List.of("n3", "n2", "n1")) {
            if (namesOn(n).size() < namesOn(retired).size()) {
                retired = n;
            }
        }
        int x = Integer.parseInt(retired.substring(1));
        int other = x == 1 ? 2 : 1;
        for (String name : namesOn(retired)) {
            assertEquals(204, cluster.call(other, "DELETE", "/api/workspaces/" + id(name), alice, null).status(), name);
            workspaces.remove(name);
        }
        String elsewhere = workspaces.keySet().stream().filter(n -> get(1, n).field("state").equals("RUNNING"))
                .findFirst().orElseThrow(() -> new AssertionError("no running workspace left: " + workspaces));
        assertEquals(200, healthz(x, alice, host(elsewhere)), "through " + retired + "'s proxy before");

        LocalCluster.Reply reporting = cluster.call(other, "DELETE", "/api/nodes/" + retired, admin, null);
        assertEquals(409, reporting.status(), reporting.body());
        assertEquals("node_reporting", reporting.field("error"), reporting.body());
        assertEquals(401, cluster.call(other, "DELETE", "/api/nodes/" + retired, alice, null).status(), "a user");

        String node = retired;
        try {
            cluster.script(KILL, "kill", retired, "agent");
            Await.until(retired + " is marked lost", LOST_WITHIN, () -> cluster.call(other, "GET", "/api/nodes", admin,
                    null), r -> {
                        for (var n : r.json()) {
                            if (n.path("id").asText().equals(node)) {
                                return n.path("lost").asBoolean();
                            }
                        }
                        return false;
                    });
            LocalCluster.Reply done = cluster.call(other, "DELETE", "/api/nodes/" + retired, admin, null);
            assertEquals(204, done.status(), done.body());
            LocalCluster.Reply left = cluster.call(other, "GET", "/api/nodes", admin, null);
            assertEquals(2, left.json().size(), left.body());

            // Its proxy still runs with its certificate from the cluster CA: no relay takes it any more.
            // At once for a new relay connection; one already open is closed at the relay's next read (10 s).
            ProxyClient.Reply refused = Await.until("the relays refuse " + retired + "'s certificate", RETIRE,
                    () -> LocalCluster.proxy(x, alice).get("http://" + host(elsewhere) + "/healthz"),
                    r -> r.status() == 502);
            assertTrue(refused.body().contains("node " + retired + " is not in the cluster's nodes table"),
                    refused.body());
            assertEquals(200, healthz(other, alice, host(elsewhere)), "through another node's proxy");
        } finally {
            cluster.script(RESTART, "start", retired, "agent");
        }
        // An agent that reports again joins anew.
        Await.equal("through " + retired + "'s proxy once its agent reported again", RETIRE, 200,
                () -> healthz(x, alice, host(elsewhere)));
        assertEquals(3, cluster.call(other, "GET", "/api/nodes", admin, null).json().size());
        assertAllRecordsListed();
    }

    private static void signal(String signal, List<String> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        command.addAll(pids);
        Process kill = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill " + signal + " " + pids);
    }

    /** GET /api/workspaces/{id} of alice's workspace NAME through node's control plane. */
    private LocalCluster.Reply get(int node, String name) {
        return cluster.call(node, "GET", "/api/workspaces/" + id(name), alice, null);
    }

    private static String websocket(int proxyNode, String host, String user, String token) {
        return WebSocketProbe.absolute(LocalCluster.addr(proxyNode), LocalCluster.PROXY_PORT, host, user, token);
    }

    private String id(String name) {
        return workspaces.get(name).field("id");
    }

    private String host(String name) {
        return workspaces.get(name).field("hostname");
    }

    private List<Target> onN3ViaN2AndN3() {
        return List.of(new Target(2, host(onN3)), new Target(3, host(onN3)));
    }

    /** Alice's workspaces that n1's API lists as RUNNING now. */
    private List<String> runningNow() {
        List<String> running = new ArrayList<>();
        for (String name : workspaces.keySet()) {
            if (get(1, name).field("state").equals("RUNNING")) {
                running.add(name);
            }
        }
        return running;
    }

    private List<String> namesOn(String node) {
        List<String> names = new ArrayList<>();
        for (String name : workspaces.keySet()) {
            if (get(1, name).field("node").equals(node)) {
                names.add(name);
            }
        }
        return names;
    }

    private static void assertNoFailures(String what, Map<Target, Count> seen) {
        for (Map.Entry<Target, Count> e : seen.entrySet()) {
            assertTrue(e.getValue().sent() >= 10, what + ": traffic to " + e.getKey() + " sent only "
                    + e.getValue().sent());
            assertEquals(0, e.getValue().failed(), what + ": requests to " + e.getKey() + " that failed, of "
                    + e.getValue().sent() + ": " + e.getValue().firstFailures());
        }
    }

    /** Every control plane lists every workspace record created so far (none was lost). */
    private void assertAllRecordsListed() {
        Set<String> expected = new TreeSet<>();
        workspaces.keySet().forEach(n -> expected.add(id(n)));
        for (int node = 1; node <= 3; node++) {
            LocalCluster.Reply list = cluster.call(node, "GET", "/api/workspaces", alice, null);
            assertEquals(200, list.status(), "GET /api/workspaces through n" + node + ": " + list.body());
            Set<String> ids = new TreeSet<>();
            list.json().forEach(w -> ids.add(w.path("id").asText()));
            if (ids.isEmpty()) {
                list.json().path("workspaces").forEach(w -> ids.add(w.path("id").asText()));
            }
            assertTrue(ids.containsAll(expected),
                    "n" + node + " lists every workspace record " + expected + ": " + ids);
        }
    }
}
