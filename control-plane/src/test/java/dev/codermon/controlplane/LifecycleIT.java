package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.monitor.DeadPolicy;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.UnixHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Drives a workspace through stop, start, death and idle reaping with the real code-server (local
 * processes), a real SQLite store and the monitor running on its own schedule.
 */
class LifecycleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static String codeServerBin;

    @TempDir
    Path home;
    private final List<ControlPlane> controlPlanes = new ArrayList<>();
    private final List<Long> pids = new ArrayList<>();
    private String base;
    private String token;

    @BeforeAll
    static void requireCodeServer() {
        codeServerBin = RealCodeServer.binary();
    }

    @AfterEach
    void stopEverything() {
        controlPlanes.forEach(ControlPlane::close);
        pids.forEach(RealCodeServer::kill);
    }

    @Test
    void stop_start_death_and_idle_reaping_with_real_code_server() throws Exception {
        start(Duration.ofHours(1));
        String id = JSON.readTree(call("POST", "/api/workspaces", "{\"name\":\"main\"}", 201)).get("id").asText();
        long firstPid = pidOf(id);
        Path hello = home.resolve("workspaces").resolve(id).resolve("project").resolve("hello.txt");
        Files.writeString(hello, "written before stop");

        JsonNode stopped = JSON.readTree(call("POST", "/api/workspaces/" + id + "/stop", "", 200));
        assertEquals("STOPPED", stopped.get("state").asText());
        assertTrue(stopped.get("uptimeSeconds").isNull());
        assertFalse(isAlive(firstPid), "code-server still runs after stop");
        assertTrue(routeOf().isEmpty(), "the route outlived the stop");
        assertEquals("written before stop", Files.readString(hello));

        JsonNode started = JSON.readTree(call("POST", "/api/workspaces/" + id + "/start", "", 200));
        assertEquals("RUNNING", started.get("state").asText());
        assertEquals(id, started.get("id").asText());
        assertTrue(started.get("uptimeSeconds").isIntegralNumber());
        long secondPid = pidOf(id);
        assertNotEquals(firstPid, secondPid);
        assertEquals("written before stop", Files.readString(hello));
        assertCodeServerAlive(routeOf().orElseThrow().upstreamSocket());

        JsonNode link = JSON.readTree(call("POST", "/api/workspaces/" + id + "/open", "", 200));
        assertTrue(link.get("url").asText().startsWith("http://main.carol.codermon.internal/__codermon/auth?token="));

        // kill -9: the monitor notices within a couple of passes and takes the route away.
        ProcessHandle process = RealCodeServer.killRunning(secondPid);
        WorkspaceRecord dead = awaitRecord(id, r -> r.state() == WorkspaceState.FAILED, Duration.ofSeconds(10),
                "the monitor did not mark the killed workspace FAILED");
        assertEquals(null, dead.upstreamSocket());
        assertTrue(routeOf().isEmpty());

        assertEquals("RUNNING", JSON.readTree(call("POST", "/api/workspaces/" + id + "/start", "", 200))
                .get("state").asText());
        long thirdPid = pidOf(id);

        // A control plane with a tiny idle timeout adopts the running workspace, then reaps it.
        controlPlanes.remove(0).close();
        assertTrue(ProcessHandle.of(thirdPid).map(ProcessHandle::isAlive).orElse(false),
                "closing the control plane must leave workspaces running");
        start(Duration.ofSeconds(2));
        awaitRecord(id, r -> r.state() == WorkspaceState.STOPPED, Duration.ofSeconds(20),
                "the monitor did not reap the idle workspace");
        assertFalse(isAlive(thirdPid), "code-server still runs after it was reaped");
        assertTrue(routeOf().isEmpty(), "the route outlived the reaping");
        assertEquals("written before stop", Files.readString(hello));

        JsonNode again = JSON.readTree(call("POST", "/api/workspaces/" + id + "/start", "", 200));
        assertEquals("RUNNING", again.get("state").asText());
        pidOf(id);
        assertEquals("main.carol.codermon.internal", again.get("hostname").asText());
        assertCodeServerAlive(routeOf().orElseThrow().upstreamSocket());
        assertEquals("written before stop", Files.readString(hello));
        call("DELETE", "/api/workspaces/" + id, null, 204);
    }

    private void start(Duration idleTimeout) throws Exception {
        PolicySettings policy = PolicySettings.defaults()
                .withMonitor(Duration.ofMillis(500), idleTimeout, DeadPolicy.MARK);
        ControlPlaneConfig config = ControlPlaneConfig.defaults(home).withPort(0).withCodeServerBin(codeServerBin)
                .withRuntime(RuntimeSettings.defaults().forProcessUser("carol"))
                .withPolicy(policy);
        ControlPlane cp = ControlPlane.start(config);
        controlPlanes.add(cp);
        base = "http://127.0.0.1:" + cp.port();
        if (token == null) {
            String adminKey = Files.readString(cp.adminKeyFile().orElseThrow()).trim();
            HttpResponse<String> minted = send(HttpRequest.newBuilder(URI.create(base + "/api/tokens"))
                    .header("Authorization", "Bearer " + adminKey)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"carol\"}")));
            assertEquals(201, minted.statusCode(), minted.body());
            token = JSON.readTree(minted.body()).get("token").asText();
        }
    }

    private String call(String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = send(b);
        assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
        return r.body();
    }

    private long pidOf(String id) {
        try (SqliteRouteStore view = SqliteRouteStore.open(home.resolve("routes.db"))) {
            long pid = Long.parseLong(view.find(id).orElseThrow().runtimeRef());
            pids.add(pid);
            return pid;
        }
    }

    private java.util.Optional<Route> routeOf() {
        try (SqliteRouteStore view = SqliteRouteStore.open(home.resolve("routes.db"))) {
            return view.findRoute("main.carol.codermon.internal");
        }
    }

    private WorkspaceRecord awaitRecord(String id, Predicate<WorkspaceRecord> done, Duration timeout, String why)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        WorkspaceRecord r;
        do {
            try (SqliteRouteStore view = SqliteRouteStore.open(home.resolve("routes.db"))) {
                r = view.find(id).orElseThrow();
            }
            if (done.test(r)) {
                return r;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(why + " within " + timeout + "; last state " + r.state());
    }

    private static boolean isAlive(long pid) throws InterruptedException {
        // A stopped process may take a moment to be reaped by the kernel.
        for (int i = 0; i < 50 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(100);
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void assertCodeServerAlive(String socket) throws Exception {
        // Any request counts as a heartbeat; /healthz then reports "alive".
        UnixHttp.get(Path.of(socket), "main.localhost", "/", Duration.ofSeconds(60));
        UnixHttp.Response health = UnixHttp.get(Path.of(socket), "main.localhost", "/healthz", Duration.ofSeconds(10));
        assertEquals(200, health.status());
        assertEquals("alive", JSON.readTree(health.body()).get("status").asText(), health.body());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
