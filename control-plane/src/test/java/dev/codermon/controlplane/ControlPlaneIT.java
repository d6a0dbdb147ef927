package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import dev.codermon.controlplane.runtime.UnixHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Runs the control plane as {@code main} wires it, with the real code-server and a real SQLite store.
 */
class ControlPlaneIT {

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
    void a_workspace_runs_real_code_server_on_its_socket_survives_a_restart_and_is_deleted() throws Exception {
        ControlPlane cp = start("alice");
        String base = "http://127.0.0.1:" + cp.port();
        assertEquals(200, send(HttpRequest.newBuilder(URI.create(base + "/healthz")).GET()).statusCode());

        String adminKey = Files.readString(cp.adminKeyFile().orElseThrow()).trim();
        HttpResponse<String> minted = send(HttpRequest.newBuilder(URI.create(base + "/api/tokens"))
                .header("Authorization", "Bearer " + adminKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"alice\",\"ttl\":\"1h\"}")));
        assertEquals(201, minted.statusCode(), minted.body());
        String token = JSON.readTree(minted.body()).get("token").asText();

        HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"main\"}")));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode ws = JSON.readTree(created.body());
        String id = ws.get("id").asText();
        assertEquals("RUNNING", ws.get("state").asText());
        assertEquals("main.alice.codermon.internal", ws.get("hostname").asText());

        Route route;
        long pid;
        try (SqliteRouteStore proxyView = SqliteRouteStore.open(home.resolve("routes.db"))) {
            route = proxyView.findRoute("main.alice.codermon.internal").orElseThrow(
                    () -> new AssertionError("no RUNNING route after the workspace was created"));
            pid = Long.parseLong(proxyView.find(id).orElseThrow().runtimeRef());
            pids.add(pid);
        }
        assertEquals(id, route.workspaceId());
        Path socket = home.resolve("sockets").resolve(id).resolve("code-server.sock");
        assertEquals(socket.toString(), route.upstreamSocket());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertCodeServerAlive(route.upstreamSocket());
        assertOwnerOnly(home.resolve("sockets"));
        assertOwnerOnly(socket.getParent());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket,
                LinkOption.NOFOLLOW_LINKS)), "--socket-mode 600");
        List<String> args = ProcessHandle.of(pid).orElseThrow().info().arguments().map(List::of).orElse(List.of());
        assertTrue(args.contains("--socket") && !args.contains("--bind-addr"), "code-server's arguments: " + args);
        HttpResponse<String> apps = send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces/" + id + "/apps"))
                .header("Authorization", "Bearer " + token).GET());
        assertEquals(200, apps.statusCode(), apps.body());
        assertEquals("[]", apps.body(), "a new workspace has no apps, and code-server is none");

        HttpResponse<String> again = send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"main\"}")));
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(id, JSON.readTree(again.body()).get("id").asText());

        // A restarted control plane keeps the live workspace and its route.
        cp.close();
        controlPlanes.remove(cp);
        assertCodeServerAlive(route.upstreamSocket());
        cp = start("alice");
        base = "http://127.0.0.1:" + cp.port();
        HttpResponse<String> fetched = send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces/" + id))
                .header("Authorization", "Bearer " + token).GET());
        assertEquals(200, fetched.statusCode(), fetched.body());
        assertEquals("RUNNING", JSON.readTree(fetched.body()).get("state").asText());
        // Its uptime is the process's own, not forgotten with the control plane that started it.
        long processAge = Duration.between(ProcessHandle.of(pid).orElseThrow().info().startInstant().orElseThrow(),
                Instant.now()).toSeconds();
        JsonNode uptime = JSON.readTree(fetched.body()).get("uptimeSeconds");
        assertTrue(uptime.isIntegralNumber(), fetched.body());
        assertTrue(Math.abs(uptime.asLong() - processAge) <= 2, "uptime " + uptime + " vs process age " + processAge);

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces/" + id))
                .header("Authorization", "Bearer " + token).DELETE());
        assertEquals(204, deleted.statusCode(), deleted.body());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "code-server still runs");
        try (SqliteRouteStore proxyView = SqliteRouteStore.open(home.resolve("routes.db"))) {
            assertTrue(proxyView.findRoute("main.alice.codermon.internal").isEmpty());
            assertTrue(proxyView.find(id).isEmpty());
        }
        assertFalse(Files.exists(home.resolve("workspaces").resolve(id)));
        assertFalse(Files.exists(socket.getParent(), LinkOption.NOFOLLOW_LINKS), "the socket directory is gone");
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces/" + id))
                .header("Authorization", "Bearer " + token).GET()).statusCode());
    }

    @Test
    void a_workspace_whose_process_died_while_the_control_plane_was_down_loses_its_route() throws Exception {
        ControlPlane cp = start("bob");
        String base = "http://127.0.0.1:" + cp.port();
        String adminKey = Files.readString(cp.adminKeyFile().orElseThrow()).trim();
        String token = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/api/tokens"))
                .header("Authorization", "Bearer " + adminKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"bob\"}"))).body()).get("token").asText();
        HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(base + "/api/workspaces"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).get("id").asText();
        cp.close();
        controlPlanes.remove(cp);

        long pid;
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            pid = Long.parseLong(store.find(id).orElseThrow().runtimeRef());
        }
        pids.add(pid);
        ProcessHandle process = RealCodeServer.killRunning(pid);
        process.onExit().get();

        start("bob");
        try (SqliteRouteStore store = SqliteRouteStore.open(home.resolve("routes.db"))) {
            assertEquals(WorkspaceState.STOPPED, store.find(id).orElseThrow().state());
            assertTrue(store.findRoute("main.bob.codermon.internal").isEmpty());
        }
    }

    /** Starts the control plane with the local-process runtime, which serves one user. */
    private ControlPlane start(String user) {
        ControlPlaneConfig config = ControlPlaneConfig.defaults(home).withPort(0).withCodeServerBin(codeServerBin)
                .withRuntime(RuntimeSettings.defaults().forProcessUser(user));
        ControlPlane cp = ControlPlane.start(config);
        controlPlanes.add(cp);
        return cp;
    }

    private static void assertCodeServerAlive(String socket) throws Exception {
        // Any request counts as a heartbeat; /healthz then reports "alive".
        UnixHttp.get(Path.of(socket), "main.localhost", "/", Duration.ofSeconds(60));
        UnixHttp.Response health = UnixHttp.get(Path.of(socket), "main.localhost", "/healthz", Duration.ofSeconds(10));
        assertEquals(200, health.status());
        assertEquals("alive", JSON.readTree(health.body()).get("status").asText(), health.body());
    }

    private static void assertOwnerOnly(Path dir) throws Exception {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir,
                LinkOption.NOFOLLOW_LINKS)), dir + " must be the control plane's user's alone");
        assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"),
                Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS), dir + " owner");
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

}
