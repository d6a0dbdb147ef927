package dev.codermon.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs two control planes as {@code main} wires them, on one data directory (one SQLite file), with real
 * code-server processes: one leads the cluster-wide jobs, both answer the API, and the same create sent to
 * both at once gives one workspace and one code-server.
 */
class ReplicasIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();
    private static final int ROUNDS = 3;
    private static String codeServerBin;

    @TempDir
    Path home;
    private final List<ControlPlane> controlPlanes = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final ConcurrentMap<String, InJvmLeadership> locks = InJvmLeadership.table();

    @BeforeAll
    static void requireCodeServer() {
        codeServerBin = RealCodeServer.binary();
    }

    @AfterEach
    void stopEverything() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        List<Long> pids = new ArrayList<>();
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            for (WorkspaceRecord r : store.listAll()) {
                Optional.ofNullable(r.runtimeRef()).map(Long::parseLong).ifPresent(pids::add);
            }
        }
        controlPlanes.forEach(ControlPlane::close);
        pids.forEach(RealCodeServer::kill);
        codeServers(null).forEach(p -> RealCodeServer.kill(p.pid()));
    }

    private ControlPlane replica(String processUser) {
        ControlPlaneConfig config = ControlPlaneConfig.defaults(home).withPort(0).withCodeServerBin(codeServerBin)
                .withRuntime(RuntimeSettings.defaults().forProcessUser(processUser));
        ControlPlane cp = ControlPlane.start(config, Optional.empty(), new InJvmLeadership(locks));
        controlPlanes.add(cp);
        return cp;
    }

    @Test
    void two_replicas_answer_one_leads_and_a_concurrent_create_gives_one_workspace() throws Exception {
        ControlPlane first = replica("alice");
        ControlPlane second = replica("alice");
        String adminKey = Files.readString(first.adminKeyFile().orElseThrow()).trim();
        assertEquals(true, leads(first, adminKey), "the first replica took the monitor");
        assertEquals(false, leads(second, adminKey), "the second one left it to the first");

        String token = JSON.readTree(send(first, adminKey, "POST", "/api/tokens",
                "{\"user\":\"alice\",\"ttl\":\"1h\"}").body()).get("token").asText();
        for (int round = 0; round < ROUNDS; round++) {
            String body = "{\"name\":\"r" + round + "\"}";
            CountDownLatch go = new CountDownLatch(1);
            Future<HttpResponse<String>> a = pool.submit(() -> {
                go.await();
                return send(first, token, "POST", "/api/workspaces", body);
            });
            Future<HttpResponse<String>> b = pool.submit(() -> {
                go.await();
                return send(second, token, "POST", "/api/workspaces", body);
            });
            go.countDown();
            HttpResponse<String> ra = a.get(180, TimeUnit.SECONDS);
            HttpResponse<String> rb = b.get(180, TimeUnit.SECONDS);
            List<Integer> statuses = new ArrayList<>(List.of(ra.statusCode(), rb.statusCode()));
            statuses.sort(null);
            assertEquals(List.of(200, 201), statuses, ra.body() + " / " + rb.body());
            String id = JSON.readTree(ra.body()).get("id").asText();
            assertEquals(id, JSON.readTree(rb.body()).get("id").asText());
            assertEquals(1, codeServers(id).size(), "one code-server for workspace r" + round);
        }
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            assertEquals(ROUNDS, store.listAll().size());
            for (WorkspaceRecord r : store.listAll()) {
                assertEquals(WorkspaceState.RUNNING, r.state());
            }
        }
        // Both answer for every workspace, whichever started it.
        JsonNode listed = JSON.readTree(send(second, token, "GET", "/api/workspaces", null).body());
        assertEquals(ROUNDS, listed.size());

        // A replica that does not lead reconciles nothing at its start: alone, this one (serving bob only)
        // would stop every workspace of alice's as a user it does not serve.
        ControlPlane third = replica("bob");
        assertEquals(false, leads(third, adminKey));
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            for (WorkspaceRecord r : store.listAll()) {
                assertEquals(WorkspaceState.RUNNING, r.state(), r.name());
                assertEquals(1, codeServers(r.id()).size(), r.name());
            }
        }

        // The leader goes: the other replica takes the monitor at its next look.
        first.close();
        controlPlanes.remove(first);
        assertEquals(true, leads(second, adminKey));
    }

    /** Returns the code-server processes this JVM started for the workspace (any workspace for null). */
    private List<ProcessHandle> codeServers(String id) {
        String marker = home.resolve("workspaces").toString() + "/" + (id == null ? "" : id);
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)
                        || p.info().arguments().map(a -> String.join(" ", a).contains(marker)).orElse(false))
                .toList();
    }

    private static boolean leads(ControlPlane cp, String adminKey) throws Exception {
        HttpResponse<String> r = send(cp, adminKey, "GET", "/api/cluster", null);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("leads").get("workspace-monitor").asBoolean();
    }

    private static HttpResponse<String> send(ControlPlane cp, String bearer, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.port() + path))
                .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + bearer);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() < 500, method + " " + path + ": " + r.statusCode() + " " + r.body());
        return r;
    }
}
